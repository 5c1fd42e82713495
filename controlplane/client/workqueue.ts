import { realClock, type Clock } from '../../lib/time.js';
import { Fifo, MinHeap } from './collections.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.js';

/** WorkQueueOptions: the clock for `addAfter`, and the limiter for `addRateLimited`. */
export interface WorkQueueOptions<K> {
  clock?: Clock;
  /** rateLimiter defaults to `defaultControllerRateLimiter(clock)`. */
  rateLimiter?: RateLimiter<K>;
}

interface Waiting<K> {
  key: K;
  at: number;
  seq: number;
}

interface Getter<K> {
  settled: boolean;
  resolve(key: K | undefined): void;
}

/**
 * WorkQueue is client-go's rate-limiting workqueue (util/workqueue), for keys
 * of a controller. Its contract:
 * - `add` of a key already queued is a no-op (the dirty set dedups);
 * - a key handed out by `get` is "processing" until `done`; it is never handed
 *   to a second worker meanwhile — added again, it is queued after `done`;
 * - `addAfter` queues a key once a delay has passed (the earliest pending
 *   time wins when a key is delayed twice); `addRateLimited` delays by what
 *   the rate limiter says; `forget` resets the key's backoff;
 * - after `shutDown`, adds are ignored and `get` resolves `undefined`.
 *
 * Unlike client-go, keys still queued at shutdown are not handed out: they
 * are level-triggered work that the next process rebuilds from its informers,
 * and stopping promptly matters more. All methods are synchronous except
 * `get` and `shutDownWithDrain`; JavaScript's single thread is the lock.
 */
export class WorkQueue<K extends NonNullable<unknown> = string> {
  private readonly clock: Clock;
  private readonly limiter: RateLimiter<K>;
  private readonly queue = new Fifo<K>();
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly getters = new Fifo<Getter<K>>();
  private readonly drainWaiters: (() => void)[] = [];
  private shutting = false;

  // Delayed keys: the map holds each key's current entry; heap entries whose
  // seq no longer matches the map are stale and skipped.
  private readonly waiting = new Map<K, Waiting<K>>();
  private readonly heap = new MinHeap<Waiting<K>>((a, b) =>
    a.at === b.at ? a.seq < b.seq : a.at < b.at,
  );
  private seq = 0;
  private timer: AbortController | undefined;
  private timerAt = Infinity;

  constructor(opts: WorkQueueOptions<K> = {}) {
    this.clock = opts.clock ?? realClock;
    this.limiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
  }

  /** len is the number of keys queued and ready (not processing, not delayed). */
  get len(): number {
    return this.queue.length;
  }

  /** shuttingDown is true once `shutDown` or `shutDownWithDrain` was called. */
  get shuttingDown(): boolean {
    return this.shutting;
  }

  /** add queues `key` unless it is already queued; ignored after shutdown. */
  add(key: K): void {
    if (this.shutting || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.dispatch();
  }

  /**
   * get resolves with the next key, which is then processing until `done`.
   * It resolves `undefined` once the queue is shut down, or when `signal`
   * aborts while waiting. Waiting callers are served first come, first served.
   */
  get(signal?: AbortSignal): Promise<K | undefined> {
    if (this.shutting || signal?.aborted) return Promise.resolve(undefined);
    if (this.queue.length > 0) return Promise.resolve(this.take());
    return new Promise((resolve) => {
      const onAbort = (): void => getter.resolve(undefined);
      const getter: Getter<K> = {
        settled: false,
        resolve: (key) => {
          if (getter.settled) return;
          getter.settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(key);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.getters.push(getter);
    });
  }

  /**
   * done marks `key` as no longer processing. If it was added meanwhile it is
   * queued again now. Calling done for a key not processing is harmless.
   */
  done(key: K): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key) && !this.shutting) {
      this.queue.push(key);
      this.dispatch();
    }
    if (this.processing.size === 0) {
      for (const w of this.drainWaiters.splice(0)) w();
    }
  }

  /** addAfter queues `key` after `ms` milliseconds (at once if `ms <= 0`). */
  addAfter(key: K, ms: number): void {
    if (this.shutting) return;
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const current = this.waiting.get(key);
    if (current && current.at <= at) return;
    const entry: Waiting<K> = { key, at, seq: this.seq++ };
    this.waiting.set(key, entry);
    this.heap.push(entry);
    this.arm();
  }

  /** addRateLimited queues `key` after the delay its rate limiter gives. */
  addRateLimited(key: K): void {
    if (this.shutting) return;
    this.addAfter(key, this.limiter.when(key));
  }

  /** forget clears `key`'s failure history (call after it was processed successfully). */
  forget(key: K): void {
    this.limiter.forget(key);
  }

  /** numRequeues is how many times `key` was rate-limited since its last `forget`. */
  numRequeues(key: K): number {
    return this.limiter.numRequeues(key);
  }

  /**
   * shutDown stops the queue: adds are ignored, waiting and future `get`s
   * resolve `undefined`, delayed keys are dropped. Idempotent; it does not
   * wait for keys being processed (see `shutDownWithDrain`).
   */
  shutDown(): void {
    if (this.shutting) return;
    this.shutting = true;
    this.timer?.abort();
    this.timer = undefined;
    this.timerAt = Infinity;
    this.heap.clear();
    this.waiting.clear();
    this.queue.clear();
    for (let g = this.getters.shift(); g; g = this.getters.shift()) g.resolve(undefined);
  }

  /** shutDownWithDrain shuts down, then resolves once every processing key is `done`. */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  private take(): K {
    const key = this.queue.shift() as K;
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const g = this.getters.shift();
      if (!g) return;
      // A getter whose signal aborted is already settled: skip it, or the
      // key would be marked processing with no worker holding it.
      if (!g.settled) g.resolve(this.take());
    }
  }

  // arm keeps exactly one clock sleep pending, for the earliest delayed key.
  private arm(): void {
    let next = this.heap.peek();
    while (next && this.waiting.get(next.key) !== next) {
      this.heap.pop();
      next = this.heap.peek();
    }
    if (!next) {
      this.timer?.abort();
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer && this.timerAt <= next.at) return;
    this.timer?.abort();
    const ac = new AbortController();
    this.timer = ac;
    this.timerAt = next.at;
    this.clock.sleep(Math.max(0, next.at - this.clock.now()), ac.signal).then(
      () => {
        if (this.timer !== ac) return;
        this.timer = undefined;
        this.timerAt = Infinity;
        this.fire();
      },
      () => {},
    );
  }

  private fire(): void {
    const now = this.clock.now();
    for (let next = this.heap.peek(); next && next.at <= now; next = this.heap.peek()) {
      this.heap.pop();
      if (this.waiting.get(next.key) !== next) continue;
      this.waiting.delete(next.key);
      this.add(next.key);
    }
    this.arm();
  }
}
