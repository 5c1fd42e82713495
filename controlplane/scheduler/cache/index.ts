/**
 * The scheduler's cache: per-node accounting of allocatable resources,
 * requests, host ports and pods (bound and assumed), and how a pod's
 * requests are computed.
 */
export { CacheError, SchedulerCache } from './cache.js';
export { HostPortSet, NodeInfo } from './node-info.js';
export { ANY_IP, hostPortsOf, podInfoOf, type HostPort, type PodInfo } from './pod-info.js';
export {
  CPU,
  DEFAULT_MEMORY,
  DEFAULT_MILLI_CPU,
  EPHEMERAL_STORAGE,
  MEMORY,
  PODS,
  Resources,
  amountOf,
  podRequests,
} from './resources.js';
