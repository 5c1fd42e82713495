/**
 * Clock is injected wherever time matters so that tests never sleep: `now`
 * reads the time and `sleep` waits (abortably). FakeClock in tests advances
 * time by hand.
 */
export interface Clock {
  now(): number;
  /** sleep resolves after `ms`, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** realClock uses Date.now and unref'd timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, signal),
};

/**
 * delay resolves after `ms` milliseconds; it rejects with the abort reason if
 * `signal` fires first. The timer is unref'd so a background pause never
 * holds a process open; pass `keepAlive` when the process has nothing else to
 * do but wait (a CLI waiting for a condition).
 */
export function delay(ms: number, signal?: AbortSignal, keepAlive = false): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (!keepAlive) timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * FakeClock is a Clock whose time only moves when `advance` is called. Sleepers
 * wake in deadline order as time passes them.
 */
export class FakeClock implements Clock {
  private t: number;
  private sleepers: { until: number; resolve: () => void }[] = [];

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const entry = {
        until: this.t + ms,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== entry);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(entry);
    });
  }

  /** advance moves time forward by `ms` and wakes every sleeper whose deadline passed. */
  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.until <= this.t).sort((a, b) => a.until - b.until);
    this.sleepers = this.sleepers.filter((s) => s.until > this.t);
    for (const s of due) s.resolve();
  }

  /** pending is the number of sleepers not yet woken. */
  get pending(): number {
    return this.sleepers.length;
  }
}
