import { trySelectorFromLabelSelector } from '../labels/index.js';
import type { LabelSelector } from '../meta.js';
import { isQuantityError, parseQuantity } from '../quantity/index.js';
import type {
  ConfigMap,
  Container,
  Deployment,
  Endpoints,
  Event,
  HorizontalPodAutoscaler,
  Lease,
  MetricSpec,
  MetricStatus,
  Namespace,
  Node,
  ReplicaSet,
  Scale,
  Secret,
  Service,
  TableCell,
} from '../types/index.js';
import { since } from './duration.js';

/** Cells of every kind but Pod, as pkg/printers prints them (wide columns included). */

/** containerCells lays out a template's container names and images, comma-separated. */
function containerCells(cs: Container[] | undefined): [string, string] {
  const list = cs ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

/** selectorString is LabelSelectorAsSelector(s).String(): `<invalid>` for a bad selector. */
function selectorString(s: LabelSelector | undefined): string {
  const sel = trySelectorFromLabelSelector(s);
  return sel instanceof Error ? '<invalid>' : sel.toString();
}

/** formatLabels is labels.FormatLabels: sorted `k=v` pairs, `<none>` when empty. */
function formatLabels(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${m![k]}`).join(',');
}

/** quantityString prints a quantity canonically, or as written when it does not parse. */
function quantityString(q: string | undefined): string {
  if (q === undefined) return '<nil>';
  try {
    return parseQuantity(q).toString();
  } catch (e) {
    if (isQuantityError(e)) return q;
    throw e;
  }
}

const age = (o: { metadata?: { creationTimestamp?: string } }, now: number): string =>
  since(o.metadata?.creationTimestamp, now);
const nameOf = (o: { metadata?: { name?: string } }): string => o.metadata?.name ?? '';

export function deploymentCells(d: Deployment, now: number): TableCell[] {
  const st = d.status ?? {};
  const [names, images] = containerCells(d.spec?.template?.spec?.containers);
  return [
    nameOf(d),
    `${st.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
    st.updatedReplicas ?? 0,
    st.availableReplicas ?? 0,
    age(d, now),
    names,
    images,
    selectorString(d.spec?.selector),
  ];
}

export function replicaSetCells(rs: ReplicaSet, now: number): TableCell[] {
  const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
  const sel = selectorString(rs.spec?.selector);
  return [
    nameOf(rs),
    rs.spec?.replicas ?? 0,
    rs.status?.replicas ?? 0,
    rs.status?.readyReplicas ?? 0,
    age(rs, now),
    names,
    images,
    sel === '' ? '<none>' : sel,
  ];
}

function externalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = [
        ...new Set(
          (svc.status?.loadBalancer?.ingress ?? [])
            .map((i) => i.ip || i.hostname || '')
            .filter((x) => x !== ''),
        ),
      ].sort();
      if (external.length > 0) return [...lb, ...external].join(',');
      return lb.length > 0 ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

export function serviceCells(svc: Service, now: number): TableCell[] {
  const spec = svc.spec ?? {};
  const ports = (spec.ports ?? [])
    .map((p) =>
      p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`,
    )
    .join(',');
  return [
    nameOf(svc),
    spec.type ?? '',
    spec.clusterIPs?.[0] ?? '<none>',
    externalIP(svc),
    ports || '<none>',
    age(svc, now),
    formatLabels(spec.selector),
  ];
}

const joinHostPort = (ip: string, port: number): string =>
  ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;

/** endpointsString is formatEndpoints: the first three `ip:port` pairs, then `+ N more...`. */
export function endpointsString(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a.ip, p.port));
      }
    }
  }
  const s = list.join(',');
  return more ? `${s} + ${count - max} more...` : s;
}

export function endpointsCells(ep: Endpoints, now: number): TableCell[] {
  return [nameOf(ep), endpointsString(ep), age(ep, now)];
}

function nodeRoles(n: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(n.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

export function nodeCells(n: Node, now: number): TableCell[] {
  const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const status = ready ? [ready.status === 'True' ? 'Ready' : 'NotReady'] : ['Unknown'];
  if (n.spec?.unschedulable) status.push('SchedulingDisabled');
  const addr = (t: string): string =>
    n.status?.addresses?.find((a) => a.type === t)?.address ?? '<none>';
  const info = n.status?.nodeInfo;
  return [
    nameOf(n),
    status.join(','),
    nodeRoles(n),
    age(n, now),
    info?.kubeletVersion ?? '',
    addr('InternalIP'),
    addr('ExternalIP'),
    info?.osImage || '<unknown>',
    info?.kernelVersion || '<unknown>',
    info?.containerRuntimeVersion || '<unknown>',
  ];
}

export function namespaceCells(n: Namespace, now: number): TableCell[] {
  return [nameOf(n), n.status?.phase ?? '', age(n, now)];
}

export function configMapCells(cm: ConfigMap, now: number): TableCell[] {
  return [
    nameOf(cm),
    Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
    age(cm, now),
  ];
}

export function secretCells(s: Secret, now: number): TableCell[] {
  return [nameOf(s), s.type ?? '', Object.keys(s.data ?? {}).length, age(s, now)];
}

export function leaseCells(l: Lease, now: number): TableCell[] {
  return [nameOf(l), l.spec?.holderIdentity ?? '', age(l, now)];
}

export function scaleCells(s: Scale, now: number): TableCell[] {
  return [nameOf(s), s.spec?.replicas ?? 0, s.status?.replicas ?? 0, age(s, now)];
}

/** eventCells prints LAST SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST SEEN COUNT NAME. */
export function eventCells(e: Event, now: number): TableCell[] {
  const first = e.firstTimestamp ? since(e.firstTimestamp, now) : since(e.eventTime, now);
  let last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
  let count = e.count ?? 0;
  if (e.series) {
    last = since(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const io = e.involvedObject ?? {};
  const kind = (io.kind ?? '').toLowerCase();
  const target = io.name ? `${kind}/${io.name}` : kind;
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return [
    last,
    e.type ?? '',
    e.reason ?? '',
    target,
    io.fieldPath ?? '',
    instance ? `${component}, ${instance}` : component,
    (e.message ?? '').trim(),
    first,
    count,
    nameOf(e),
  ];
}

function metricTarget(spec: MetricSpec, status: MetricStatus | undefined): string {
  const unknown = '<unknown>';
  switch (spec.type) {
    case 'External': {
      const t = spec.external?.target;
      if (t?.averageValue !== undefined) {
        const cur = status?.external?.current.averageValue;
        return `${cur !== undefined ? quantityString(cur) : unknown}/${quantityString(t.averageValue)} (avg)`;
      }
      const cur = status?.external ? quantityString(status.external.current.value) : unknown;
      return `${cur}/${quantityString(t?.value)}`;
    }
    case 'Pods': {
      const cur = status?.pods ? quantityString(status.pods.current.averageValue) : unknown;
      return `${cur}/${quantityString(spec.pods?.target.averageValue)}`;
    }
    case 'Object': {
      const t = spec.object?.target;
      if (t?.averageValue !== undefined) {
        const cur = status?.object?.current.averageValue;
        return `${cur !== undefined ? quantityString(cur) : unknown}/${quantityString(t.averageValue)} (avg)`;
      }
      const cur = status?.object ? quantityString(status.object.current.value) : unknown;
      return `${cur}/${quantityString(t?.value)}`;
    }
    case 'Resource':
    case 'ContainerResource': {
      const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const st = spec.type === 'Resource' ? status?.resource : status?.containerResource;
      const t = src?.target;
      if (t?.averageValue !== undefined) {
        const cur = st ? quantityString(st.current.averageValue) : unknown;
        return `${src?.name}: ${cur}/${quantityString(t.averageValue)}`;
      }
      const u = st?.current.averageUtilization;
      const cur = u !== undefined ? `${u}%` : unknown;
      const target = t?.averageUtilization !== undefined ? `${t.averageUtilization}%` : '<auto>';
      return `${src?.name}: ${cur}/${target}`;
    }
    default:
      return '<unknown type>';
  }
}

/** hpaTargets is formatHPAMetrics: at most two targets, then `+ N more...`. */
export function hpaTargets(h: HorizontalPodAutoscaler): string {
  const specs = h.spec?.metrics ?? [];
  if (specs.length === 0) return '<none>';
  const statuses = h.status?.currentMetrics ?? [];
  const list = specs.map((s, i) => metricTarget(s, statuses[i]));
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

export function hpaCells(h: HorizontalPodAutoscaler, now: number): TableCell[] {
  const ref = h.spec?.scaleTargetRef;
  return [
    nameOf(h),
    `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
    hpaTargets(h),
    h.spec?.minReplicas !== undefined ? String(h.spec.minReplicas) : '<unset>',
    h.spec?.maxReplicas ?? 0,
    h.status?.currentReplicas ?? 0,
    age(h, now),
  ];
}
