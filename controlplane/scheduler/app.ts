import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { findResource } from '../api/resources.js';
import type { Lease, Node, Pod } from '../api/types/index.js';
import {
  ApiEventRecorder,
  InformerFactory,
  LeaderElector,
  leaseLock,
  type EventRecorder,
  type RestClient,
} from '../client/index.js';
import { nopLogger, type Logger } from '../../lib/log.js';
import { realClock, type Clock } from '../../lib/time.js';
import { restSchedulerClient } from './client.js';
import { SchedulerMetrics } from './metrics.js';
import { DEFAULT_SCHEDULER_NAME, defaultProfile } from './plugins/index.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

/** LeaderElectionConfig is kube-scheduler's `--leader-elect*` flags. */
export interface LeaderElectionConfig {
  /** enabled: compete for the lease and schedule only while holding it (default true). */
  enabled: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  resourceNamespace: string;
  resourceName: string;
}

/** defaultLeaderElection is kube-scheduler's: Lease kube-system/kube-scheduler, 15 s / 10 s / 2 s. */
export const defaultLeaderElection: LeaderElectionConfig = {
  enabled: true,
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
  resourceNamespace: 'kube-system',
  resourceName: 'kube-scheduler',
};

/** SchedulerAppOptions configure a whole scheduler process; only `rest` is required. */
export interface SchedulerAppOptions {
  rest: RestClient;
  schedulerName?: string;
  leaderElection?: Partial<LeaderElectionConfig>;
  /** identity names this candidate in the lease; default `hostname_uuid`. */
  identity?: string;
  metrics?: SchedulerMetrics;
  /** recorder defaults to an ApiEventRecorder reporting as `default-scheduler`. */
  recorder?: EventRecorder;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
  queue?: SchedulerOptions['queue'];
}

/** LeaderLostError ends a scheduler that lost its lease: like kube-scheduler, it exits and restarts. */
export class LeaderLostError extends Error {
  override name = 'LeaderLostError';
}

const podsInfo = findResource('', 'v1', 'pods')!;
const nodesInfo = findResource('', 'v1', 'nodes')!;
const leasesInfo = findResource('coordination.k8s.io', 'v1', 'leases')!;

/**
 * SchedulerApp is a scheduler process minus flags and signals: the pod and
 * node informers (started at once, so a standby's caches are warm), the
 * Scheduler, and — unless disabled — leader election on the Lease
 * `kube-system/kube-scheduler`, so that of several replicas only the holder
 * schedules. Pods come from one informer over every non-terminal pod
 * (`status.phase!=Succeeded,status.phase!=Failed`), which both feeds the
 * queue (unbound ones) and the cache (bound ones).
 */
export class SchedulerApp {
  readonly metrics: SchedulerMetrics;
  readonly identity: string;
  readonly scheduler: Scheduler;
  private readonly informers: InformerFactory;
  private readonly apiRecorder: ApiEventRecorder | undefined;
  private readonly le: LeaderElectionConfig;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly rest: RestClient;
  private readonly synced: (() => boolean)[];
  private leading = false;

  constructor(opts: SchedulerAppOptions) {
    this.rest = opts.rest;
    this.clock = opts.clock ?? realClock;
    this.log = opts.logger ?? nopLogger;
    this.le = { ...defaultLeaderElection, ...opts.leaderElection };
    this.identity = opts.identity ?? `${hostname()}_${randomUUID()}`;
    this.metrics = opts.metrics ?? new SchedulerMetrics();
    this.informers = new InformerFactory(opts.rest, { clock: this.clock, logger: this.log });
    const pods = this.informers.informerFor<Pod>(podsInfo, {
      fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed',
    });
    const nodes = this.informers.informerFor<Node>(nodesInfo);
    this.synced = [() => pods.hasSynced(), () => nodes.hasSynced()];
    const schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    if (!opts.recorder) {
      this.apiRecorder = new ApiEventRecorder(opts.rest, {
        component: schedulerName,
        host: hostname(),
        clock: this.clock,
        logger: this.log,
      });
    }
    this.scheduler = new Scheduler({
      pods,
      nodes,
      client: restSchedulerClient(opts.rest),
      recorder: opts.recorder ?? (this.apiRecorder as EventRecorder),
      profile: defaultProfile(schedulerName),
      clock: this.clock,
      logger: this.log,
      metrics: this.metrics,
      ...(opts.random ? { random: opts.random } : {}),
      ...(opts.queue ? { queue: opts.queue } : {}),
    });
  }

  /** isLeader tells whether this instance schedules now (always true without leader election once running). */
  isLeader(): boolean {
    return this.leading;
  }

  /** ready tells whether the informers have synced. */
  ready(): boolean {
    return this.synced.every((s) => s());
  }

  /**
   * run starts the informers and schedules — at once, or once elected —
   * until `signal` aborts; then it releases the lease, lets bindings in
   * flight finish, flushes events and resolves. It rejects with
   * LeaderLostError if the lease is lost without being asked to stop.
   */
  async run(signal: AbortSignal): Promise<void> {
    const stop = new AbortController();
    const sig = AbortSignal.any([signal, stop.signal]);
    const informing = this.informers.run(sig);
    try {
      if (!this.le.enabled) {
        this.leading = true;
        await this.scheduler.run(sig);
        return;
      }
      await this.elector().run(sig);
      if (!signal.aborted) throw new LeaderLostError('leader election lost');
    } finally {
      this.leading = false;
      stop.abort();
      await informing;
      await this.apiRecorder?.flush();
    }
  }

  private elector(): LeaderElector {
    const name = this.le.resourceName;
    return new LeaderElector({
      lock: leaseLock(this.rest.resource<Lease>(leasesInfo), this.le.resourceNamespace, name),
      identity: this.identity,
      leaseDurationMs: this.le.leaseDurationMs,
      renewDeadlineMs: this.le.renewDeadlineMs,
      retryPeriodMs: this.le.retryPeriodMs,
      clock: this.clock,
      logger: this.log,
      callbacks: {
        onStartedLeading: (s) => {
          this.leading = true;
          this.metrics.leader.set({ name }, 1);
          return this.scheduler.run(s);
        },
        onStoppedLeading: () => {
          this.leading = false;
          this.metrics.leader.set({ name }, 0);
        },
        onNewLeader: (id) => {
          if (id !== this.identity) this.log.info('another scheduler leads', { leader: id });
        },
      },
    });
  }
}
