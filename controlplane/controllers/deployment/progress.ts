import type { DeploymentStatus, StoredReplicaSet } from '../../api/types/index.js';
import { parseTime } from '../replicaset/index.js';
import type { DeploymentSync } from './sync.js';
import {
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  fromReplicaSetCondition,
  getCondition,
  newCondition,
  removeDeploymentCondition,
  setDeploymentCondition,
} from './conditions.js';
import { hasProgressDeadline, reasons } from './util.js';

/**
 * syncRolloutStatus writes a rollout's status (progress.go): the counts and
 * Available, plus — with a progress deadline — the Progressing condition:
 * NewReplicaSetAvailable once complete, ReplicaSetUpdated (its update time
 * refreshed) whenever pods were updated, readied or made available or old
 * ones removed, ProgressDeadlineExceeded when no progress was seen for
 * progressDeadlineSeconds. ReplicaSets' ReplicaFailure conditions are
 * surfaced. If nothing changed it schedules the next deadline check.
 */
export async function syncRolloutStatus(
  s: DeploymentSync,
  allRSs: readonly (StoredReplicaSet | undefined)[],
  newRS: StoredReplicaSet | undefined,
): Promise<void> {
  const d = s.d;
  const status = s.calculateStatus(allRSs, newRS);
  if (!hasProgressDeadline(d)) removeDeploymentCondition(status, 'Progressing');

  const current = getCondition(d.status, 'Progressing');
  const complete =
    status.replicas === status.updatedReplicas && current?.reason === reasons.newRSAvailable;
  if (hasProgressDeadline(d) && !complete) {
    const what = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
    if (deploymentComplete(d, status)) {
      setDeploymentCondition(
        status,
        newCondition(
          'Progressing',
          'True',
          reasons.newRSAvailable,
          `${what} has successfully progressed.`,
          s.now,
        ),
      );
    } else if (deploymentProgressing(d, status)) {
      const cond = newCondition(
        'Progressing',
        'True',
        reasons.replicaSetUpdated,
        `${what} is progressing.`,
        s.now,
      );
      // Progress refreshes lastUpdateTime even with the same reason.
      if (current) {
        if (current.status === 'True' && current.lastTransitionTime) {
          cond.lastTransitionTime = current.lastTransitionTime;
        }
        removeDeploymentCondition(status, 'Progressing');
      }
      setDeploymentCondition(status, cond);
    } else if (deploymentTimedOut(d, status, s.now)) {
      setDeploymentCondition(
        status,
        newCondition(
          'Progressing',
          'False',
          reasons.timedOut,
          `${what} has timed out progressing.`,
          s.now,
        ),
      );
    }
  }

  const failures = replicaFailures(allRSs, newRS);
  if (failures[0]) setDeploymentCondition(status, failures[0]);
  else removeDeploymentCondition(status, 'ReplicaFailure');

  if (!s.statusDiffers(status)) {
    requeueStuckDeployment(s, status);
    return;
  }
  await s.writeStatus(status);
}

function replicaFailures(
  allRSs: readonly (StoredReplicaSet | undefined)[],
  newRS: StoredReplicaSet | undefined,
) {
  const of = (rs: StoredReplicaSet | undefined) =>
    (rs?.status?.conditions ?? [])
      .filter((c) => c.type === 'ReplicaFailure')
      .map(fromReplicaSetCondition);
  const fromNew = of(newRS);
  return fromNew.length > 0 ? fromNew : allRSs.flatMap(of);
}

/**
 * requeueStuckDeployment schedules a sync for when the progress deadline
 * would pass (plus a second), so that a stuck rollout is reported without
 * a resync period. It returns the delay, or -1 if none is needed.
 */
export function requeueStuckDeployment(s: DeploymentSync, status: DeploymentStatus): number {
  const d = s.d;
  const current = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !current) return -1;
  if (deploymentComplete(d, status) || current.reason === reasons.timedOut) return -1;
  const last = parseTime(current.lastUpdateTime) ?? s.now;
  const after = last + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - s.now;
  if (after < 1000) {
    s.deps.enqueueRateLimited(s.key);
    return 0;
  }
  s.deps.enqueueAfter(s.key, after + 1000);
  return after;
}
