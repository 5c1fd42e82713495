/**
 * The scheduler's plugins, one per file, and the default profile that
 * orders the filters and weights the scores the way kube-scheduler's
 * default configuration does.
 */
import type { Profile } from '../framework/index.js';
import { balancedAllocation } from './balanced-allocation.js';
import { leastAllocated } from './least-allocated.js';
import { nodeAffinity } from './node-affinity.js';
import { nodeName } from './node-name.js';
import { nodePorts } from './node-ports.js';
import { nodeReady } from './node-ready.js';
import { nodeResourcesFit } from './node-resources-fit.js';
import { nodeUnschedulable } from './node-unschedulable.js';
import { selectorSpread } from './selector-spread.js';
import { taintToleration } from './taint-toleration.js';

export { balancedAllocation } from './balanced-allocation.js';
export { leastAllocated, leastAllocatedScore } from './least-allocated.js';
export { ERR_AFFINITY, nodeAffinity, podMatchesNode, termMatches } from './node-affinity.js';
export { ERR_NODE_NAME, nodeName } from './node-name.js';
export { ERR_PORTS, nodePorts } from './node-ports.js';
export { NOT_READY_TAINT_KEY, UNREACHABLE_TAINT_KEY, nodeReady } from './node-ready.js';
export { ERR_TOO_MANY_PODS, insufficient, nodeResourcesFit } from './node-resources-fit.js';
export {
  ERR_UNKNOWN_CONDITION,
  ERR_UNSCHEDULABLE,
  UNSCHEDULABLE_TAINT,
  nodeUnschedulable,
} from './node-unschedulable.js';
export { selectorSpread } from './selector-spread.js';
export { taintToleration } from './taint-toleration.js';
export { firstUntoleratedTaint, taintReason, tolerated, toleratesTaint } from './tolerations.js';

/** DEFAULT_SCHEDULER_NAME is the schedulerName pods get by default. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/**
 * defaultProfile is kube-scheduler's default plugin set, trimmed to what
 * Tugboat has: cheap, unresolvable filters first (a node's reason is the
 * first that fails), resources last; scores weighted as kube-scheduler
 * weights them (TaintToleration 3, NodeAffinity 2, spreading 2, resource
 * scores 1).
 */
export function defaultProfile(schedulerName = DEFAULT_SCHEDULER_NAME): Profile {
  return {
    schedulerName,
    filters: [
      nodeUnschedulable,
      nodeName,
      taintToleration,
      nodeReady,
      nodeAffinity,
      nodePorts,
      nodeResourcesFit,
    ],
    scores: [
      { plugin: taintToleration, weight: 3 },
      { plugin: nodeAffinity, weight: 2 },
      { plugin: selectorSpread, weight: 2 },
      { plugin: leastAllocated, weight: 1 },
      { plugin: balancedAllocation, weight: 1 },
    ],
  };
}
