import { findResource } from '../../api/resources.js';
import type {
  Deployment,
  ReplicaSet,
  StoredDeployment,
  StoredReplicaSet,
} from '../../api/types/index.js';
import type { RestClient } from '../../client/index.js';

const deploymentsInfo = findResource('apps', 'v1', 'deployments')!;
const replicaSetsInfo = findResource('apps', 'v1', 'replicasets')!;

/**
 * DeploymentClient is every API call the Deployment controller makes, so
 * that unit tests can record them with a fake. Updates are guarded by the
 * object's resourceVersion (a stale cache gets a Conflict and the key is
 * retried). Errors are the REST client's.
 */
export interface DeploymentClient {
  /** getDeployment reads a Deployment from the server (not the cache). */
  getDeployment(namespace: string, name: string): Promise<StoredDeployment>;
  /** updateDeploymentStatus writes `d.status` (PUT …/status). */
  updateDeploymentStatus(d: StoredDeployment): Promise<StoredDeployment>;
  /** patchDeployment merge-patches a Deployment (the revision annotation). */
  patchDeployment(namespace: string, name: string, patch: unknown): Promise<StoredDeployment>;
  createReplicaSet(namespace: string, rs: ReplicaSet): Promise<StoredReplicaSet>;
  /** updateReplicaSet replaces a ReplicaSet (size, annotations, minReadySeconds). */
  updateReplicaSet(rs: StoredReplicaSet): Promise<StoredReplicaSet>;
  /** deleteReplicaSet deletes one ReplicaSet, only if it still has `uid`. */
  deleteReplicaSet(namespace: string, name: string, uid: string): Promise<void>;
  /** patchReplicaSet applies a strategic merge patch (adoption, release). */
  patchReplicaSet(namespace: string, name: string, patch: unknown): Promise<StoredReplicaSet>;
}

/** apiDeploymentClient is the DeploymentClient over the API server. */
export function apiDeploymentClient(rest: RestClient): DeploymentClient {
  const deps = rest.resource<Deployment>(deploymentsInfo);
  const rss = rest.resource<ReplicaSet>(replicaSetsInfo);
  const nsOf = (o: { metadata: { namespace?: string } }): string =>
    o.metadata.namespace ?? 'default';
  return {
    getDeployment: (namespace, name) => deps.namespace(namespace).get(name),
    updateDeploymentStatus: (d) =>
      deps.namespace(nsOf(d)).updateStatus(d as Deployment) as Promise<StoredDeployment>,
    patchDeployment: (namespace, name, patch) =>
      deps.namespace(namespace).patch(name, 'merge', patch),
    createReplicaSet: (namespace, rs) => rss.namespace(namespace).create(rs),
    updateReplicaSet: (rs) =>
      rss.namespace(nsOf(rs)).update(rs as ReplicaSet) as Promise<StoredReplicaSet>,
    async deleteReplicaSet(namespace, name, uid) {
      await rss.namespace(namespace).delete(name, { preconditions: { uid } });
    },
    patchReplicaSet: (namespace, name, patch) =>
      rss.namespace(namespace).patch(name, 'strategic', patch),
  };
}
