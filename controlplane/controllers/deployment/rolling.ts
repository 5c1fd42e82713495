import type { StoredReplicaSet } from '../../api/types/index.js';
import { syncRolloutStatus } from './progress.js';
import type { DeploymentSync } from './sync.js';
import { deploymentComplete } from './conditions.js';
import {
  byCreation,
  desiredReplicas,
  filterActive,
  maxUnavailable,
  newRSNewReplicas,
  rsReplicas,
  sumReplicas,
  sumStatus,
} from './util.js';

/**
 * rolloutRolling takes one step of a RollingUpdate (rolling.go): make sure
 * the new ReplicaSet exists, scale it up as far as maxSurge allows, or
 * else scale old ReplicaSets down as far as maxUnavailable allows
 * (unhealthy old pods first); once complete, clean up old history. Status
 * is written after whichever step acted.
 */
export async function rolloutRolling(s: DeploymentSync): Promise<void> {
  const { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(true);
  let cur = newRS as StoredReplicaSet;
  let olds = oldRSs;
  const all = (): StoredReplicaSet[] => [...s.latest(olds), cur];

  const up = await reconcileNewReplicaSet(s, all(), cur);
  cur = up.rs;
  if (up.scaled) return syncRolloutStatus(s, all(), cur);

  const down = await reconcileOldReplicaSets(s, all(), filterActive(olds), cur);
  olds = s.latest(olds);
  if (down) return syncRolloutStatus(s, all(), cur);

  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanupDeployment(olds);
  return syncRolloutStatus(s, all(), cur);
}

async function reconcileNewReplicaSet(
  s: DeploymentSync,
  allRSs: StoredReplicaSet[],
  newRS: StoredReplicaSet,
): Promise<{ scaled: boolean; rs: StoredReplicaSet }> {
  const replicas = desiredReplicas(s.d);
  if (rsReplicas(newRS) === replicas) return { scaled: false, rs: newRS };
  if (rsReplicas(newRS) > replicas) return s.scaleReplicaSetAndRecordEvent(newRS, replicas);
  return s.scaleReplicaSetAndRecordEvent(newRS, newRSNewReplicas(s.d, allRSs, newRS));
}

/**
 * reconcileOldReplicaSets scales old ReplicaSets down by at most
 * (all pods − minAvailable − unavailable new pods): first their unhealthy
 * pods, then available ones while more than minAvailable are available.
 * Unavailable new pods are subtracted so a broken new template cannot
 * eat into the old pods' availability.
 */
async function reconcileOldReplicaSets(
  s: DeploymentSync,
  allRSs: StoredReplicaSet[],
  oldRSs: StoredReplicaSet[],
  newRS: StoredReplicaSet,
): Promise<boolean> {
  if (sumReplicas(oldRSs) === 0) return false;
  const minAvailable = desiredReplicas(s.d) - maxUnavailable(s.d);
  const newUnavailable = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = sumReplicas(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;

  // Errors in either step end this step quietly (as Kubernetes does); the next sync retries.
  let cleaned: number;
  let olds: StoredReplicaSet[];
  try {
    ({ cleaned, olds } = await cleanupUnhealthyReplicas(s, oldRSs, maxScaledDown));
  } catch (e) {
    s.deps.log.warn('scaling down unhealthy old replicas failed', { deployment: s.key, err: e });
    return false;
  }
  let scaled: number;
  try {
    scaled = await scaleDownOldReplicaSets(s, [...olds, newRS], olds);
  } catch (e) {
    s.deps.log.warn('scaling down old replica sets failed', { deployment: s.key, err: e });
    return false;
  }
  return cleaned + scaled > 0;
}

async function cleanupUnhealthyReplicas(
  s: DeploymentSync,
  oldRSs: StoredReplicaSet[],
  maxCleanup: number,
): Promise<{ cleaned: number; olds: StoredReplicaSet[] }> {
  const olds = [...oldRSs].sort(byCreation);
  let total = 0;
  for (const [i, rs] of olds.entries()) {
    if (total >= maxCleanup) break;
    const available = rs.status?.availableReplicas ?? 0;
    if (rsReplicas(rs) === 0 || rsReplicas(rs) === available) continue;
    const count = Math.min(maxCleanup - total, rsReplicas(rs) - available);
    // More available than wanted: the status predates a scale-down. Acting on it
    // would scale up (or over-count availability); wait for a fresh status.
    if (count < 0) {
      throw new Error(
        `when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata.name} ${rsReplicas(rs)} -> ${rsReplicas(rs) - count}`,
      );
    }
    const res = await s.scaleReplicaSetAndRecordEvent(rs, rsReplicas(rs) - count);
    total += count;
    olds[i] = res.rs;
  }
  return { cleaned: total, olds };
}

async function scaleDownOldReplicaSets(
  s: DeploymentSync,
  allRSs: StoredReplicaSet[],
  oldRSs: StoredReplicaSet[],
): Promise<number> {
  const minAvailable = desiredReplicas(s.d) - maxUnavailable(s.d);
  const available = sumStatus(allRSs, 'availableReplicas');
  if (available <= minAvailable) return 0;
  const toScale = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= toScale) break;
    if (rsReplicas(rs) === 0) continue;
    const count = Math.min(rsReplicas(rs), toScale - total);
    await s.scaleReplicaSetAndRecordEvent(rs, rsReplicas(rs) - count);
    total += count;
  }
  return total;
}
