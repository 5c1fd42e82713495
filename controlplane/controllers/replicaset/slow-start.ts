/** slowStartInitialBatchSize is the first batch of `slowStartBatch` (Kubernetes' SlowStartInitialBatchSize). */
export const slowStartInitialBatchSize = 1;

/** SlowStartResult is how many calls succeeded and the first error, if a batch failed. */
export interface SlowStartResult {
  successes: number;
  error?: unknown;
}

/**
 * slowStartBatch calls `fn` `count` times in batches that double in size
 * (1, 2, 4, …), the calls of one batch running concurrently. It stops
 * after the first batch with a failure, so a request that fails for all
 * (quota, admission) is sent a few times rather than `count` times. It
 * never rejects: the outcome says how many calls succeeded and the first
 * error.
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: () => Promise<void>,
): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (
    let batch = Math.min(remaining, initialBatchSize);
    batch > 0;
    batch = Math.min(2 * batch, remaining)
  ) {
    const outcomes = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = outcomes.find((o) => o.status === 'rejected');
    successes += outcomes.filter((o) => o.status === 'fulfilled').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}
