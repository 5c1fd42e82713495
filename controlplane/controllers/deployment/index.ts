/** The Deployment controller: rollouts through ReplicaSets, as Kubernetes does them. */
export {
  DeploymentController,
  deploymentControllerFactory,
  type DeploymentControllerOptions,
} from './deployment-controller.js';
export { apiDeploymentClient, type DeploymentClient } from './client.js';
export { canonicalJson, computeHash, podTemplateHashLabel, safeEncode } from './hash.js';
export {
  desiredReplicasAnnotation,
  equalIgnoreHash,
  maxReplicasAnnotation,
  maxSurge,
  maxUnavailable,
  reasons,
  resolveFenceposts,
  revisionAnnotation,
  revisionHistoryAnnotation,
  valueFromIntOrPercent,
} from './util.js';
export { FakeDeploymentClient } from './testing.js';
