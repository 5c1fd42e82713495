import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type {
  Container,
  PodSecurityContext,
  SeccompProfile,
  StoredPod,
} from '../../controlplane/api/types/index.js';
import type { ContainerConfig } from '../../proto/generated/tugboat/runtime/v1/ContainerConfig.js';
import type { DNSConfig } from '../../proto/generated/tugboat/runtime/v1/DNSConfig.js';
import type { KeyValue } from '../../proto/generated/tugboat/runtime/v1/KeyValue.js';
import type { LinuxContainerSecurityContext } from '../../proto/generated/tugboat/runtime/v1/LinuxContainerSecurityContext.js';
import type { Mount } from '../../proto/generated/tugboat/runtime/v1/Mount.js';
import type { NamespaceOption } from '../../proto/generated/tugboat/runtime/v1/NamespaceOption.js';
import type { PodSandboxConfig } from '../../proto/generated/tugboat/runtime/v1/PodSandboxConfig.js';
import type { PortMapping } from '../../proto/generated/tugboat/runtime/v1/PortMapping.js';
import type { SecurityProfile } from '../../proto/generated/tugboat/runtime/v1/SecurityProfile.js';
import {
  CONTAINER_HASH_ANNOTATION,
  CONTAINER_KIND_ANNOTATION,
  CONTAINER_NAME_LABEL,
  GRACE_ANNOTATION,
  podLabels,
} from '../runtime/labels.js';
import { ContainerConfigError, expandVars } from './env.js';
import { normalizeImageName } from './image-ref.js';
import { linuxResources } from './resources.js';

/** DnsSettings are the agent's cluster DNS flags (kubelet's --cluster-dns, --cluster-domain). */
export interface DnsSettings {
  clusterDNS: string[];
  clusterDomain: string;
}

/** podLogDirectory is kubelet's per-pod log directory: `<root>/<ns>_<name>_<uid>`. */
export function podLogDirectory(logRoot: string, pod: StoredPod): string {
  return join(
    logRoot,
    `${pod.metadata.namespace ?? 'default'}_${pod.metadata.name}_${pod.metadata.uid}`,
  );
}

/** containerLogPath is a container's log file relative to the pod log dir: `<name>/<restart>.log`. */
export function containerLogPath(name: string, attempt: number): string {
  return `${name}/${attempt}.log`;
}

/** graceSeconds is the pod's termination grace period (30 s by default). */
export function graceSeconds(pod: StoredPod): number {
  return pod.spec?.terminationGracePeriodSeconds ?? 30;
}

/**
 * containerHash is a hash of the parts of a container spec that, when they
 * change, make kubelet restart the container (the image above all). Resources
 * are left out: they may change in place.
 */
export function containerHash(c: Container): string {
  const { resources: _r, resizePolicy: _p, ...rest } = c;
  return createHash('sha256').update(stableJson(rest)).digest('hex').slice(0, 16);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function namespaceOptions(pod: StoredPod): NamespaceOption {
  const s = pod.spec;
  return {
    network: s?.hostNetwork ? 'NODE' : 'POD',
    pid: s?.hostPID ? 'NODE' : s?.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: s?.hostIPC ? 'NODE' : 'POD',
  };
}

function dnsConfig(pod: StoredPod, dns: DnsSettings): DNSConfig {
  const spec = pod.spec;
  const policy = spec?.dnsPolicy ?? 'ClusterFirst';
  const ns = pod.metadata.namespace ?? 'default';
  const out: Required<Pick<DNSConfig, 'servers' | 'searches' | 'options'>> = {
    servers: [],
    searches: [],
    options: [],
  };
  const clusterFirst =
    (policy === 'ClusterFirst' && !spec?.hostNetwork) || policy === 'ClusterFirstWithHostNet';
  if (clusterFirst && dns.clusterDNS.length > 0) {
    const d = dns.clusterDomain;
    out.servers.push(...dns.clusterDNS);
    out.searches.push(`${ns}.svc.${d}`, `svc.${d}`, d);
    out.options.push('ndots:5');
  }
  // Without cluster DNS, ClusterFirst falls back to the node's resolv.conf, as kubelet does.
  const extra = spec?.dnsConfig;
  if (extra) {
    out.servers.push(...(extra.nameservers ?? []));
    out.searches.push(...(extra.searches ?? []));
    for (const o of extra.options ?? []) {
      if (o.name) out.options.push(o.value !== undefined ? `${o.name}:${o.value}` : o.name);
    }
  }
  return out;
}

function portMappings(pod: StoredPod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({
        protocol: p.protocol ?? 'TCP',
        containerPort: p.containerPort,
        hostPort: p.hostPort,
        hostIp: p.hostIP ?? '',
      });
    }
  }
  return out;
}

/** sandboxConfig is the RunPodSandbox config of `pod`'s sandbox number `attempt`. */
export function sandboxConfig(
  pod: StoredPod,
  attempt: number,
  logRoot: string,
  dns: DnsSettings,
): PodSandboxConfig {
  const md = pod.metadata;
  const psc = pod.spec?.securityContext;
  const privileged = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some(
    (c) => c.securityContext?.privileged === true,
  );
  return {
    metadata: { name: md.name, namespace: md.namespace ?? 'default', uid: md.uid, attempt },
    hostname: pod.spec?.hostNetwork ? '' : (pod.spec?.hostname ?? md.name).slice(0, 63),
    logDirectory: podLogDirectory(logRoot, pod),
    dnsConfig: dnsConfig(pod, dns),
    portMappings: portMappings(pod),
    labels: {
      ...(md.labels ?? {}),
      ...podLabels({ name: md.name, namespace: md.namespace ?? 'default', uid: md.uid }),
    },
    annotations: { ...(md.annotations ?? {}), [GRACE_ANNOTATION]: String(graceSeconds(pod)) },
    linux: {
      securityContext: {
        namespaceOptions: namespaceOptions(pod),
        privileged,
        ...(psc?.runAsUser !== undefined ? { runAsUser: { value: psc.runAsUser } } : {}),
        ...(psc?.runAsGroup !== undefined ? { runAsGroup: { value: psc.runAsGroup } } : {}),
        supplementalGroups: supplementalGroups(psc),
      },
      sysctls: Object.fromEntries((psc?.sysctls ?? []).map((s) => [s.name, s.value])),
    },
  };
}

function supplementalGroups(psc: PodSecurityContext | undefined): number[] {
  const out = [...(psc?.supplementalGroups ?? [])];
  if (psc?.fsGroup !== undefined && !out.includes(psc.fsGroup)) out.push(psc.fsGroup);
  return out;
}

function seccomp(p: SeccompProfile | undefined): SecurityProfile | undefined {
  if (!p) return undefined;
  if (p.type === 'Unconfined') return { profileType: 'Unconfined' };
  if (p.type === 'Localhost') {
    return { profileType: 'Localhost', localhostRef: p.localhostProfile ?? '' };
  }
  return { profileType: 'RuntimeDefault' };
}

/** ImageUser is the user an image runs as, from the runtime's image record. */
export interface ImageUser {
  uid: number | undefined;
  username: string;
}

function securityContext(
  pod: StoredPod,
  c: Container,
  image: ImageUser,
): LinuxContainerSecurityContext {
  const sc = c.securityContext;
  const psc = pod.spec?.securityContext;
  const runAsUser = sc?.runAsUser ?? psc?.runAsUser;
  const runAsGroup = sc?.runAsGroup ?? psc?.runAsGroup;
  if (sc?.runAsNonRoot ?? psc?.runAsNonRoot) {
    const uid = runAsUser ?? image.uid;
    const who = `pod: "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})", container: ${c.name}`;
    if (uid === undefined && image.username !== '') {
      throw new ContainerConfigError(
        `container has runAsNonRoot and image has non-numeric user (${image.username}), cannot verify user is non-root (${who})`,
      );
    }
    if ((uid ?? 0) === 0) {
      throw new ContainerConfigError(
        `container has runAsNonRoot and image will run as root (${who})`,
      );
    }
  }
  const out: LinuxContainerSecurityContext = {
    namespaceOptions: namespaceOptions(pod),
    privileged: sc?.privileged === true,
    readonlyRootfs: sc?.readOnlyRootFilesystem === true,
    noNewPrivs: sc?.allowPrivilegeEscalation === false,
    supplementalGroups: supplementalGroups(psc),
  };
  if (runAsUser !== undefined) out.runAsUser = { value: runAsUser };
  if (runAsGroup !== undefined) out.runAsGroup = { value: runAsGroup };
  if (sc?.capabilities) {
    out.capabilities = {
      addCapabilities: sc.capabilities.add ?? [],
      dropCapabilities: sc.capabilities.drop ?? [],
    };
  }
  const profile = seccomp(sc?.seccompProfile ?? psc?.seccompProfile);
  if (profile) out.seccomp = profile;
  return out;
}

/** ContainerConfigInput is what a container's runtime config is built from. */
export interface ContainerConfigInput {
  pod: StoredPod;
  container: Container;
  kind: 'init' | 'app';
  attempt: number;
  env: KeyValue[];
  mounts: Mount[];
  image: ImageUser;
  nodeMemoryBytes: number;
}

/**
 * containerConfig builds the CreateContainer config of one container
 * attempt: command and args expanded with its environment (`$(VAR)`),
 * resources as cgroup limits, the security context, the log path
 * `<name>/<attempt>.log`, and the labels and annotations that let a
 * restarted agent recognise it. Throws ContainerConfigError when the
 * container cannot run as written (runAsNonRoot violated, bad quantity).
 */
export function containerConfig(input: ContainerConfigInput): ContainerConfig {
  const { pod, container: c, attempt } = input;
  const envMap = new Map(input.env.map((e) => [e.key ?? '', e.value ?? '']));
  const expand = (s: string): string => expandVars(s, (n) => envMap.get(n));
  const md = pod.metadata;
  return {
    metadata: { name: c.name, attempt },
    image: { image: normalizeImageName(c.image ?? '') },
    command: (c.command ?? []).map(expand),
    args: (c.args ?? []).map(expand),
    workingDir: c.workingDir ?? '',
    envs: input.env,
    mounts: input.mounts,
    labels: {
      ...podLabels({ name: md.name, namespace: md.namespace ?? 'default', uid: md.uid }),
      [CONTAINER_NAME_LABEL]: c.name,
    },
    annotations: {
      [CONTAINER_HASH_ANNOTATION]: containerHash(c),
      [CONTAINER_KIND_ANNOTATION]: input.kind,
      'io.kubernetes.container.restartCount': String(attempt),
    },
    logPath: containerLogPath(c.name, attempt),
    linux: {
      resources: linuxResources(pod.spec, c, input.nodeMemoryBytes),
      securityContext: securityContext(pod, c, input.image),
    },
  };
}
