import {
  isPodActive,
  isPodReady,
  maxContainerRestarts,
  parseTime,
  podReadyTime,
  type PodLike,
} from './pod-utils.js';

/** podDeletionCostAnnotation lets users say which pods to delete first on scale-down (lower first). */
export const podDeletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost';

const phaseOrder: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/** RankedPod is a pod and how many related active pods share its node. */
export interface RankedPod<P extends PodLike> {
  pod: P;
  /** colocated counts active pods of the same owner family on the pod's node. */
  colocated: number;
}

function deletionCost(pod: PodLike): number {
  const v = pod.metadata.annotations?.[podDeletionCostAnnotation];
  if (v === undefined || !/^-?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : 0;
}

// afterOrZero: a missing time sorts first, then the later time (the newer pod).
function afterOrZero(a: number | undefined, b: number | undefined): boolean {
  if (a === undefined || b === undefined) return a === undefined;
  return a > b;
}

// logRank buckets an age by powers of two of nanoseconds, as LogarithmicScaleDown does.
function logRank(t: number, now: number): number {
  const ageNs = (now - t) * 1e6;
  return ageNs > 0 ? Math.floor(Math.log2(ageNs)) : -1;
}

/**
 * compareTimes orders two timestamps for deletion (negative: `a` goes
 * first): unknown first, then younger age buckets first; within one bucket
 * the pod UIDs decide, so that the choice is random-looking but stable.
 */
function compareTimes(
  a: number | undefined,
  b: number | undefined,
  uidA: string,
  uidB: string,
  now: number,
): number {
  if (a === undefined || b === undefined) return afterOrZero(a, b) ? -1 : 1;
  const diff = logRank(a, now) - logRank(b, now);
  if (diff !== 0) return diff;
  return uidA < uidB ? -1 : uidA > uidB ? 1 : 0;
}

/**
 * compareForDeletion orders pods so that the ones to delete first come
 * first (Kubernetes' ActivePodsWithRanks with LogarithmicScaleDown):
 * 1. unassigned before assigned; 2. Pending < Unknown < Running;
 * 3. not ready before ready; 4. lower pod-deletion-cost first;
 * 5. more colocated related pods first; 6. ready more recently first;
 * 7. more container restarts first; 8. created more recently first.
 */
export function compareForDeletion<P extends PodLike>(
  a: RankedPod<P>,
  b: RankedPod<P>,
  now: number,
): number {
  const pa = a.pod;
  const pb = b.pod;
  const na = pa.spec?.nodeName ?? '';
  const nb = pb.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const oa = phaseOrder[pa.status?.phase ?? ''] ?? 0;
  const ob = phaseOrder[pb.status?.phase ?? ''] ?? 0;
  if (oa !== ob) return oa - ob;
  const ra = isPodReady(pa);
  const rb = isPodReady(pb);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(pa);
  const cb = deletionCost(pb);
  if (ca !== cb) return ca - cb;
  if (a.colocated !== b.colocated) return b.colocated - a.colocated;
  const uidA = pa.metadata.uid ?? '';
  const uidB = pb.metadata.uid ?? '';
  if (ra && rb) {
    const ta = podReadyTime(pa);
    const tb = podReadyTime(pb);
    if (ta !== tb) {
      const c = compareTimes(ta, tb, uidA, uidB, now);
      if (c !== 0) return c;
    }
  }
  const xa = maxContainerRestarts(pa);
  const xb = maxContainerRestarts(pb);
  if (xa.regular !== xb.regular) return xb.regular - xa.regular;
  if (xa.sidecar !== xb.sidecar) return xb.sidecar - xa.sidecar;
  const ka = parseTime(pa.metadata.creationTimestamp);
  const kb = parseTime(pb.metadata.creationTimestamp);
  if (ka !== kb) return compareTimes(ka, kb, uidA, uidB, now);
  return 0;
}

/**
 * podsToDelete picks `count` of `pods` to delete on scale-down, ranked by
 * compareForDeletion; `related` are the active pods of the same owner
 * family (sibling ReplicaSets of one Deployment), whose count per node
 * breaks ties towards spreading out.
 */
export function podsToDelete<P extends PodLike>(
  pods: readonly P[],
  related: readonly PodLike[],
  count: number,
  now: number,
): P[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName ?? '';
    perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({
    pod,
    colocated: perNode.get(pod.spec?.nodeName ?? '') ?? 0,
  }));
  ranked.sort((a, b) => compareForDeletion(a, b, now));
  return ranked.slice(0, count).map((r) => r.pod);
}
