/**
 * The pod garbage collector: deletes terminated pods over a threshold, pods
 * bound to deleted nodes, and unscheduled pods that are terminating.
 */
export { PodGcController, TerminatedPodsKey, podGc } from './pod-gc.js';
