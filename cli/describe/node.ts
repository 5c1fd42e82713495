import { parseQuantity, type Quantity } from '../../controlplane/api/quantity/index.js';
import { since } from '../../controlplane/api/tables/duration.js';
import type * as T from '../../controlplane/api/types/index.js';
import type { Obj } from '../resources/fetch.js';
import { metaOf } from './common.js';
import { multiline } from './containers.js';
import { eventsFor, resource, type DescribeSource } from './source.js';
import {
  annotationsMultiline,
  DescribeWriter,
  events,
  labelsMultiline,
  rfc1123z,
} from './writer.js';

const rolePrefix = 'node-role.kubernetes.io/';

/** nodeRoles lists roles from `node-role.kubernetes.io/ROLE` and `kubernetes.io/role` labels, sorted. */
export function nodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith(rolePrefix) && k.length > rolePrefix.length)
      roles.add(k.slice(rolePrefix.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort();
}

function q(v: string | undefined): Quantity {
  try {
    return parseQuantity(v ?? '0');
  } catch {
    return parseQuantity('0');
  }
}

// podTotals sums a pod's container requests and limits, taking the larger of
// that and each init container's (resourcehelper.PodRequestsAndLimits).
function podTotals(p: T.Pod, kind: 'requests' | 'limits', name: string): Quantity {
  const get = (c: T.Container): Quantity =>
    q((c.resources?.[kind] as Record<string, string> | undefined)?.[name]);
  let sum = parseQuantity('0');
  for (const c of p.spec?.containers ?? []) sum = sum.add(get(c));
  for (const c of p.spec?.initContainers ?? []) if (get(c).cmp(sum) > 0) sum = get(c);
  return sum;
}

function pct(part: Quantity, whole: Quantity, milli: boolean): number {
  const w = milli ? whole.milliValue() : whole.value();
  if (w === 0) return 0;
  return Math.trunc(((milli ? part.milliValue() : part.value()) / w) * 100);
}

function resourcesSection(w: DescribeWriter, node: T.Node, pods: T.Pod[], now: number): void {
  const alloc = (
    Object.keys(node.status?.allocatable ?? {}).length > 0
      ? node.status?.allocatable
      : node.status?.capacity
  ) as Record<string, string> | undefined;
  const cpu = q(alloc?.['cpu']);
  const mem = q(alloc?.['memory']);
  const eph = q(alloc?.['ephemeral-storage']);
  w.line(0, `Non-terminated Pods:\t(${pods.length} in total)`);
  w.line(1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge');
  w.line(1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---');
  for (const p of pods) {
    const cr = podTotals(p, 'requests', 'cpu');
    const cl = podTotals(p, 'limits', 'cpu');
    const mr = podTotals(p, 'requests', 'memory');
    const ml = podTotals(p, 'limits', 'memory');
    w.line(
      1,
      `${p.metadata?.namespace ?? ''}\t${p.metadata?.name ?? ''}\t\t${cr.toString()} (${pct(cr, cpu, true)}%)\t${cl.toString()} (${pct(cl, cpu, true)}%)\t${mr.toString()} (${pct(mr, mem, false)}%)\t${ml.toString()} (${pct(ml, mem, false)}%)\t${since(p.metadata?.creationTimestamp, now)}`,
    );
  }
  w.line(0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)');
  w.line(1, 'Resource\tRequests\tLimits');
  w.line(1, '--------\t--------\t------');
  const total = (kind: 'requests' | 'limits', name: string): Quantity =>
    pods.reduce((s, p) => s.add(podTotals(p, kind, name)), parseQuantity('0'));
  for (const [name, whole, milli] of [
    ['cpu', cpu, true],
    ['memory', mem, false],
    ['ephemeral-storage', eph, false],
  ] as const) {
    const r = total('requests', name);
    const l = total('limits', name);
    w.line(
      1,
      `${name}\t${r.toString()} (${pct(r, whole, milli)}%)\t${l.toString()} (${pct(l, whole, milli)}%)`,
    );
  }
}

/** describeNode renders a Node as kubectl's NodeDescriber: lease, conditions, capacity, its pods. */
export async function describeNode(obj: Obj, src: DescribeSource): Promise<string> {
  const node = obj as T.Node;
  const m = metaOf(obj);
  const st = node.status ?? {};
  const now = src.now();
  const w = new DescribeWriter();
  w.line(0, `Name:\t${m.name ?? ''}`);
  const roles = nodeRoles(m.labels);
  w.line(0, `Roles:\t${roles.length ? roles.join(',') : '<none>'}`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  w.line(0, `CreationTimestamp:\t${rfc1123z(m.creationTimestamp)}`);
  multiline(
    w,
    'Taints',
    (node.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
  );
  w.line(0, `Unschedulable:\t${String(node.spec?.unschedulable === true)}`);
  let lease: T.Lease | undefined;
  let leaseErr = `leases.coordination.k8s.io "${m.name ?? ''}" not found`;
  try {
    lease = (await src.get(resource('leases'), 'kube-node-lease', m.name ?? '')) as
      T.Lease | undefined;
  } catch (e) {
    leaseErr = (e as Error).message;
  }
  if (lease) {
    w.line(0, 'Lease:');
    w.line(1, `HolderIdentity:\t${lease.spec?.holderIdentity ?? '<unset>'}`);
    w.line(
      1,
      `AcquireTime:\t${lease.spec?.acquireTime ? rfc1123z(lease.spec.acquireTime) : '<unset>'}`,
    );
    w.line(1, `RenewTime:\t${lease.spec?.renewTime ? rfc1123z(lease.spec.renewTime) : '<unset>'}`);
  } else {
    w.line(0, `Lease:\tFailed to get lease: ${leaseErr}`);
  }
  if (st.conditions?.length) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage');
    w.line(1, '----\t------\t-----------------\t------------------\t------\t-------');
    for (const c of st.conditions) {
      w.line(
        1,
        `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}`,
      );
    }
  }
  w.line(0, 'Addresses:');
  for (const a of st.addresses ?? []) w.line(1, `${a.type}:\t${a.address}`);
  for (const [label, list] of [
    ['Capacity', st.capacity],
    ['Allocatable', st.allocatable],
  ] as const) {
    const keys = Object.keys(list ?? {}).sort();
    if (keys.length === 0) continue;
    w.line(0, `${label}:`);
    for (const k of keys) w.line(0, `  ${k}:\t${(list as Record<string, string>)[k] ?? ''}`);
  }
  const info = st.nodeInfo;
  w.line(0, 'System Info:');
  for (const [label, v] of [
    ['Machine ID', info?.machineID],
    ['System UUID', info?.systemUUID],
    ['Boot ID', info?.bootID],
    ['Kernel Version', info?.kernelVersion],
    ['OS Image', info?.osImage],
    ['Operating System', info?.operatingSystem],
    ['Architecture', info?.architecture],
    ['Container Runtime Version', info?.containerRuntimeVersion],
    ['Kubelet Version', info?.kubeletVersion],
    ['Kube-Proxy Version', info?.kubeProxyVersion],
  ] as const) {
    w.line(0, `  ${label}:\t${v ?? ''}`);
  }
  if (node.spec?.podCIDR) w.line(0, `PodCIDR:\t${node.spec.podCIDR}`);
  if (node.spec?.podCIDRs?.length) w.line(0, `PodCIDRs:\t${node.spec.podCIDRs.join(',')}`);
  if (node.spec?.providerID) w.line(0, `ProviderID:\t${node.spec.providerID}`);
  try {
    const pods = (await src.list(resource('pods'), {
      fieldSelector: `spec.nodeName=${m.name ?? ''},status.phase!=Succeeded,status.phase!=Failed`,
    })) as T.Pod[];
    resourcesSection(w, node, pods, now);
  } catch {
    // kubectl leaves the section out when the pods cannot be listed.
  }
  events(w, await eventsFor(obj, src), now);
  return w.toString();
}
