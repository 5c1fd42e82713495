import type { Logger } from '../../lib/log.js';
import type { Clock } from '../../lib/time.js';
import type { SyncResult } from './pod-sync.js';

/** SyncFunc syncs one pod UID; it is never called twice at once for one UID. */
export type SyncFunc = (uid: string, signal: AbortSignal) => Promise<SyncResult>;

/** PodWorkersOptions configure the workers; timings have kubelet-like defaults. */
export interface PodWorkersOptions {
  sync: SyncFunc;
  clock: Clock;
  logger: Logger;
  /** errorBackoffInitialMs is the first retry delay after a failed sync (default 1 s). */
  errorBackoffInitialMs?: number;
  /** errorBackoffMaxMs caps the retry delay (default 60 s). */
  errorBackoffMaxMs?: number;
  /** observe is told how long each sync took and whether it failed (metrics). */
  observe?: (seconds: number, failed: boolean) => void;
  /** onSize is told the number of workers whenever it changes (metrics). */
  onSize?: (workers: number) => void;
}

interface Worker {
  uid: string;
  /** dirty: an update arrived since the running sync began (coalesced into one). */
  dirty: boolean;
  running: boolean;
  failures: number;
  timer: AbortController | undefined;
  timerAt: number;
}

/**
 * PodWorkers runs one worker per pod UID (kubelet's pod_workers.go): an
 * `update(uid)` marks the pod dirty and starts its worker if idle; a worker
 * syncs until no update arrived during its last sync, so updates to one pod
 * are serialised and coalesced while different pods sync in parallel. A
 * sync's requested requeue, or a failure's exponential back-off, re-triggers
 * the worker from a timer on the injected clock (never a polling loop). A
 * worker whose sync reports `done` ends. Updates before `run` wait for it.
 */
export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private readonly inflight = new Set<Promise<void>>();
  private signal: AbortSignal | undefined;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(private readonly o: PodWorkersOptions) {
    this.initialMs = o.errorBackoffInitialMs ?? 1000;
    this.maxMs = o.errorBackoffMaxMs ?? 60_000;
  }

  /** size is the number of live workers. */
  get size(): number {
    return this.workers.size;
  }

  /** uids lists the UIDs that have a worker. */
  uids(): string[] {
    return [...this.workers.keys()];
  }

  /** update asks for a sync of `uid` soon. Never blocks. */
  update(uid: string): void {
    let w = this.workers.get(uid);
    if (!w) {
      w = { uid, dirty: false, running: false, failures: 0, timer: undefined, timerAt: 0 };
      this.workers.set(uid, w);
      this.o.onSize?.(this.workers.size);
    }
    w.dirty = true;
    this.kick(w);
  }

  /** updateAll asks for a sync of every pod that has a worker. */
  updateAll(): void {
    for (const uid of this.workers.keys()) this.update(uid);
  }

  /** run lets workers sync until `signal` aborts, then waits for running syncs to end. */
  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    for (const w of this.workers.values()) this.kick(w);
    if (!signal.aborted) {
      await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
    }
    for (const w of this.workers.values()) w.timer?.abort();
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private kick(w: Worker): void {
    if (w.running || !this.signal || this.signal.aborted) return;
    w.running = true;
    const p = this.loop(w, this.signal).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private async loop(w: Worker, signal: AbortSignal): Promise<void> {
    try {
      while (w.dirty && !signal.aborted) {
        w.dirty = false;
        this.clearTimer(w);
        const started = performance.now();
        let result: SyncResult;
        let failed = false;
        try {
          result = await this.o.sync(w.uid, signal);
          w.failures = 0;
        } catch (err) {
          if (signal.aborted) return;
          failed = true;
          const delay = Math.min(this.maxMs, this.initialMs * 2 ** w.failures);
          w.failures++;
          this.o.logger.warn('pod sync failed; retrying', { uid: w.uid, err, retryInMs: delay });
          result = { requeueAfterMs: delay };
        }
        this.o.observe?.((performance.now() - started) / 1000, failed);
        if (result.done && !w.dirty) {
          this.clearTimer(w);
          this.workers.delete(w.uid);
          this.o.onSize?.(this.workers.size);
          return;
        }
        if (result.requeueAfterMs !== undefined) this.schedule(w, result.requeueAfterMs, signal);
      }
    } finally {
      w.running = false;
      // An update that raced with the loop's exit still gets its sync.
      if (w.dirty && this.workers.get(w.uid) === w) this.kick(w);
    }
  }

  private schedule(w: Worker, ms: number, signal: AbortSignal): void {
    const at = this.o.clock.now() + ms;
    if (w.timer && w.timerAt <= at) return;
    this.clearTimer(w);
    const ac = new AbortController();
    w.timer = ac;
    w.timerAt = at;
    this.o.clock.sleep(ms, AbortSignal.any([signal, ac.signal])).then(
      () => {
        if (w.timer !== ac) return;
        w.timer = undefined;
        if (this.workers.get(w.uid) === w) this.update(w.uid);
      },
      () => {},
    );
  }

  private clearTimer(w: Worker): void {
    w.timer?.abort();
    w.timer = undefined;
  }
}
