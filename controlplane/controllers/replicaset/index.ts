/**
 * The ReplicaSet controller and the pieces other workload controllers
 * share: expectations, slow-start batches, controller-ref claiming,
 * scale-down ranking and pod readiness helpers.
 */
export {
  ReplicaSetController,
  burstReplicas,
  replicaSetControllerFactory,
  type ReplicaSetControllerOptions,
} from './replicaset-controller.js';
export { apiReplicaSetClient, type ReplicaSetClient } from './client.js';
export { Expectations, expectationsTimeoutMs } from './expectations.js';
export { slowStartBatch, slowStartInitialBatchSize, type SlowStartResult } from './slow-start.js';
export {
  ClaimError,
  adoptPatch,
  canAdoptCheck,
  claimObjects,
  releasePatch,
  type ClaimOptions,
  type Claimable,
} from './controller-ref.js';
export {
  compareForDeletion,
  podDeletionCostAnnotation,
  podsToDelete,
  type RankedPod,
} from './ranking.js';
export {
  controllerOf,
  formatTime,
  isPodActive,
  isPodAvailable,
  isPodReady,
  maxContainerRestarts,
  newControllerRef,
  parseTime,
  podReadyCondition,
  podReadyTime,
  type PodLike,
} from './pod-utils.js';
export {
  calculateStatus,
  compactStatus,
  removeCondition,
  replicaFailure,
  setCondition,
  statusUnchanged,
} from './status.js';
/** Fakes for unit tests of controllers. */
export {
  FakeReplicaSetClient,
  conflictError,
  newTestContext,
  podNotFound,
  type RecordedCall,
  type TestContext,
} from './testing.js';
