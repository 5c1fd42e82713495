import { nopLogger, type Logger } from '../../lib/log.js';
import { realClock, type Clock } from '../../lib/time.js';

/**
 * LeaderElectionRecord is what a Lease's spec says about its holder
 * (client-go `resourcelock.LeaderElectionRecord`). Times are MicroTime
 * strings (`2006-01-02T15:04:05.000000Z`).
 */
export interface LeaderElectionRecord {
  /** holderIdentity is '' when nobody holds the lease (e.g. after a release). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

/**
 * LeaseLock is the storage a LeaderElector competes on, with optimistic
 * concurrency: `update` is guarded by the version last returned by `get` (or
 * written by `create`/`update`) and rejects if the lease changed since;
 * `create` rejects if the lease exists. A lock is used by one elector.
 */
export interface LeaseLock {
  /** get reads the current record, or undefined when the lease does not exist. */
  get(signal: AbortSignal): Promise<LeaderElectionRecord | undefined>;
  create(record: LeaderElectionRecord, signal: AbortSignal): Promise<void>;
  update(record: LeaderElectionRecord, signal: AbortSignal): Promise<void>;
  /** describe names the lease in logs, e.g. `kube-system/tug-controller-manager`. */
  describe(): string;
}

/** LeaderCallbacks are told about leadership changes. */
export interface LeaderCallbacks {
  /**
   * onStartedLeading starts the leader's work; `signal` aborts when
   * leadership ends. If the returned promise rejects, the elector logs it,
   * stops leading and releases the lease so another replica takes over;
   * resolving changes nothing (leadership lasts until lost or cancelled).
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** onStoppedLeading is called once leading ended and the leader's work has returned. */
  onStoppedLeading?(): void;
  /** onNewLeader is called when a different holder is observed (ourselves included). */
  onNewLeader?(identity: string): void;
}

/** LeaderElectorOptions; durations default to client-go's 15 s / 10 s / 2 s. */
export interface LeaderElectorOptions {
  lock: LeaseLock;
  /** identity must be unique among the candidates (hostname + random suffix, say). */
  identity: string;
  callbacks: LeaderCallbacks;
  /** leaseDurationMs is how long followers wait after the last renewal before taking over. */
  leaseDurationMs?: number;
  /** renewDeadlineMs is how long the leader keeps retrying a failing renewal before giving up. */
  renewDeadlineMs?: number;
  /** retryPeriodMs is the pause between attempts. */
  retryPeriodMs?: number;
  /** releaseOnCancel clears the holder when `run`'s signal aborts; default true. */
  releaseOnCancel?: boolean;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
}

const jitterFactor = 1.2;

/** microTime formats milliseconds as a Kubernetes MicroTime. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const sameRecord = (a: LeaderElectionRecord | undefined, b: LeaderElectionRecord): boolean =>
  a !== undefined &&
  a.holderIdentity === b.holderIdentity &&
  a.leaseDurationSeconds === b.leaseDurationSeconds &&
  a.acquireTime === b.acquireTime &&
  a.renewTime === b.renewTime &&
  a.leaseTransitions === b.leaseTransitions;

/**
 * LeaderElector is client-go's leader election on a Lease: candidates try to
 * acquire the lease every retry period; a holder's lease is considered valid
 * for leaseDuration after the last change *this candidate observed* (local
 * time, so clocks need not agree); the leader renews every retry period and
 * steps down if it cannot renew within renewDeadline. Conflicting writes
 * mean someone else won. Leadership is not a lock: between the leader losing
 * its lease and noticing, there may be two leaders for up to
 * leaseDuration - renewDeadline; the work must tolerate that.
 */
export class LeaderElector {
  private readonly lock: LeaseLock;
  private readonly identity: string;
  private readonly callbacks: LeaderCallbacks;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly releaseOnCancel: boolean;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly random: () => number;
  private observed: LeaderElectionRecord | undefined;
  private observedTime = 0;
  private reportedLeader = '';
  private started = false;

  /** constructor throws a RangeError unless leaseDuration > renewDeadline > 1.2 × retryPeriod > 0. */
  constructor(opts: LeaderElectorOptions) {
    this.lock = opts.lock;
    this.identity = opts.identity;
    this.callbacks = opts.callbacks;
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.releaseOnCancel = opts.releaseOnCancel ?? true;
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    if (!opts.identity) throw new RangeError('leader election needs an identity');
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) {
      throw new RangeError('leaseDuration must be greater than renewDeadline');
    }
    if (!(this.renewDeadlineMs > jitterFactor * this.retryPeriodMs)) {
      throw new RangeError('renewDeadline must be greater than 1.2 × retryPeriod');
    }
    if (!(this.retryPeriodMs > 0)) throw new RangeError('retryPeriod must be positive');
    this.log = (opts.logger ?? nopLogger).with({
      lease: opts.lock.describe(),
      identity: opts.identity,
    });
  }

  /** isLeader tells whether the last record observed names us as holder. */
  isLeader(): boolean {
    return this.observed?.holderIdentity === this.identity;
  }

  /** leader is the holder last observed ('' if none). */
  leader(): string {
    return this.observed?.holderIdentity ?? '';
  }

  /**
   * run campaigns until it acquires the lease, leads until the lease is lost
   * or `signal` aborts, then resolves — after the leader's work returned and
   * (on abort, with releaseOnCancel) the lease was released. It does not
   * campaign again: a process that lost leadership should exit or call
   * `run` on a new elector. An elector runs once.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('leader elector already started');
    this.started = true;
    if (!(await this.acquire(signal))) return;
    this.log.info('became leader');
    const leading = new AbortController();
    const failed = new AbortController();
    const work = (async () => {
      try {
        await this.callbacks.onStartedLeading(leading.signal);
      } catch (err) {
        if (leading.signal.aborted) return;
        this.log.error('leader work failed; stepping down', { err });
        failed.abort();
      }
    })();
    try {
      await this.renew(AbortSignal.any([signal, failed.signal]));
    } finally {
      leading.abort();
      await work;
      if (this.releaseOnCancel && (signal.aborted || failed.signal.aborted)) await this.release();
      this.log.info('stopped leading');
      this.call(() => this.callbacks.onStoppedLeading?.());
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.log.info('attempting to acquire leader lease');
    while (!signal.aborted) {
      const ok = await this.tryAcquireOrRenew(signal);
      this.reportTransition();
      if (ok) return true;
      const wait = this.retryPeriodMs * (1 + jitterFactor * this.random());
      await this.pause(wait, signal);
    }
    return false;
  }

  private async renew(signal: AbortSignal): Promise<void> {
    for (;;) {
      await this.pause(this.retryPeriodMs, signal);
      if (signal.aborted) return;
      const deadline = this.clock.now() + this.renewDeadlineMs;
      let renewed = false;
      const window = this.timeout(this.renewDeadlineMs, signal);
      try {
        while (!window.signal.aborted) {
          renewed = await this.tryAcquireOrRenew(window.signal);
          this.reportTransition();
          if (renewed) break;
          await this.pause(this.retryPeriodMs, window.signal);
          if (this.clock.now() >= deadline) break;
        }
      } finally {
        window.cancel();
      }
      if (signal.aborted) return;
      if (!renewed) {
        this.log.warn('failed to renew the lease within the renew deadline; stepping down');
        return;
      }
    }
  }

  // tryAcquireOrRenew is client-go's: one read, then at most one write.
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.clock.now();
    const desired: LeaderElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.leaseDurationMs / 1000)),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    let old: LeaderElectionRecord | undefined;
    try {
      old = await this.lock.get(signal);
    } catch (err) {
      if (!signal.aborted) this.log.warn('cannot read the lease', { err });
      return false;
    }
    if (!old) {
      try {
        await this.lock.create(desired, signal);
      } catch (err) {
        if (!signal.aborted) this.log.info('cannot create the lease (someone else did?)', { err });
        return false;
      }
      this.observe(desired, now);
      return true;
    }
    if (!sameRecord(this.observed, old)) this.observe(old, this.clock.now());
    const validUntil = this.observedTime + old.leaseDurationSeconds * 1000;
    if (old.holderIdentity && old.holderIdentity !== this.identity && validUntil > now) {
      return false;
    }
    if (old.holderIdentity === this.identity) {
      desired.acquireTime = old.acquireTime;
      desired.leaseTransitions = old.leaseTransitions;
    } else {
      desired.leaseTransitions = old.leaseTransitions + 1;
    }
    try {
      await this.lock.update(desired, signal);
    } catch (err) {
      if (!signal.aborted) this.log.info('cannot update the lease (someone else won?)', { err });
      return false;
    }
    this.observe(desired, now);
    return true;
  }

  // release clears the holder so a successor need not wait for expiry.
  private async release(): Promise<void> {
    if (!this.isLeader() || !this.observed) return;
    const now = this.clock.now();
    const rec: LeaderElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: this.observed.leaseTransitions,
    };
    const t = this.timeout(this.renewDeadlineMs);
    try {
      await this.lock.update(rec, t.signal);
      this.observe(rec, now);
      this.log.info('released the lease');
    } catch (err) {
      this.log.warn('cannot release the lease; it will expire', { err });
    } finally {
      t.cancel();
    }
  }

  private observe(rec: LeaderElectionRecord, at: number): void {
    this.observed = rec;
    this.observedTime = at;
  }

  private reportTransition(): void {
    const holder = this.observed?.holderIdentity ?? '';
    if (!holder || holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    this.log.info('new leader observed', { leader: holder });
    this.call(() => this.callbacks.onNewLeader?.(holder));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error('leader election callback threw', { err });
    }
  }

  private async pause(ms: number, signal: AbortSignal): Promise<void> {
    try {
      await this.clock.sleep(ms, signal);
    } catch {
      // aborted: callers check their signal
    }
  }

  // timeout is a signal that aborts after `ms` on the injected clock, or with `parent`.
  private timeout(ms: number, parent?: AbortSignal): { signal: AbortSignal; cancel(): void } {
    const ac = new AbortController();
    const stop = new AbortController();
    this.clock.sleep(ms, stop.signal).then(
      () => ac.abort(new Error('renew deadline passed')),
      () => {},
    );
    const signal = parent ? AbortSignal.any([parent, ac.signal]) : ac.signal;
    return { signal, cancel: () => stop.abort() };
  }
}
