import type { DeploymentStatus, StoredReplicaSet } from '../../api/types/index.js';
import { newCondition, setDeploymentCondition } from './conditions.js';
import { canonicalJson } from './hash.js';
import {
  desiredReplicas,
  maxUnavailable,
  reasons,
  sumReplicas,
  sumStatus,
  type AnyDeployment,
} from './util.js';

/**
 * calculateDeploymentStatus is a Deployment's status from its ReplicaSets'
 * (calculateStatus in sync.go): counts summed from their status (updated:
 * the new one's), unavailable from their spec, the Available condition at
 * `now`; other conditions and collisionCount carried over.
 */
export function calculateDeploymentStatus(
  d: AnyDeployment,
  allRSs: readonly (StoredReplicaSet | undefined)[],
  newRS: StoredReplicaSet | undefined,
  now: number,
): DeploymentStatus {
  const available = sumStatus(allRSs, 'availableReplicas');
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sumStatus(allRSs, 'replicas'),
    updatedReplicas: sumStatus([newRS], 'replicas'),
    readyReplicas: sumStatus(allRSs, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sumReplicas(allRSs) - available),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions) status.conditions = structuredClone(d.status.conditions);
  const cond =
    available >= desiredReplicas(d) - maxUnavailable(d)
      ? newCondition(
          'Available',
          'True',
          reasons.minimumReplicasAvailable,
          'Deployment has minimum availability.',
          now,
        )
      : newCondition(
          'Available',
          'False',
          reasons.minimumReplicasUnavailable,
          'Deployment does not have minimum availability.',
          now,
        );
  setDeploymentCondition(status, cond);
  return status;
}

/** deploymentStatusDiffers tells whether writing `status` would change what `d` shows. */
export function deploymentStatusDiffers(d: AnyDeployment, status: DeploymentStatus): boolean {
  return (
    canonicalJson(compactDeploymentStatus(d.status ?? {})) !==
    canonicalJson(compactDeploymentStatus(status))
  );
}

/** compactDeploymentStatus drops zero counts, as Kubernetes' JSON (omitempty) does. */
export function compactDeploymentStatus(s: DeploymentStatus): DeploymentStatus {
  const out: DeploymentStatus = {};
  if (s.observedGeneration) out.observedGeneration = s.observedGeneration;
  if (s.replicas) out.replicas = s.replicas;
  if (s.updatedReplicas) out.updatedReplicas = s.updatedReplicas;
  if (s.readyReplicas) out.readyReplicas = s.readyReplicas;
  if (s.availableReplicas) out.availableReplicas = s.availableReplicas;
  if (s.unavailableReplicas) out.unavailableReplicas = s.unavailableReplicas;
  if (s.terminatingReplicas) out.terminatingReplicas = s.terminatingReplicas;
  if (s.conditions?.length) out.conditions = s.conditions;
  if (s.collisionCount !== undefined) out.collisionCount = s.collisionCount;
  return out;
}
