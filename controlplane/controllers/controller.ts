import type { Logger } from '../../lib/log.js';
import type { Clock } from '../../lib/time.js';
import type { EventRecorder } from '../client/events.js';
import {
  runWorkers,
  waitForCacheSync,
  WorkQueue,
  type InformerFactory,
  type RestClient,
} from '../client/index.js';

/**
 * The contract every controller of the controller manager follows
 * (STYLE.md): informers whose handlers only enqueue keys, a rate-limited
 * workqueue, and a `reconcile(key)` that reads caches and takes one step.
 */

/** ControllerManagerOptions are the controller manager's flags that controllers read. */
export interface ControllerManagerOptions {
  /** clusterCidr is the pod network, split into one /24 per node (--cluster-cidr, default 10.244.0.0/16). */
  clusterCidr: string;
  /** nodeCidrMaskSize is the per-node prefix length (default 24). */
  nodeCidrMaskSize: number;
  /** nodeMonitorGracePeriodMs: a node whose Lease is older is NotReady/Unknown (default 40 s). */
  nodeMonitorGracePeriodMs: number;
  /** podEvictionTimeoutMs: default toleration for not-ready/unreachable taints (default 300 s). */
  podEvictionTimeoutMs: number;
  /** terminatedPodGcThreshold: terminated pods kept before the oldest are deleted (default 12500). */
  terminatedPodGcThreshold: number;
  /** workers per controller (default 5; --concurrent-*-syncs in Kubernetes). */
  workers: number;
}

export const defaultControllerManagerOptions: ControllerManagerOptions = {
  clusterCidr: '10.244.0.0/16',
  nodeCidrMaskSize: 24,
  nodeMonitorGracePeriodMs: 40_000,
  podEvictionTimeoutMs: 300_000,
  terminatedPodGcThreshold: 12_500,
  workers: 5,
};

/** ControllerContext is what the controller manager gives each controller. */
export interface ControllerContext {
  rest: RestClient;
  /** informers is shared by every controller: one list+watch per resource. */
  informers: InformerFactory;
  /** recorder makes an event recorder reporting as `component`. */
  recorder(component: string): EventRecorder;
  clock: Clock;
  logger: Logger;
  options: ControllerManagerOptions;
  /**
   * metrics instruments queues and reconciles (the manager's /metrics).
   * Optional: tests may leave it out; `newControllerQueue` and
   * `runController` use it when present.
   */
  metrics?: ControllerMetrics;
}

/**
 * ControllerMetrics is what the manager measures for each controller, by
 * name: workqueue depth, adds and retries, and reconcile latency. Every
 * method is cheap and never throws.
 */
export interface ControllerMetrics {
  /** queueAdded counts one `add`/`addAfter`/`addRateLimited` request on `name`'s queue. */
  queueAdded(name: string): void;
  /** queueRetried counts one rate-limited re-queue (a failed reconcile). */
  queueRetried(name: string): void;
  /** watchDepth registers a reader of `name`'s queue depth, read at scrape time. */
  watchDepth(name: string, depth: () => number): void;
  /** reconciled records one reconcile of `name` that took `seconds` and succeeded or failed. */
  reconciled(name: string, seconds: number, ok: boolean): void;
}

/** MeteredWorkQueue is a WorkQueue that reports adds and retries to ControllerMetrics. */
class MeteredWorkQueue extends WorkQueue<string> {
  constructor(
    ctx: ControllerContext,
    private readonly queueName: string,
    private readonly metrics: ControllerMetrics,
  ) {
    super({ clock: ctx.clock });
    metrics.watchDepth(queueName, () => this.len);
  }

  override add(key: string): void {
    if (!this.shuttingDown) this.metrics.queueAdded(this.queueName);
    super.add(key);
  }

  override addRateLimited(key: string): void {
    if (!this.shuttingDown) this.metrics.queueRetried(this.queueName);
    super.addRateLimited(key);
  }
}

/**
 * newControllerQueue makes the rate-limited workqueue of controller `name`
 * on the context's clock (client-go's default controller rate limiter),
 * reporting to `ctx.metrics` when the context has them.
 */
export function newControllerQueue(ctx: ControllerContext, name: string): WorkQueue<string> {
  return ctx.metrics
    ? new MeteredWorkQueue(ctx, name, ctx.metrics)
    : new WorkQueue<string>({ clock: ctx.clock });
}

/** RunControllerOptions describe one controller's worker loop for `runController`. */
export interface RunControllerOptions {
  name: string;
  queue: WorkQueue<string>;
  /** reconcile handles one key; throwing re-queues it with backoff. */
  reconcile(key: string, signal: AbortSignal): Promise<void>;
  /** informers are the caches that must have synced before workers start. */
  informers: readonly { waitForSync(signal?: AbortSignal): Promise<boolean> }[];
  /** workers defaults to `ctx.options.workers`. */
  workers?: number;
}

/**
 * runController is the usual `Controller.run`: it waits for the informers
 * to sync, then runs the workers until `signal` aborts, timing every
 * reconcile into `ctx.metrics`. It resolves once the workers stopped (at
 * once if the signal aborts before the caches synced).
 */
export async function runController(
  ctx: ControllerContext,
  opts: RunControllerOptions,
  signal: AbortSignal,
): Promise<void> {
  const log = ctx.logger.with({ controller: opts.name });
  log.info('waiting for caches to sync');
  if (!(await waitForCacheSync(signal, ...opts.informers))) {
    opts.queue.shutDown();
    return;
  }
  log.info('caches synced; starting workers', { workers: opts.workers ?? ctx.options.workers });
  const metrics = ctx.metrics;
  const reconcile = metrics
    ? async (key: string, s: AbortSignal): Promise<void> => {
        const start = performance.now();
        let ok = false;
        try {
          await opts.reconcile(key, s);
          ok = true;
        } finally {
          metrics.reconciled(opts.name, (performance.now() - start) / 1000, ok);
        }
      }
    : opts.reconcile;
  await runWorkers(opts.queue, opts.workers ?? ctx.options.workers, reconcile, signal, log);
  log.info('stopped');
}

/** Controller is one control loop. */
export interface Controller {
  /** name is the controller's name (`replicaset`, `deployment`, `garbagecollector`, …). */
  readonly name: string;
  /**
   * run waits for the caches it needs, runs its workers, and resolves once
   * `signal` aborts and its workers have stopped. Its informers' handlers are
   * registered when it is constructed, before the factory starts.
   */
  run(signal: AbortSignal): Promise<void>;
}

/** ControllerFactory constructs a controller (registering its informer handlers). */
export type ControllerFactory = (ctx: ControllerContext) => Controller;
