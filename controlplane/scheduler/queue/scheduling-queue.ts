import type { StoredPod } from '../../api/types/index.js';
import { objectKey } from '../../client/index.js';
import { nopLogger, type Logger } from '../../../lib/log.js';
import { realClock, type Clock } from '../../../lib/time.js';
import type { ClusterEvent } from '../framework/index.js';
import { KeyedHeap } from './heap.js';

/**
 * QueuedPod is a pod waiting for (or in) a scheduling attempt. `pod` is
 * always the latest version the informer delivered.
 */
export interface QueuedPod {
  pod: StoredPod;
  readonly key: string;
  /** attempts counts scheduling attempts so far (1 during the first). */
  attempts: number;
  /** cycle is the scheduling cycle of the latest attempt. */
  cycle: number;
  /** timestamp is when it last entered a queue: the order in active, the start of its backoff. */
  timestamp: number;
  /** enqueued is when it was first seen, for the end-to-end latency metric. */
  readonly enqueued: number;
  /** unschedulablePlugins are the filters that rejected it last time (empty after an error). */
  unschedulablePlugins: Set<string>;
}

/** QueueName names where a pod waits; `inFlight` means popped and not yet done. */
export type QueueName = 'active' | 'backoff' | 'unschedulable' | 'inFlight';

/** FailureKind says how an attempt failed: no node fits, or something broke (retry after backoff). */
export type FailureKind = 'unschedulable' | 'error';

/** SchedulingQueueOptions; defaults are kube-scheduler's. */
export interface SchedulingQueueOptions {
  clock?: Clock;
  logger?: Logger;
  /** initialBackoffMs is the first backoff, doubled per attempt (default 1 s). */
  initialBackoffMs?: number;
  /** maxBackoffMs caps the backoff (default 10 s). */
  maxBackoffMs?: number;
  /** maxUnschedulableMs: a pod no event has moved is retried after this long anyway (default 5 min). */
  maxUnschedulableMs?: number;
  /** pluginEvents says which cluster events can help a pod each filter rejected; unknown plugins match every event. */
  pluginEvents?: ReadonlyMap<string, readonly ClusterEvent[]>;
}

interface Flight {
  qp: QueuedPod;
  deleted: boolean;
  /** updated: the pod's spec or labels changed during the attempt. */
  updated: boolean;
}

/** podChanged ignores what the scheduler does not look at (status, resourceVersion, managed fields). */
function podChanged(a: StoredPod, b: StoredPod): boolean {
  const view = (p: StoredPod): string =>
    JSON.stringify([
      p.spec,
      p.metadata.labels,
      p.metadata.annotations,
      p.metadata.ownerReferences,
      p.metadata.deletionTimestamp,
    ]);
  return view(a) !== view(b);
}

/**
 * SchedulingQueue is kube-scheduler's priority queue. `active` is a heap
 * (higher `spec.priority` first, then first come); `pop` waits on it. A pod
 * whose attempt found no node goes to the `unschedulable` set, where it
 * stays until a cluster event that can help it (per `pluginEvents`) moves
 * it out — a node added or changed, a bound pod deleted — or until
 * `maxUnschedulableMs`. Moved pods and pods that failed with an error go
 * through `backoff` (1 s doubling per attempt up to 10 s) before `active`.
 * If an event arrives while a pod is being tried, its failure goes to
 * backoff rather than unschedulable, so the event is not lost. Everything
 * is event-driven: `run` only sleeps until the next backoff expiry.
 * Not safe for use from several threads (JavaScript has one).
 */
export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;
  private readonly pluginEvents: ReadonlyMap<string, readonly ClusterEvent[]>;
  private readonly active = new KeyedHeap<QueuedPod>((a, b) => {
    const pa = a.pod.spec?.priority ?? 0;
    const pb = b.pod.spec?.priority ?? 0;
    return pa !== pb ? pa > pb : a.timestamp < b.timestamp;
  });
  private readonly backoff = new KeyedHeap<QueuedPod>(
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  // Insertion order is timestamp order: the first entry is the oldest.
  private readonly unschedulable = new Map<string, QueuedPod>();
  private readonly inFlight = new Map<string, Flight>();
  private cycle = 0;
  private moveRequestCycle = -1;
  private closed = false;
  private waiters: (() => void)[] = [];
  private timerWake: AbortController | undefined;
  private armedAt = Infinity;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.logger ?? nopLogger;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1_000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 5 * 60_000;
    this.pluginEvents = opts.pluginEvents ?? new Map();
  }

  /** schedulingCycle is the number of pods popped so far. */
  get schedulingCycle(): number {
    return this.cycle;
  }

  /** lengths counts the pods in each place. */
  lengths(): Record<QueueName, number> {
    return {
      active: this.active.size,
      backoff: this.backoff.size,
      unschedulable: this.unschedulable.size,
      inFlight: this.inFlight.size,
    };
  }

  /** where tells where the pod with `key` is, if anywhere. */
  where(key: string): QueueName | undefined {
    if (this.inFlight.has(key)) return 'inFlight';
    if (this.active.has(key)) return 'active';
    if (this.backoff.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    return undefined;
  }

  /** add queues a new pod for scheduling; a pod already known is updated instead. */
  add(pod: StoredPod): void {
    const key = objectKey(pod);
    const known = this.find(key);
    if (known) {
      this.update(known.pod, pod);
      return;
    }
    const now = this.clock.now();
    this.pushActive({
      pod,
      key,
      attempts: 0,
      cycle: 0,
      timestamp: now,
      enqueued: now,
      unschedulablePlugins: new Set(),
    });
  }

  /**
   * update records a new version of a pending pod. An unschedulable pod whose
   * spec or labels changed is retried (after its backoff); a pod not known
   * at all is added.
   */
  update(oldPod: StoredPod, newPod: StoredPod): void {
    const key = objectKey(newPod);
    const flight = this.inFlight.get(key);
    if (flight) {
      flight.qp.pod = newPod;
      if (podChanged(oldPod, newPod)) flight.updated = true;
      return;
    }
    const inActive = this.active.get(key);
    if (inActive) {
      inActive.pod = newPod;
      this.active.push(key, inActive);
      return;
    }
    const inBackoff = this.backoff.get(key);
    if (inBackoff) {
      inBackoff.pod = newPod;
      return;
    }
    const parked = this.unschedulable.get(key);
    if (parked) {
      parked.pod = newPod;
      if (podChanged(oldPod, newPod)) {
        this.unschedulable.delete(key);
        this.backoffOrActive(parked);
      }
      return;
    }
    this.add(newPod);
  }

  /** delete forgets a pod (deleted, or bound by someone); a pod in flight is not requeued. */
  delete(pod: StoredPod): void {
    const key = objectKey(pod);
    const uid = pod.metadata.uid;
    const same = (qp: QueuedPod | undefined): boolean => qp?.pod.metadata.uid === uid;
    if (same(this.active.get(key))) this.active.delete(key);
    if (same(this.backoff.get(key))) this.backoff.delete(key);
    if (same(this.unschedulable.get(key))) this.unschedulable.delete(key);
    const flight = this.inFlight.get(key);
    if (flight && same(flight.qp)) flight.deleted = true;
  }

  /**
   * pop waits for the next pod in active and hands it out for one attempt
   * (it is then in flight until `done` or `requeue`). Resolves undefined once
   * `signal` aborts or the queue is closed.
   */
  async pop(signal: AbortSignal): Promise<QueuedPod | undefined> {
    for (;;) {
      if (this.closed || signal.aborted) return undefined;
      const qp = this.active.pop();
      if (qp) {
        qp.attempts++;
        qp.cycle = ++this.cycle;
        this.inFlight.set(qp.key, { qp, deleted: false, updated: false });
        return qp;
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal.removeEventListener('abort', wake);
          resolve();
        };
        signal.addEventListener('abort', wake, { once: true });
        this.waiters.push(wake);
      });
    }
  }

  /** done ends an attempt that placed the pod (or skipped it). */
  done(qp: QueuedPod): void {
    if (this.inFlight.get(qp.key)?.qp === qp) this.inFlight.delete(qp.key);
  }

  /**
   * requeue ends a failed attempt. A pod deleted or bound meanwhile is
   * dropped. An unschedulable pod is parked until an event can help it —
   * unless such an event (or a change to the pod) arrived during the attempt,
   * and after an error, when it goes to backoff. Returns where it went.
   */
  requeue(
    qp: QueuedPod,
    kind: FailureKind,
    plugins: ReadonlySet<string> = new Set(),
  ): QueueName | 'dropped' {
    const flight = this.inFlight.get(qp.key);
    if (!flight || flight.qp !== qp || flight.deleted) {
      if (flight?.qp === qp) this.inFlight.delete(qp.key);
      return 'dropped';
    }
    this.inFlight.delete(qp.key);
    qp.timestamp = this.clock.now();
    qp.unschedulablePlugins = new Set(plugins);
    if (kind === 'error' || flight.updated || this.moveRequestCycle >= qp.cycle) {
      return this.backoffOrActive(qp);
    }
    this.unschedulable.set(qp.key, qp);
    this.rearm(qp.timestamp + this.maxUnschedulableMs);
    return 'unschedulable';
  }

  /**
   * moveAll moves the unschedulable pods that `event` may help to backoff
   * (or active, if their backoff is over), and remembers the event so that
   * attempts in flight right now fail into backoff. Returns how many moved.
   */
  moveAll(event: ClusterEvent): number {
    this.moveRequestCycle = this.cycle;
    let moved = 0;
    for (const [key, qp] of this.unschedulable) {
      if (!this.helps(event, qp)) continue;
      this.unschedulable.delete(key);
      this.backoffOrActive(qp);
      moved++;
    }
    if (moved > 0) this.log.debug('moved unschedulable pods', { event, moved });
    return moved;
  }

  /** backoffExpiry is when a pod's backoff ends: timestamp + 1 s × 2^(attempts−1), capped. */
  backoffExpiry(qp: QueuedPod): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < qp.attempts && d < this.maxBackoffMs; i++) d *= 2;
    return qp.timestamp + Math.min(d, this.maxBackoffMs);
  }

  /**
   * run moves pods whose backoff ended to active, and pods parked longer than
   * maxUnschedulableMs out of unschedulable, sleeping on the injected clock
   * until the next such deadline. Resolves once `signal` aborts; it then
   * closes the queue.
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.flush();
      const next = this.nextDeadline();
      const wake = new AbortController();
      this.timerWake = wake;
      this.armedAt = next;
      const stop = AbortSignal.any([signal, wake.signal]);
      try {
        if (next === Infinity) {
          await new Promise<void>((resolve) =>
            stop.addEventListener('abort', () => resolve(), { once: true }),
          );
        } else {
          await this.clock.sleep(Math.max(0, next - this.clock.now()), stop);
        }
      } catch {
        // woken early: a nearer deadline, or stopping
      }
    }
    this.close();
  }

  /** close wakes every pop with undefined; the queue hands out nothing after. Idempotent. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
  }

  /** flush moves every pod whose deadline has passed; `run` calls it, tests may too. */
  flush(): void {
    const now = this.clock.now();
    for (
      let qp = this.backoff.peek();
      qp && this.backoffExpiry(qp) <= now;
      qp = this.backoff.peek()
    ) {
      this.backoff.pop();
      this.pushActive(qp);
    }
    for (const [key, qp] of this.unschedulable) {
      if (qp.timestamp + this.maxUnschedulableMs > now) break;
      this.unschedulable.delete(key);
      this.backoffOrActive(qp);
    }
  }

  private helps(event: ClusterEvent, qp: QueuedPod): boolean {
    if (qp.unschedulablePlugins.size === 0) return true;
    for (const p of qp.unschedulablePlugins) {
      const events = this.pluginEvents.get(p);
      if (!events || events.includes(event)) return true;
    }
    return false;
  }

  private backoffOrActive(qp: QueuedPod): QueueName {
    const expiry = this.backoffExpiry(qp);
    if (expiry <= this.clock.now()) {
      this.pushActive(qp);
      return 'active';
    }
    this.backoff.push(qp.key, qp);
    this.rearm(expiry);
    return 'backoff';
  }

  private pushActive(qp: QueuedPod): void {
    this.active.push(qp.key, qp);
    const w = this.waiters.shift();
    w?.();
  }

  private find(key: string): QueuedPod | undefined {
    return (
      this.inFlight.get(key)?.qp ??
      this.active.get(key) ??
      this.backoff.get(key) ??
      this.unschedulable.get(key)
    );
  }

  private nextDeadline(): number {
    let next = Infinity;
    const b = this.backoff.peek();
    if (b) next = this.backoffExpiry(b);
    const oldest = this.unschedulable.values().next();
    if (!oldest.done) next = Math.min(next, oldest.value.timestamp + this.maxUnschedulableMs);
    return next;
  }

  // rearm wakes `run` when a deadline nearer than the one it sleeps towards appears.
  private rearm(deadline: number): void {
    if (deadline < this.armedAt) this.timerWake?.abort();
  }
}
