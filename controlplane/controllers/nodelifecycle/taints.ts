import type { NodeCondition, StoredNode, Taint, Toleration } from '../../api/types/index.js';

// The taint keys Kubernetes' node controller manages (k8s.io/api/core/v1 well_known_taints.go).

/** TaintNodeNotReady marks a node reporting Ready=False (NoSchedule and NoExecute). */
export const TaintNodeNotReady = 'node.kubernetes.io/not-ready';
/** TaintNodeUnreachable marks a node whose Ready is Unknown: it stopped reporting (NoSchedule and NoExecute). */
export const TaintNodeUnreachable = 'node.kubernetes.io/unreachable';
/** TaintNodeUnschedulable mirrors spec.unschedulable (cordon) as a NoSchedule taint. */
export const TaintNodeUnschedulable = 'node.kubernetes.io/unschedulable';
/** TaintNodeMemoryPressure marks MemoryPressure=True (NoSchedule). */
export const TaintNodeMemoryPressure = 'node.kubernetes.io/memory-pressure';
/** TaintNodeDiskPressure marks DiskPressure=True (NoSchedule). */
export const TaintNodeDiskPressure = 'node.kubernetes.io/disk-pressure';
/** TaintNodePidPressure marks PIDPressure=True (NoSchedule). */
export const TaintNodePidPressure = 'node.kubernetes.io/pid-pressure';
/** TaintNodeNetworkUnavailable marks NetworkUnavailable=True (NoSchedule). */
export const TaintNodeNetworkUnavailable = 'node.kubernetes.io/network-unavailable';

/** conditionTaints: which NoSchedule taint a node condition in which status implies. */
const conditionTaints: Record<string, Partial<Record<NodeCondition['status'], string>>> = {
  Ready: { False: TaintNodeNotReady, Unknown: TaintNodeUnreachable },
  MemoryPressure: { True: TaintNodeMemoryPressure },
  DiskPressure: { True: TaintNodeDiskPressure },
  PIDPressure: { True: TaintNodePidPressure },
  NetworkUnavailable: { True: TaintNodeNetworkUnavailable },
};

const managedNoSchedule = new Set([
  TaintNodeNotReady,
  TaintNodeUnreachable,
  TaintNodeUnschedulable,
  TaintNodeMemoryPressure,
  TaintNodeDiskPressure,
  TaintNodePidPressure,
  TaintNodeNetworkUnavailable,
]);
const managedNoExecute = new Set([TaintNodeNotReady, TaintNodeUnreachable]);

/** isManagedTaint tells whether the node controller owns this taint (key and effect). */
export function isManagedTaint(t: Taint): boolean {
  if (t.effect === 'NoSchedule') return managedNoSchedule.has(t.key);
  if (t.effect === 'NoExecute') return managedNoExecute.has(t.key);
  return false;
}

/** conditionOf returns a node's condition of `type`, if reported. */
export function conditionOf(node: StoredNode, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/**
 * desiredTaints is the set of managed taints a node should carry given its
 * conditions and `spec.unschedulable`: NoSchedule taints for every bad
 * condition (Kubernetes' TaintNodesByCondition), and the NoExecute
 * not-ready or unreachable taint from its Ready condition (taint-based
 * eviction). A node without a Ready condition gets neither NoExecute taint.
 */
export function desiredTaints(node: StoredNode): Taint[] {
  const out: Taint[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = conditionTaints[c.type]?.[c.status];
    if (key) out.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) out.push({ key: TaintNodeUnschedulable, effect: 'NoSchedule' });
  const ready = conditionOf(node, 'Ready')?.status;
  if (ready === 'False') out.push({ key: TaintNodeNotReady, effect: 'NoExecute' });
  if (ready === 'Unknown') out.push({ key: TaintNodeUnreachable, effect: 'NoExecute' });
  return out;
}

/**
 * reconcileTaints returns the node's new taint list — its unmanaged taints
 * as they are, plus `desired`, keeping an existing managed taint (and its
 * timeAdded) — or undefined when nothing changes. New NoExecute taints get
 * `timeAdded = now`: eviction deadlines count from it.
 */
export function reconcileTaints(
  current: readonly Taint[],
  desired: readonly Taint[],
  now: string,
): Taint[] | undefined {
  const same = (a: Taint, b: Taint): boolean => a.key === b.key && a.effect === b.effect;
  const keep = current.filter((t) => !isManagedTaint(t) || desired.some((d) => same(d, t)));
  const add = desired.filter((d) => !current.some((t) => same(d, t)));
  if (keep.length === current.length && add.length === 0) return undefined;
  return [
    ...keep.map((t) => ({ ...t })),
    ...add.map((d) => (d.effect === 'NoExecute' ? { ...d, timeAdded: now } : { ...d })),
  ];
}

/**
 * tolerates is Kubernetes' ToleratesTaint: effects must match unless the
 * toleration's is empty, keys must match unless the toleration's is empty
 * (with Exists: every key), and with Equal (or no operator) the values too.
 */
export function tolerates(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  if (tol.operator === 'Exists') return true;
  return (tol.value ?? '') === (taint.value ?? '');
}
