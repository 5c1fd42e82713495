import { isConflict, isNotFound } from '../api/errors.js';
import type { PodCondition, StoredNode, StoredPod } from '../api/types/index.js';
import {
  waitForCacheSync,
  type EventHandler,
  type EventRecorder,
  type HandlerRegistration,
} from '../client/index.js';
import { nopLogger, type Logger } from '../../lib/log.js';
import { realClock, type Clock } from '../../lib/time.js';
import { podInfoOf, SchedulerCache } from './cache/index.js';
import type { SchedulerClient } from './client.js';
import {
  CycleState,
  FitError,
  findFeasibleNodes,
  isFitError,
  scoreNodes,
  selectHost,
  type ClusterEvent,
  type PodContext,
  type Profile,
} from './framework/index.js';
import { SchedulerMetrics } from './metrics.js';
import { defaultProfile } from './plugins/index.js';
import { SchedulingQueue, type QueuedPod, type SchedulingQueueOptions } from './queue/index.js';

/** InformerSource is the part of a SharedInformer the scheduler uses; tests pass a fake. */
export interface InformerSource<O> {
  addEventHandler(handler: EventHandler<O>): HandlerRegistration;
  waitForSync(signal?: AbortSignal): Promise<boolean>;
}

/** SchedulerOptions are the scheduler's collaborators; all but the first four have defaults. */
export interface SchedulerOptions {
  /** pods delivers every non-terminal pod, bound or not. */
  pods: InformerSource<StoredPod>;
  nodes: InformerSource<StoredNode>;
  client: SchedulerClient;
  recorder: EventRecorder;
  profile?: Profile;
  clock?: Clock;
  logger?: Logger;
  metrics?: SchedulerMetrics;
  /** random breaks ties between equally scored nodes; default Math.random. */
  random?: () => number;
  queue?: Pick<SchedulingQueueOptions, 'initialBackoffMs' | 'maxBackoffMs' | 'maxUnschedulableMs'>;
}

/** SchedulingError is an attempt that failed for a reason other than "no node fits". */
export class SchedulingError extends Error {
  override name = 'SchedulingError';
}

const isTerminal = (p: StoredPod): boolean =>
  p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const isAssigned = (p: StoredPod): boolean => !!p.spec?.nodeName;
const isGated = (p: StoredPod): boolean => (p.spec?.schedulingGates?.length ?? 0) > 0;

// nodeView is what of a Node can change a scheduling decision (not heartbeats).
function nodeView(n: StoredNode): string {
  return JSON.stringify([
    n.metadata.labels,
    n.spec?.unschedulable,
    n.spec?.taints,
    n.status?.allocatable,
    (n.status?.conditions ?? []).map((c) => [c.type, c.status]),
  ]);
}

/** YIELD_EVERY is how many attempts run back to back before the loop lets I/O in. */
const YIELD_EVERY = 32;

/**
 * Scheduler is kube-scheduler's scheduling loop. Informer events feed a
 * SchedulingQueue (pending pods of its schedulerName) and a SchedulerCache
 * (nodes, bound pods). Each attempt pops one pod and, synchronously,
 * filters every node, scores the feasible ones, picks the best, and assumes
 * the pod onto it in the cache; the binding (POST pods/NAME/binding) then
 * runs in the background while the next pod is scheduled. A failed binding
 * is forgotten and retried with backoff; a 409 (bound by someone else, or
 * being deleted) or 404 drops the pod. A pod no node fits gets
 * `PodScheduled=False, reason Unschedulable` with kube-scheduler's
 * "0/N nodes are available: …" message and a FailedScheduling event, and is
 * retried when a node is added or changes or a bound pod goes away.
 */
export class Scheduler {
  readonly queue: SchedulingQueue;
  readonly cache = new SchedulerCache();
  readonly metrics: SchedulerMetrics;
  readonly profile: Profile;
  private readonly pods: InformerSource<StoredPod>;
  private readonly nodes: InformerSource<StoredNode>;
  private readonly client: SchedulerClient;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly random: () => number;
  private readonly registrations: HandlerRegistration[];
  private readonly pending = new Set<Promise<void>>();
  private started = false;

  constructor(opts: SchedulerOptions) {
    this.pods = opts.pods;
    this.nodes = opts.nodes;
    this.client = opts.client;
    this.recorder = opts.recorder;
    this.profile = opts.profile ?? defaultProfile();
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? nopLogger).with({ scheduler: this.profile.schedulerName });
    this.random = opts.random ?? Math.random;
    this.metrics = opts.metrics ?? new SchedulerMetrics();
    const pluginEvents = new Map<string, readonly ClusterEvent[]>(
      this.profile.filters.map((f) => [f.name, f.events]),
    );
    this.queue = new SchedulingQueue({
      ...opts.queue,
      clock: this.clock,
      logger: this.log,
      pluginEvents,
    });
    this.metrics.observePending(() => this.queue.lengths());
    this.registrations = [
      this.pods.addEventHandler({
        onAdd: (p) => this.onPodAdd(p),
        onUpdate: (o, n) => this.onPodUpdate(o, n),
        onDelete: (p) => this.onPodDelete(p),
      }),
      this.nodes.addEventHandler({
        onAdd: (n) => this.onNodeAdd(n),
        onUpdate: (o, n) => this.onNodeUpdate(o, n),
        onDelete: (n) => this.cache.removeNode(n),
      }),
    ];
  }

  /**
   * run waits for the informers to sync, then schedules pods one after
   * another until `signal` aborts; it resolves once the bindings and status
   * writes in flight have finished. A scheduler runs once.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('scheduler already started');
    this.started = true;
    if (!(await waitForCacheSync(signal, this.pods, this.nodes))) return;
    this.log.info('caches synced; scheduling', { nodes: this.cache.nodeCount });
    const queueRun = this.queue.run(signal);
    try {
      let n = 0;
      while (await this.scheduleOne(signal)) {
        if (++n % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      await queueRun;
      await this.settle();
      for (const r of this.registrations) r.remove();
    }
  }

  /**
   * scheduleOne pops the next pod (waiting for one) and runs its scheduling
   * cycle; its binding continues in the background (see `settle`). Resolves
   * false once the queue is closed or `signal` aborted.
   */
  async scheduleOne(signal: AbortSignal): Promise<boolean> {
    const qp = await this.queue.pop(signal);
    if (!qp) return false;
    this.attempt(qp);
    return true;
  }

  /** settle resolves once every binding and status write started so far has finished. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * schedulePod picks a node for `pod` from the cache, or throws a FitError
   * (no node fits) or a SchedulingError (a filter failed unexpectedly). It
   * changes nothing.
   */
  schedulePod(pod: StoredPod): string {
    const nodes = this.cache.nodeInfos();
    if (nodes.length === 0) throw new FitError(0, new Map());
    const ctx: PodContext = { pod, info: podInfoOf(pod), state: new CycleState() };
    const { feasible, statuses } = findFeasibleNodes(this.profile, ctx, nodes);
    for (const [node, s] of statuses) {
      if (s.code === 'Error') {
        throw new SchedulingError(`running ${s.plugin} on node ${node}: ${s.reasons.join(', ')}`, {
          cause: s.error,
        });
      }
    }
    if (feasible.length === 0) throw new FitError(nodes.length, statuses);
    if (feasible.length === 1) return (feasible[0] as { name: string }).name;
    const scores = scoreNodes(this.profile, ctx, feasible);
    this.log.debug('scored nodes', { pod: ctx.info.key, scores });
    return selectHost(scores, this.random) as string;
  }

  // attempt is one scheduling cycle: synchronous from pop to assume.
  private attempt(qp: QueuedPod): void {
    const pod = qp.pod;
    if (
      pod.metadata.deletionTimestamp ||
      isAssigned(pod) ||
      this.cache.isAssumed(pod.metadata.uid)
    ) {
      this.queue.done(qp);
      return;
    }
    const start = this.clock.now();
    let node: string;
    try {
      node = this.schedulePod(pod);
    } catch (e) {
      this.observeAttempt(isFitError(e) ? 'unschedulable' : 'error', start);
      this.fail(qp, e);
      return;
    }
    const assumed = structuredClone(pod) as StoredPod;
    assumed.spec = { ...(assumed.spec ?? { containers: [] }), nodeName: node };
    try {
      this.cache.assumePod(assumed);
    } catch (e) {
      this.observeAttempt('error', start);
      this.fail(qp, e);
      return;
    }
    this.track(this.bind(qp, assumed, node, start));
  }

  // bind is the binding cycle, run in the background.
  private async bind(
    qp: QueuedPod,
    assumed: StoredPod,
    node: string,
    start: number,
  ): Promise<void> {
    const bindStart = this.clock.now();
    try {
      await this.client.bind(assumed, node);
    } catch (e) {
      this.cache.forgetPod(assumed);
      // What it held on the node is free again.
      this.queue.moveAll('PodDelete');
      this.observeAttempt('error', start);
      if (isConflict(e) || isNotFound(e)) {
        this.log.info('binding refused; dropping the pod', { pod: qp.key, node, err: e });
        this.queue.done(qp);
        return;
      }
      this.fail(qp, new SchedulingError(`Binding rejected: ${errorText(e)}`, { cause: e }));
      return;
    }
    const now = this.clock.now();
    this.cache.finishBinding(assumed);
    this.queue.done(qp);
    this.metrics.bindingDuration.observe((now - bindStart) / 1000);
    this.observeAttempt('scheduled', start);
    this.metrics.podSchedulingDuration.observe(
      { attempts: String(qp.attempts) },
      (now - qp.enqueued) / 1000,
    );
    const ns = assumed.metadata.namespace ?? 'default';
    this.log.debug('bound', { pod: qp.key, node });
    this.recorder.event(
      subjectOf(qp.pod),
      'Normal',
      'Scheduled',
      `Successfully assigned ${ns}/${assumed.metadata.name} to ${node}`,
    );
  }

  // fail requeues a pod after a failed attempt and reports why on the pod.
  private fail(qp: QueuedPod, err: unknown): void {
    const fit = isFitError(err);
    const where = this.queue.requeue(
      qp,
      fit ? 'unschedulable' : 'error',
      fit ? err.unschedulablePlugins() : new Set(),
    );
    if (where === 'dropped') return;
    const message = errorText(err);
    const pod = qp.pod;
    this.log.info('unable to schedule pod', { pod: qp.key, queue: where, reason: message });
    this.recorder.event(subjectOf(pod), 'Warning', 'FailedScheduling', message);
    const reason = fit ? 'Unschedulable' : 'SchedulerError';
    const old = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (old?.status === 'False' && old.reason === reason && old.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      lastProbeTime: null,
      lastTransitionTime:
        old?.status === 'False' && old.lastTransitionTime
          ? old.lastTransitionTime
          : rfc3339(this.clock.now()),
      reason,
      message,
    };
    this.track(
      this.client.setPodScheduledCondition(pod, condition).catch((e: unknown) => {
        if (!isNotFound(e))
          this.log.warn('cannot update the PodScheduled condition', { pod: qp.key, err: e });
      }),
    );
  }

  private observeAttempt(result: 'scheduled' | 'unschedulable' | 'error', start: number): void {
    const labels = { result, profile: this.profile.schedulerName };
    this.metrics.attempts.inc(labels);
    this.metrics.attemptDuration.observe(labels, (this.clock.now() - start) / 1000);
  }

  private track(p: Promise<void>): void {
    const t = p.catch((e: unknown) => this.log.error('background write failed', { err: e }));
    this.pending.add(t);
    void t.finally(() => this.pending.delete(t));
  }

  private responsible(p: StoredPod): boolean {
    return (p.spec?.schedulerName || 'default-scheduler') === this.profile.schedulerName;
  }

  private onPodAdd(p: StoredPod): void {
    if (isTerminal(p)) return;
    if (isAssigned(p)) this.cache.addPod(p);
    else if (this.responsible(p) && !isGated(p)) this.queue.add(p);
  }

  private onPodUpdate(oldPod: StoredPod, p: StoredPod): void {
    if (isAssigned(p)) {
      if (!isAssigned(oldPod)) this.queue.delete(oldPod);
      if (isTerminal(p)) {
        this.cache.removePod(p);
        this.queue.moveAll('PodDelete');
      } else {
        this.cache.updatePod(p);
      }
      return;
    }
    if (!this.responsible(p) || isTerminal(p) || isGated(p)) {
      this.queue.delete(p);
      return;
    }
    this.queue.update(oldPod, p);
  }

  private onPodDelete(p: StoredPod): void {
    if (isAssigned(p)) {
      this.cache.removePod(p);
      this.queue.moveAll('PodDelete');
    } else {
      this.queue.delete(p);
    }
  }

  private onNodeAdd(n: StoredNode): void {
    this.cache.addNode(n);
    this.queue.moveAll('NodeAdd');
  }

  private onNodeUpdate(oldNode: StoredNode, n: StoredNode): void {
    this.cache.addNode(n);
    if (nodeView(oldNode) !== nodeView(n)) this.queue.moveAll('NodeUpdate');
  }
}

function subjectOf(pod: StoredPod): StoredPod {
  return { ...pod, apiVersion: pod.apiVersion || 'v1', kind: pod.kind || 'Pod' };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
