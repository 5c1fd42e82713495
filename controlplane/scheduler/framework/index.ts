/**
 * The scheduling framework: the plugin interfaces (FilterPlugin,
 * ScorePlugin), filter Status values, the profile that orders and weights
 * plugins, the runner that filters and scores nodes, and FitError with
 * kube-scheduler's "0/N nodes are available" message.
 */
export { FitError, NO_NODES_MESSAGE, fitErrorMessage, isFitError } from './fit-error.js';
export {
  CycleState,
  MAX_NODE_SCORE,
  type ClusterEvent,
  type FilterPlugin,
  type NodeScore,
  type Plugin,
  type PodContext,
  type Profile,
  type ScorePlugin,
  type WeightedScorePlugin,
} from './interface.js';
export {
  findFeasibleNodes,
  runFilters,
  scoreNodes,
  selectHost,
  type FilterResult,
} from './runner.js';
export {
  errorStatus,
  isSuccess,
  success,
  unresolvable,
  unschedulable,
  withPlugin,
  type Status,
  type StatusCode,
} from './status.js';
