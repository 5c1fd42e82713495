import { selectorFromSet } from '../../api/labels/index.js';
import type {
  ReplicaSetCondition,
  ReplicaSetStatus,
  StoredReplicaSet,
} from '../../api/types/index.js';
import { formatTime, isPodAvailable, isPodReady, type PodLike } from './pod-utils.js';

/** replicaFailure is the condition type set when pods cannot be created or deleted. */
export const replicaFailure = 'ReplicaFailure';

/**
 * setCondition puts `cond` in `conds` in place of one of its type, unless
 * that one already has the same status and reason (then nothing changes).
 */
export function setCondition<C extends { type: string; status: string; reason?: string }>(
  conds: readonly C[] | undefined,
  cond: C,
): C[] {
  const list = conds ?? [];
  const cur = list.find((c) => c.type === cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return [...list];
  return [...list.filter((c) => c.type !== cond.type), cond];
}

/** removeCondition drops conditions of `type`. */
export function removeCondition<C extends { type: string }>(
  conds: readonly C[] | undefined,
  type: string,
): C[] {
  return (conds ?? []).filter((c) => c.type !== type);
}

/**
 * calculateStatus counts a ReplicaSet's pods (its claimed, active pods):
 * replicas, fully labeled (matching every template label), ready, and
 * available (ready for minReadySeconds at `now`); a failed create/delete
 * sets the ReplicaFailure condition (reason FailedCreate / FailedDelete),
 * success clears it. observedGeneration is left as it was: the writer sets
 * it when it writes.
 */
export function calculateStatus(
  rs: StoredReplicaSet,
  pods: readonly PodLike[],
  manageError: unknown,
  now: number,
): ReplicaSetStatus {
  const templateLabels = selectorFromSet(rs.spec?.template?.metadata?.labels);
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateLabels.matches(pod.metadata.labels ?? {})) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  const status: ReplicaSetStatus = { ...structuredClone(rs.status ?? { replicas: 0 }) };
  const failure = status.conditions?.find((c) => c.type === replicaFailure);
  if (manageError !== undefined && !failure) {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    const cond: ReplicaSetCondition = {
      type: replicaFailure,
      status: 'True',
      lastTransitionTime: formatTime(now),
      reason: diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '',
      message: manageError instanceof Error ? manageError.message : String(manageError),
    };
    status.conditions = setCondition(status.conditions, cond);
  } else if (manageError === undefined && failure) {
    status.conditions = removeCondition(status.conditions, replicaFailure);
  }
  if (status.conditions?.length === 0) delete status.conditions;
  status.replicas = pods.length;
  status.fullyLabeledReplicas = fullyLabeled;
  status.readyReplicas = ready;
  status.availableReplicas = available;
  return status;
}

/** statusUnchanged tells whether writing `next` would change nothing that the RS status shows. */
export function statusUnchanged(rs: StoredReplicaSet, next: ReplicaSetStatus): boolean {
  const cur = rs.status;
  return (
    (cur?.replicas ?? 0) === next.replicas &&
    (cur?.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (cur?.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (cur?.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    (cur?.observedGeneration ?? 0) === (rs.metadata.generation ?? 0) &&
    JSON.stringify(cur?.conditions ?? []) === JSON.stringify(next.conditions ?? [])
  );
}

/** compactStatus drops zero counts, as Kubernetes' JSON (omitempty) does. */
export function compactStatus(s: ReplicaSetStatus): ReplicaSetStatus {
  const out: ReplicaSetStatus = { replicas: s.replicas };
  if (s.fullyLabeledReplicas) out.fullyLabeledReplicas = s.fullyLabeledReplicas;
  if (s.readyReplicas) out.readyReplicas = s.readyReplicas;
  if (s.availableReplicas) out.availableReplicas = s.availableReplicas;
  if (s.terminatingReplicas) out.terminatingReplicas = s.terminatingReplicas;
  if (s.observedGeneration) out.observedGeneration = s.observedGeneration;
  if (s.conditions?.length) out.conditions = s.conditions;
  return out;
}
