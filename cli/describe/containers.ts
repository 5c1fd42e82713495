import type * as T from '../../controlplane/api/types/index.js';
import { title } from './common.js';
import { orNone, rfc1123z, type DescribeWriter } from './writer.js';

/** sortedResourceNames orders resource names as kubectl's SortableResourceNames: alphabetically. */
function sortedKeys(list: Record<string, string> | undefined): string[] {
  return Object.keys(list ?? {}).sort();
}

/** resources writes `Limits:` and `Requests:` at `level` with one line per resource. */
export function resources(
  w: DescribeWriter,
  r: T.ResourceRequirements | undefined,
  level: number,
): void {
  if (!r) return;
  const limits = r.limits as Record<string, string> | undefined;
  const requests = r.requests as Record<string, string> | undefined;
  if (sortedKeys(limits).length > 0) w.line(level, 'Limits:');
  for (const k of sortedKeys(limits)) w.line(level + 1, `${k}:\t${limits?.[k] ?? ''}`);
  if (sortedKeys(requests).length > 0) w.line(level, 'Requests:');
  for (const k of sortedKeys(requests)) w.line(level + 1, `${k}:\t${requests?.[k] ?? ''}`);
}

/** probeText prints a probe as kubectl's DescribeProbe: `http-get http://:8080/healthz delay=0s …`. */
export function probeText(p: T.Probe): string {
  const attrs = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 0}s period=${p.periodSeconds ?? 0}s #success=${p.successThreshold ?? 0} #failure=${p.failureThreshold ?? 0}`;
  if (p.exec) return `exec [${(p.exec.command ?? []).join(' ')}] ${attrs}`;
  if (p.httpGet) {
    const g = p.httpGet;
    const port = g.port === undefined ? '' : String(g.port);
    const host = g.host ?? '';
    const hostPort = port ? (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`) : host;
    return `http-get ${(g.scheme ?? 'HTTP').toLowerCase()}://${hostPort}${g.path ?? ''} ${attrs}`;
  }
  if (p.tcpSocket)
    return `tcp-socket ${p.tcpSocket.host ?? ''}:${String(p.tcpSocket.port)} ${attrs}`;
  if (p.grpc) return `grpc <pod>:${p.grpc.port} ${p.grpc.service ?? ''} ${attrs}`;
  return `unknown ${attrs}`;
}

function stateLines(w: DescribeWriter, name: string, s: T.ContainerState | undefined): void {
  if (s?.running) {
    w.line(2, `${name}:\tRunning`);
    w.line(3, `Started:\t${rfc1123z(s.running.startedAt)}`);
  } else if (s?.waiting) {
    w.line(2, `${name}:\tWaiting`);
    if (s.waiting.reason) w.line(3, `Reason:\t${s.waiting.reason}`);
  } else if (s?.terminated) {
    const t = s.terminated;
    w.line(2, `${name}:\tTerminated`);
    if (t.reason) w.line(3, `Reason:\t${t.reason}`);
    if (t.message) w.line(3, `Message:\t${t.message}`);
    w.line(3, `Exit Code:\t${t.exitCode}`);
    if (t.signal) w.line(3, `Signal:\t${t.signal}`);
    w.line(3, `Started:\t${rfc1123z(t.startedAt)}`);
    w.line(3, `Finished:\t${rfc1123z(t.finishedAt)}`);
  } else {
    w.line(2, `${name}:\tWaiting`);
  }
}

function envLines(w: DescribeWriter, c: T.Container): void {
  if ((c.envFrom ?? []).length > 0) {
    w.line(2, 'Environment Variables from:');
    for (const e of c.envFrom ?? []) {
      const from = e.configMapRef ? 'ConfigMap' : e.secretRef ? 'Secret' : '';
      const ref = e.configMapRef ?? e.secretRef;
      const optional = ref?.optional === true;
      const what = e.prefix ? `${from} with prefix '${e.prefix}'` : from;
      w.line(3, `${ref?.name ?? ''}\t${what}\tOptional: ${String(optional)}`);
    }
  }
  const env = c.env ?? [];
  w.line(2, `Environment:${env.length === 0 ? '\t<none>' : ''}`);
  for (const e of env) {
    const v = e.valueFrom;
    if (!v) {
      (e.value ?? '')
        .split('\n')
        .forEach((s, i) => w.line(3, i === 0 ? `${e.name}:\t${s}` : `\t${s}`));
    } else if (v.fieldRef) {
      w.line(3, `${e.name}:\t (${v.fieldRef.apiVersion ?? 'v1'}:${v.fieldRef.fieldPath})`);
    } else if (v.resourceFieldRef) {
      w.line(3, `${e.name}:\t (${v.resourceFieldRef.resource})`);
    } else if (v.secretKeyRef) {
      const k = v.secretKeyRef;
      w.line(
        3,
        `${e.name}:\t<set to the key '${k.key}' in secret '${k.name ?? ''}'>\tOptional: ${String(k.optional === true)}`,
      );
    } else if (v.configMapKeyRef) {
      const k = v.configMapKeyRef;
      w.line(
        3,
        `${e.name}:\t<set to the key '${k.key}' of config map '${k.name ?? ''}'>\tOptional: ${String(k.optional === true)}`,
      );
    }
  }
}

function mountLines(w: DescribeWriter, c: T.Container): void {
  const mounts = [...(c.volumeMounts ?? [])].sort((a, b) => a.mountPath.localeCompare(b.mountPath));
  w.line(2, `Mounts:${mounts.length === 0 ? '\t<none>' : ''}`);
  for (const m of mounts) {
    const flags = [m.readOnly ? 'ro' : 'rw'];
    if (m.subPath) flags.push(`path=${JSON.stringify(m.subPath)}`);
    w.line(3, `${m.mountPath} from ${m.name} (${flags.join(',')})`);
  }
}

/**
 * containers writes a `Containers:` (or `Init Containers:`) section as
 * kubectl's describeContainers: basic info, command, state (when a status
 * is known), resources, probes, environment and mounts. `inTemplate` is the
 * pod-template form (indented by one level, names by one more space).
 */
export function containers(
  w: DescribeWriter,
  label: string,
  list: readonly T.Container[] | undefined,
  statuses: readonly T.ContainerStatus[] | undefined,
  inTemplate: boolean,
): void {
  const space = inTemplate ? '  ' : '';
  const all = list ?? [];
  if (all.length === 0) {
    w.line(0, `${space}${label}: <none>`);
    return;
  }
  w.line(0, `${space}${label}:`);
  const byName = new Map((statuses ?? []).map((s) => [s.name, s]));
  for (const c of all) {
    const st = byName.get(c.name);
    w.line(1, `${inTemplate ? ' ' : ''}${c.name}:`);
    if (st) w.line(2, `Container ID:\t${st.containerID ?? ''}`);
    w.line(2, `Image:\t${c.image ?? ''}`);
    if (st) w.line(2, `Image ID:\t${st.imageID ?? ''}`);
    const ports = (c.ports ?? [])
      .map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`)
      .join(', ');
    w.line(2, `${ports.includes(',') ? 'Ports' : 'Port'}:\t${orNone(ports)}`);
    const hostPorts = (c.ports ?? [])
      .map((p) => `${p.hostPort ?? 0}/${p.protocol ?? 'TCP'}`)
      .join(', ');
    w.line(2, `${hostPorts.includes(',') ? 'Host Ports' : 'Host Port'}:\t${orNone(hostPorts)}`);
    for (const [name, items] of [
      ['Command', c.command],
      ['Args', c.args],
    ] as const) {
      if (!items?.length) continue;
      w.line(2, `${name}:`);
      for (const item of items) for (const s of item.split('\n')) w.line(3, s);
    }
    if (st) {
      stateLines(w, 'State', st.state);
      if (st.lastState?.terminated) stateLines(w, 'Last State', st.lastState);
      w.line(2, `Ready:\t${title(st.ready)}`);
      w.line(2, `Restart Count:\t${st.restartCount ?? 0}`);
    }
    resources(w, c.resources, 2);
    if (c.livenessProbe) w.line(2, `Liveness:\t${probeText(c.livenessProbe)}`);
    if (c.readinessProbe) w.line(2, `Readiness:\t${probeText(c.readinessProbe)}`);
    if (c.startupProbe) w.line(2, `Startup:\t${probeText(c.startupProbe)}`);
    envLines(w, c);
    mountLines(w, c);
  }
}

/** volumes writes the `Volumes:` section as kubectl's describeVolumes. */
export function volumes(
  w: DescribeWriter,
  list: readonly T.Volume[] | undefined,
  inTemplate: boolean,
): void {
  const space = inTemplate ? '  ' : '';
  if (!list?.length) {
    w.line(0, `${space}Volumes:\t<none>`);
    return;
  }
  w.line(0, `${space}Volumes:`);
  for (const v of list) {
    w.line(1, `${inTemplate ? ' ' : ''}${v.name}:`);
    if (v.hostPath) {
      w.line(2, 'Type:\tHostPath (bare host directory volume)');
      w.line(0, `    Path:\t${v.hostPath.path}`);
      w.line(0, `    HostPathType:\t${v.hostPath.type || '<none>'}`);
    } else if (v.emptyDir) {
      w.line(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)");
      w.line(0, `    Medium:\t${v.emptyDir.medium ?? ''}`);
      const limit = v.emptyDir.sizeLimit;
      w.line(
        0,
        `    SizeLimit:\t${limit && !/^0+[a-zA-Z]*$/.test(String(limit)) ? String(limit) : '<unset>'}`,
      );
    } else if (v.secret) {
      w.line(2, 'Type:\tSecret (a volume populated by a Secret)');
      w.line(0, `    SecretName:\t${v.secret.secretName ?? ''}`);
      w.line(0, `    Optional:\t${String(v.secret.optional === true)}`);
    } else if (v.configMap) {
      w.line(2, 'Type:\tConfigMap (a volume populated by a ConfigMap)');
      w.line(0, `    Name:\t${v.configMap.name ?? ''}`);
      w.line(0, `    Optional:\t${String(v.configMap.optional === true)}`);
    } else if (v.persistentVolumeClaim) {
      w.line(
        2,
        'Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)',
      );
      w.line(0, `    ClaimName:\t${v.persistentVolumeClaim.claimName}`);
      w.line(0, `    ReadOnly:\t${String(v.persistentVolumeClaim.readOnly === true)}`);
    } else if (v.projected) {
      w.line(2, 'Type:\tProjected (a volume that contains injected data from multiple sources)');
    } else if (v.downwardAPI) {
      w.line(2, 'Type:\tDownwardAPI (a volume populated by information about the pod)');
      w.line(0, '    Items:');
      for (const f of v.downwardAPI.items ?? []) {
        if (f.fieldRef) w.line(0, `      ${f.fieldRef.fieldPath} -> ${f.path}`);
        if (f.resourceFieldRef) w.line(0, `      ${f.resourceFieldRef.resource} -> ${f.path}`);
      }
    } else {
      w.line(1, '<unknown>');
    }
  }
}

/** tolerationText prints one toleration as kubectl: `key=value:Effect op=Exists for 300s`. */
export function tolerationText(t: T.Toleration): string {
  let s = t.key ?? '';
  if (t.value) s += `=${t.value}`;
  if (t.effect) s += `:${t.effect}`;
  if (t.operator === 'Exists' && !t.value) s += t.key || t.effect ? ' op=Exists' : 'op=Exists';
  if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null)
    s += ` for ${t.tolerationSeconds}s`;
  return s;
}

/** multiline writes `Title:\tfirst` then one more line per item, or `<none>`. */
export function multiline(
  w: DescribeWriter,
  titleText: string,
  items: readonly string[],
  level = 0,
): void {
  if (items.length === 0) {
    w.line(level, `${titleText}:\t<none>`);
    return;
  }
  items.forEach((s, i) => w.line(level, `${i === 0 ? `${titleText}:` : ''}\t${s}`));
}
