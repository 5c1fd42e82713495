import { realClock, type Clock } from '../../lib/time.js';
import { TokenBucket } from './token-bucket.js';

/**
 * RateLimiter decides how long a key waits before it is re-queued
 * (client-go `workqueue.RateLimiter`). `when` records one more failure of the
 * key and returns the delay in milliseconds; `forget` clears the key's history
 * (call it once the key succeeded); `numRequeues` is the failures recorded.
 */
export interface RateLimiter<K> {
  when(key: K): number;
  forget(key: K): void;
  numRequeues(key: K): number;
}

/**
 * ItemExponentialFailureRateLimiter delays a key `baseMs * 2^failures`,
 * capped at `maxMs`: 5 ms, 10 ms, 20 ms … up to 1000 s (~17 min) by default,
 * as client-go's default controller limiter does.
 */
export class ItemExponentialFailureRateLimiter<K = string> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(
    readonly baseMs = 5,
    readonly maxMs = 1_000_000,
  ) {
    if (!(baseMs > 0) || !(maxMs >= baseMs)) {
      throw new RangeError(`need 0 < baseMs <= maxMs, got ${baseMs}, ${maxMs}`);
    }
  }

  when(key: K): number {
    const exp = this.failures.get(key) ?? 0;
    this.failures.set(key, exp + 1);
    // 2^exp overflows to Infinity long before it matters; min() handles that.
    return Math.min(this.maxMs, this.baseMs * 2 ** exp);
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }
}

/** BucketRateLimiterOptions: `qps` (default 10) and `burst` (default 100). */
export interface BucketRateLimiterOptions {
  qps?: number;
  burst?: number;
  clock?: Clock;
}

/**
 * BucketRateLimiter is the overall limit shared by all keys: a token bucket
 * of `burst` tokens refilled at `qps`. It keeps no per-key history.
 */
export class BucketRateLimiter<K = string> implements RateLimiter<K> {
  private readonly bucket: TokenBucket;

  constructor(opts: BucketRateLimiterOptions = {}) {
    this.bucket = new TokenBucket(opts.qps ?? 10, opts.burst ?? 100, opts.clock ?? realClock);
  }

  when(_key: K): number {
    return this.bucket.reserve();
  }

  forget(_key: K): void {}

  numRequeues(_key: K): number {
    return 0;
  }
}

/**
 * MaxOfRateLimiter asks every limiter and waits for the longest answer; every
 * limiter records the failure (client-go `MaxOfRateLimiter`).
 */
export class MaxOfRateLimiter<K = string> implements RateLimiter<K> {
  private readonly limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    if (limiters.length === 0) throw new RangeError('MaxOfRateLimiter needs at least one limiter');
    this.limiters = limiters;
  }

  when(key: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(key));
    return max;
  }

  forget(key: K): void {
    for (const l of this.limiters) l.forget(key);
  }

  numRequeues(key: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(key));
    return max;
  }
}

/**
 * defaultControllerRateLimiter is client-go's `DefaultControllerRateLimiter`:
 * per-key exponential backoff 5 ms → 1000 s, under an overall 10 qps / 100
 * burst bucket.
 */
export function defaultControllerRateLimiter<K = string>(clock: Clock = realClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialFailureRateLimiter<K>(5, 1_000_000),
    new BucketRateLimiter<K>({ qps: 10, burst: 100, clock }),
  );
}
