/**
 * The client library every Tugboat component uses: a workqueue with
 * client-go's contract, its rate limiters, and a worker-pool helper. REST
 * client, kubeconfig, informers and leader election join as they land.
 */
export { TokenBucket } from './token-bucket.js';
export {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
  type BucketRateLimiterOptions,
  type RateLimiter,
} from './rate-limiters.js';
export { WorkQueue, type WorkQueueOptions } from './workqueue.js';
export { runWorkers, type Reconciler } from './run-workers.js';
