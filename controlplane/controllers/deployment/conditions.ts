import type {
  DeploymentCondition,
  DeploymentStatus,
  ReplicaSetCondition,
} from '../../api/types/index.js';
import { formatTime, parseTime } from '../replicaset/index.js';
import { desiredReplicas, hasProgressDeadline, reasons, type AnyDeployment } from './util.js';

/**
 * Deployment conditions and the tests on status that drive them
 * (deployment_util.go): complete, progressing, timed out.
 */

/** newCondition makes a Deployment condition stamped `now`. */
export function newCondition(
  type: string,
  status: DeploymentCondition['status'],
  reason: string,
  message: string,
  now: number,
): DeploymentCondition {
  const t = formatTime(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** getCondition returns the condition of `type`. */
export const getCondition = (
  s: DeploymentStatus | undefined,
  type: string,
): DeploymentCondition | undefined => s?.conditions?.find((c) => c.type === type);

/**
 * setDeploymentCondition puts `cond` into `s` (SetDeploymentCondition):
 * nothing changes if the current one has the same status and reason; if
 * only the reason changed, the transition time is kept.
 */
export function setDeploymentCondition(s: DeploymentStatus, cond: DeploymentCondition): void {
  const cur = getCondition(s, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  const next = { ...cond };
  if (cur && cur.status === cond.status) next.lastTransitionTime = cur.lastTransitionTime;
  s.conditions = [...(s.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

/** removeDeploymentCondition drops conditions of `type`. */
export function removeDeploymentCondition(s: DeploymentStatus, type: string): void {
  if (!s.conditions) return;
  s.conditions = s.conditions.filter((c) => c.type !== type);
  if (s.conditions.length === 0) delete s.conditions;
}

/** fromReplicaSetCondition turns a ReplicaSet condition into a Deployment one. */
export function fromReplicaSetCondition(c: ReplicaSetCondition): DeploymentCondition {
  const out: DeploymentCondition = { type: c.type, status: c.status };
  if (c.lastTransitionTime) {
    out.lastUpdateTime = c.lastTransitionTime;
    out.lastTransitionTime = c.lastTransitionTime;
  }
  if (c.reason !== undefined) out.reason = c.reason;
  if (c.message !== undefined) out.message = c.message;
  return out;
}

/** deploymentComplete: every desired replica is updated and available, and no old one is left. */
export function deploymentComplete(d: AnyDeployment, s: DeploymentStatus): boolean {
  const replicas = desiredReplicas(d);
  return (
    (s.updatedReplicas ?? 0) === replicas &&
    (s.replicas ?? 0) === replicas &&
    (s.availableReplicas ?? 0) === replicas &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** deploymentProgressing: compared to the last status, pods were updated, removed, readied or made available. */
export function deploymentProgressing(d: AnyDeployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/**
 * deploymentTimedOut: the Progressing condition has not been refreshed for
 * progressDeadlineSeconds (or already says so). A finished rollout never
 * times out.
 */
export function deploymentTimedOut(d: AnyDeployment, s: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === reasons.newRSAvailable) return false;
  if (c.reason === reasons.timedOut) return true;
  const from = parseTime(c.lastUpdateTime) ?? 0;
  return from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now;
}
