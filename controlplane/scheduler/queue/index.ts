/** The scheduling queue: active heap, backoff, the unschedulable set, and event-driven moves. */
export { KeyedHeap } from './heap.js';
export {
  SchedulingQueue,
  type FailureKind,
  type QueueName,
  type QueuedPod,
  type SchedulingQueueOptions,
} from './scheduling-queue.js';
