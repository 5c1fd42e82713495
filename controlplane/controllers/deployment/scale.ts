import type { StoredReplicaSet } from '../../api/types/index.js';
import type { DeploymentSync } from './sync.js';
import {
  bySizeNewer,
  bySizeOlder,
  desiredReplicas,
  filterActive,
  findActiveOrLatest,
  getProportion,
  isRollingUpdate,
  isSaturated,
  maxSurge,
  rsReplicas,
  sumReplicas,
} from './util.js';

/**
 * scaleDeployment handles a change of spec.replicas (or a paused Deployment):
 * the only active ReplicaSet takes the full count; a saturated new one
 * makes the old ones go to 0; otherwise, in a rolling update, the
 * difference is spread over the active ReplicaSets in proportion to
 * their sizes, leftovers to the largest.
 */
export async function scaleDeployment(
  s: DeploymentSync,
  newRS: StoredReplicaSet | undefined,
  oldRSs: StoredReplicaSet[],
): Promise<void> {
  const d = s.d;
  const replicas = desiredReplicas(d);
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only) {
    if (rsReplicas(only) !== replicas) await s.scaleReplicaSetAndRecordEvent(only, replicas);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of filterActive(oldRSs)) await s.scaleReplicaSetAndRecordEvent(old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const all = filterActive([...oldRSs, newRS]);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - sumReplicas(all);
  let op = '';
  if (toAdd > 0) {
    all.sort(bySizeNewer);
    op = 'up';
  } else if (toAdd < 0) {
    all.sort(bySizeOlder);
    op = 'down';
  }
  let added = 0;
  const sizes = new Map<string, number>();
  for (const rs of all) {
    if (toAdd === 0) {
      sizes.set(rs.metadata.uid, rsReplicas(rs));
      continue;
    }
    const p = getProportion(rs, d, toAdd, added);
    sizes.set(rs.metadata.uid, rsReplicas(rs) + p);
    added += p;
  }
  for (const [i, rs] of all.entries()) {
    let size = sizes.get(rs.metadata.uid) ?? rsReplicas(rs);
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    await s.scaleReplicaSet(rs, size, op);
  }
}
