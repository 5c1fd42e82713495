import { findResource } from '../../api/resources.js';
import type { Pod, ReplicaSet, StoredPod, StoredReplicaSet } from '../../api/types/index.js';
import type { RestClient } from '../../client/index.js';

const podsInfo = findResource('', 'v1', 'pods')!;
const replicaSetsInfo = findResource('apps', 'v1', 'replicasets')!;

/**
 * ReplicaSetClient is every API call the ReplicaSet controller makes
 * (Kubernetes' PodControlInterface plus the status writer), so that unit
 * tests can record them with a fake. Errors are the REST client's
 * (StatusError: `isNotFound`, `isConflict` …).
 */
export interface ReplicaSetClient {
  /** createPod creates `pod` (with generateName) in `namespace` and returns the stored pod. */
  createPod(namespace: string, pod: Pod): Promise<StoredPod>;
  /** deletePod deletes one pod, only if it still has `uid` (a Conflict otherwise). */
  deletePod(namespace: string, name: string, uid: string): Promise<void>;
  /** patchPod applies a strategic merge patch (adoption, release). */
  patchPod(namespace: string, name: string, patch: unknown): Promise<StoredPod>;
  /** getReplicaSet reads a ReplicaSet from the server (not the cache). */
  getReplicaSet(namespace: string, name: string): Promise<StoredReplicaSet>;
  /** updateReplicaSetStatus writes `rs.status` (PUT …/status, guarded by resourceVersion). */
  updateReplicaSetStatus(rs: StoredReplicaSet): Promise<StoredReplicaSet>;
}

/** apiReplicaSetClient is the ReplicaSetClient over the API server. */
export function apiReplicaSetClient(rest: RestClient): ReplicaSetClient {
  const pods = rest.resource<Pod>(podsInfo);
  const rss = rest.resource<ReplicaSet>(replicaSetsInfo);
  return {
    createPod: (namespace, pod) => pods.namespace(namespace).create(pod),
    async deletePod(namespace, name, uid) {
      await pods.namespace(namespace).delete(name, { preconditions: { uid } });
    },
    patchPod: (namespace, name, patch) => pods.namespace(namespace).patch(name, 'strategic', patch),
    getReplicaSet: (namespace, name) => rss.namespace(namespace).get(name),
    updateReplicaSetStatus: (rs) =>
      rss
        .namespace(rs.metadata.namespace ?? 'default')
        .updateStatus(rs as ReplicaSet) as Promise<StoredReplicaSet>,
  };
}
