import type { Clock } from '../../lib/time.js';

/** RestartBackoffOptions: delays start at `initialMs` and double up to `maxMs`. */
export interface RestartBackoffOptions {
  clock: Clock;
  /** initialMs is the first delay; kubelet's 10 s. */
  initialMs?: number;
  /** maxMs caps the delay; kubelet's 5 min. An entry idle for twice this long starts over. */
  maxMs?: number;
}

interface Entry {
  backoffMs: number;
  lastUpdateMs: number;
}

/**
 * RestartBackoff is kubelet's per-item exponential back-off
 * (flowcontrol.Backoff) as used for CrashLoopBackOff and image pulls. The
 * key names what failed (pod UID + container name, or + image). A restart
 * goes through `next(key, failedAtMs)`; before that, `inBackoff(key,
 * failedAtMs)` says whether the delay since the failure has not passed yet.
 *
 * So a crashing container restarts at once after its first exit, then 10 s
 * after its second, 20 s after its third, … capped at 5 min; once it has run
 * for longer than twice the cap (10 min) since its last restart, the next
 * failure starts the sequence over. Not shared between agents.
 */
export class RestartBackoff {
  private readonly entries = new Map<string, Entry>();
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly clock: Clock;

  constructor(opts: RestartBackoffOptions) {
    this.clock = opts.clock;
    this.initialMs = opts.initialMs ?? 10_000;
    this.maxMs = opts.maxMs ?? 300_000;
  }

  /**
   * remainingMs is how long `key` must still wait after a failure at
   * `failedAtMs` (0 when it may go now).
   */
  remainingMs(key: string, failedAtMs: number): number {
    const e = this.entries.get(key);
    if (!e || this.expired(failedAtMs, e)) return 0;
    return Math.max(0, failedAtMs + e.backoffMs - this.clock.now());
  }

  /** inBackoff is `remainingMs(key, failedAtMs) > 0`. */
  inBackoff(key: string, failedAtMs: number): boolean {
    return this.remainingMs(key, failedAtMs) > 0;
  }

  /** currentMs is the delay the next failure of `key` will wait (0 for an unknown key). */
  currentMs(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /**
   * next records a restart of `key` after a failure at `failedAtMs`: the
   * first one (or the first after a long healthy run) sets the delay to the
   * initial value, later ones double it up to the cap.
   */
  next(key: string, failedAtMs: number): void {
    const e = this.entries.get(key);
    const now = this.clock.now();
    if (!e || this.expired(failedAtMs, e)) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdateMs: now });
    } else {
      e.backoffMs = Math.min(e.backoffMs * 2, this.maxMs);
      e.lastUpdateMs = now;
    }
  }

  /** forget drops `key`, or every key starting with `prefix/` when given a prefix. */
  forget(key: string, prefix = false): void {
    if (!prefix) {
      this.entries.delete(key);
      return;
    }
    for (const k of [...this.entries.keys()]) if (k.startsWith(`${key}/`)) this.entries.delete(k);
  }

  /** gc drops entries idle for longer than twice the cap. */
  gc(): void {
    const now = this.clock.now();
    for (const [k, e] of this.entries)
      if (now - e.lastUpdateMs > 2 * this.maxMs) this.entries.delete(k);
  }

  private expired(eventMs: number, e: Entry): boolean {
    return eventMs - e.lastUpdateMs > 2 * this.maxMs;
  }
}
