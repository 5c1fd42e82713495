import type { Logger } from '../../lib/log.js';
import type { WorkQueue } from './workqueue.js';

/** Reconciler handles one key; it throws to have the key retried with backoff. */
export type Reconciler<K> = (key: K, signal: AbortSignal) => Promise<void>;

/**
 * runWorkers runs `count` workers that take keys from `queue` and call
 * `reconcile(key, signal)`: success forgets the key's backoff, a throw logs
 * the error and re-queues the key rate-limited (retries belong to the queue,
 * not to `reconcile`). When `signal` aborts the queue is shut down; errors
 * thrown after that are not logged nor retried. Resolves once the queue is
 * shut down (by the signal or by anyone) and every worker is idle.
 * Start it only after the informers feeding the queue have synced.
 */
export async function runWorkers<K extends NonNullable<unknown>>(
  queue: WorkQueue<K>,
  count: number,
  reconcile: Reconciler<K>,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  if (!(count >= 1)) throw new RangeError(`worker count must be >= 1, got ${count}`);
  const onAbort = (): void => queue.shutDown();
  if (signal.aborted) queue.shutDown();
  else signal.addEventListener('abort', onAbort, { once: true });

  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await reconcile(key, signal);
        queue.forget(key);
      } catch (err) {
        if (!signal.aborted) {
          logger.error('reconcile failed; retrying with backoff', {
            key,
            requeues: queue.numRequeues(key),
            err,
          });
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: count }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
