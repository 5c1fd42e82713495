/**
 * Node lifecycle: node health from Leases (conditions Unknown, taints by
 * condition) and NoExecute taint-based eviction of pods.
 */
export { NodeLeaseNamespace, NodeLifecycleController, nodeLifecycle } from './node-lifecycle.js';
export {
  TaintEvictionController,
  evictionDecision,
  taintEviction,
  type EvictionDecision,
} from './taint-eviction.js';
export {
  TaintNodeDiskPressure,
  TaintNodeMemoryPressure,
  TaintNodeNetworkUnavailable,
  TaintNodeNotReady,
  TaintNodePidPressure,
  TaintNodeUnreachable,
  TaintNodeUnschedulable,
  desiredTaints,
  isManagedTaint,
  reconcileTaints,
  tolerates,
} from './taints.js';
