/** BackoffOptions: delays grow from `initialMs` by `factor` up to `maxMs`, ± `jitter`. */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** jitter spreads each delay over [d, d·(1+jitter)] so restarted clients don't stampede. */
  jitter?: number;
  random?: () => number;
}

/**
 * Backoff yields growing delays for retrying a failing operation (client-go's
 * backoff manager): 800 ms, 1.6 s, … capped at 30 s by default. `reset` after
 * a success starts over. Not shared between operations.
 */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private current: number;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 800;
    this.maxMs = opts.maxMs ?? 30_000;
    this.factor = opts.factor ?? 2;
    this.jitter = opts.jitter ?? 0;
    this.random = opts.random ?? Math.random;
    this.current = this.initialMs;
  }

  /** next returns the delay to wait now and grows the following one. */
  next(): number {
    const base = this.current;
    this.current = Math.min(this.maxMs, this.current * this.factor);
    return Math.round(base * (1 + this.jitter * this.random()));
  }

  reset(): void {
    this.current = this.initialMs;
  }
}
