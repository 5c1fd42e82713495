import type { StoredPod, StoredReplicaSet } from '../../api/types/index.js';
import { syncRolloutStatus } from './progress.js';
import type { DeploymentSync } from './sync.js';
import { deploymentComplete } from './conditions.js';
import { desiredReplicas, filterActive, sumStatus } from './util.js';

/**
 * rolloutRecreate takes one step of a Recreate rollout (recreate.go):
 * scale every old ReplicaSet to 0; wait until none of their pods is left
 * (terminating pods count; finished ones do not); only then create the
 * new ReplicaSet and scale it to spec.replicas.
 */
export async function rolloutRecreate(s: DeploymentSync): Promise<void> {
  let { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(false);
  const all = (): (StoredReplicaSet | undefined)[] => [...s.latest(oldRSs), s.latestOne(newRS)];

  let scaledDown = false;
  for (const rs of filterActive(oldRSs)) {
    if ((await s.scaleReplicaSetAndRecordEvent(rs, 0)).scaled) scaledDown = true;
  }
  oldRSs = s.latest(oldRSs);
  if (scaledDown) return syncRolloutStatus(s, all(), newRS);
  if (oldPodsRunning(newRS, oldRSs, s.podMap)) return syncRolloutStatus(s, all(), newRS);

  if (!newRS) ({ newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(true));
  if (newRS) newRS = (await s.scaleReplicaSetAndRecordEvent(newRS, desiredReplicas(s.d))).rs;
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanupDeployment(oldRSs);
  return syncRolloutStatus(s, all(), newRS);
}

/** oldPodsRunning: an old ReplicaSet still reports pods, or an old pod is not finished. */
export function oldPodsRunning(
  newRS: StoredReplicaSet | undefined,
  oldRSs: readonly StoredReplicaSet[],
  podMap: ReadonlyMap<string, readonly StoredPod[]>,
): boolean {
  if (sumStatus(oldRSs, 'replicas') > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && uid === newRS.metadata.uid) continue;
    for (const p of pods) {
      const phase = p.status?.phase;
      if (phase !== 'Failed' && phase !== 'Succeeded') return true;
    }
  }
  return false;
}
