import type { Clock } from '../../lib/time.js';

/**
 * TokenBucket is a token-bucket rate limiter (Go's `rate.Limiter` reservation
 * model): it holds up to `burst` tokens and refills at `qps` per second. A
 * reservation always succeeds and says how long its holder must wait, so the
 * bucket may go into debt; waits therefore grow linearly under sustained load
 * rather than callers racing for freed tokens. Not shared across processes.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /** constructor throws a RangeError unless `qps > 0` and `burst >= 1`. */
  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly clock: Clock,
  ) {
    if (!(qps > 0) || !Number.isFinite(qps)) throw new RangeError(`qps must be > 0, got ${qps}`);
    if (!(burst >= 1)) throw new RangeError(`burst must be >= 1, got ${burst}`);
    this.tokens = burst;
    this.last = clock.now();
  }

  /** reserve takes one token and returns the milliseconds to wait before using it (0: now). */
  reserve(): number {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.qps) / 1000);
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    return Math.ceil((-this.tokens * 1000) / this.qps);
  }

  /**
   * acquire waits until a token is available. It rejects with the signal's
   * reason when aborted; the token reserved is then lost, which only makes
   * the bucket slightly stricter.
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const wait = this.reserve();
    if (wait > 0) await this.clock.sleep(wait, signal);
  }
}
