import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { findResource } from '../../api/resources.js';
import type { Lease } from '../../api/types/index.js';
import {
  ApiEventRecorder,
  InformerFactory,
  LeaderElector,
  leaseLock,
  type RestClient,
} from '../../client/index.js';
import { nopLogger, type Logger } from '../../../lib/log.js';
import { realClock, type Clock } from '../../../lib/time.js';
import type { ControllerContext, ControllerManagerOptions } from '../controller.js';
import type { ControllerEntry } from './controllers.js';
import { serveMetrics } from './http.js';
import { ManagerMetrics } from './metrics.js';

const leasesInfo = findResource('coordination.k8s.io', 'v1', 'leases')!;

/** LeaderElectionConfig: kube-controller-manager's --leader-elect-* flags. */
export interface LeaderElectionConfig {
  /** namespace and name of the Lease (default kube-system/kube-controller-manager). */
  namespace: string;
  name: string;
  /** identity defaults to `<hostname>_<uuid>`. */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/** ControllerManagerConfig is everything a ControllerManager needs. */
export interface ControllerManagerConfig {
  rest: RestClient;
  /** controllers to run, already selected (selectControllers). */
  controllers: readonly ControllerEntry[];
  options: ControllerManagerOptions;
  /** leaderElection runs the controllers only while holding the Lease; off when absent. */
  leaderElection?: LeaderElectionConfig;
  /** metrics serves /metrics and /healthz on host:port (port 0: any free port); off when absent. */
  metrics?: { host: string; port: number };
  clock?: Clock;
  logger?: Logger;
}

/** LeaderElectionLostError: this process led and lost its lease; it must exit and restart. */
export class LeaderElectionLostError extends Error {
  override name = 'LeaderElectionLostError';
}

/**
 * ControllerManager runs a set of controllers in one process
 * (kube-controller-manager): one shared InformerFactory; every controller
 * constructed — its handlers registered — before the informers start;
 * each controller's workers start once its caches synced (its own `run`).
 * With leader election, the controllers run only while this process holds
 * the Lease; losing it ends `run` with LeaderElectionLostError (the
 * process should exit and restart, as Kubernetes' does). Aborting `run`'s
 * signal stops the controllers, flushes pending events and releases the
 * Lease. It serves /metrics and /healthz meanwhile. Runs once.
 */
export class ControllerManager {
  readonly metrics = new ManagerMetrics();
  private readonly clock: Clock;
  private readonly log: Logger;
  private listening: ((port: number) => void) | undefined;
  private readonly portKnown: Promise<number>;
  private leading = false;
  private everLed = false;
  private started = false;

  constructor(private readonly config: ControllerManagerConfig) {
    this.clock = config.clock ?? realClock;
    this.log = (config.logger ?? nopLogger).with({ component: 'controller-manager' });
    this.portKnown = new Promise((resolve) => (this.listening = resolve));
  }

  /** metricsPort resolves with the port /metrics listens on, once it does. */
  metricsPort(): Promise<number> {
    return this.portKnown;
  }

  /** isLeading tells whether the controllers are running now. */
  isLeading(): boolean {
    return this.leading;
  }

  /**
   * run serves metrics, campaigns for leadership (if configured) and runs
   * the controllers until `signal` aborts. It rejects with
   * LeaderElectionLostError if leadership was lost, or with the error of a
   * controller that failed (the others are stopped first).
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('controller manager already started');
    this.started = true;
    const server = this.config.metrics
      ? await serveMetrics(
          this.metrics,
          this.config.metrics.host,
          this.config.metrics.port,
          {},
          signal,
          this.log,
        )
      : undefined;
    if (server) {
      this.log.info('serving metrics', { port: server.port });
      this.listening?.(server.port);
    }
    try {
      const le = this.config.leaderElection;
      if (!le) {
        await this.runControllers(signal);
        return;
      }
      await this.runElected(le, signal);
    } finally {
      await server?.closed;
    }
  }

  private async runElected(le: LeaderElectionConfig, signal: AbortSignal): Promise<void> {
    const identity = le.identity ?? `${hostname()}_${randomUUID()}`;
    let failure: unknown;
    const elector = new LeaderElector({
      lock: leaseLock(this.config.rest.resource<Lease>(leasesInfo), le.namespace, le.name),
      identity,
      clock: this.clock,
      logger: this.log,
      ...(le.leaseDurationMs ? { leaseDurationMs: le.leaseDurationMs } : {}),
      ...(le.renewDeadlineMs ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
      ...(le.retryPeriodMs ? { retryPeriodMs: le.retryPeriodMs } : {}),
      callbacks: {
        onStartedLeading: async (leading) => {
          this.metrics.leading(le.name, true);
          try {
            await this.runControllers(leading);
          } catch (e) {
            failure = e;
            throw e;
          }
        },
        onStoppedLeading: () => this.metrics.leading(le.name, false),
        onNewLeader: (id) => {
          if (id !== identity) this.log.info('another process leads', { leader: id });
        },
      },
    });
    this.metrics.leading(le.name, false);
    await elector.run(signal);
    if (failure !== undefined) throw failure;
    if (!signal.aborted && this.everLed) {
      throw new LeaderElectionLostError(`leader election lost (lease ${le.namespace}/${le.name})`);
    }
  }

  private async runControllers(signal: AbortSignal): Promise<void> {
    const { rest, options, controllers } = this.config;
    this.everLed = true;
    this.leading = true;
    const stop = new AbortController();
    const s = AbortSignal.any([signal, stop.signal]);
    // Every informer, controller and worker pool listens on this one signal.
    setMaxListeners(0, s);
    const informers = new InformerFactory(rest, { clock: this.clock, logger: this.log });
    const recorders: ApiEventRecorder[] = [];
    const ctx: ControllerContext = {
      rest,
      informers,
      recorder: (component) => {
        const r = new ApiEventRecorder(rest, { component, clock: this.clock, logger: this.log });
        recorders.push(r);
        return r;
      },
      clock: this.clock,
      logger: this.log,
      options,
      metrics: this.metrics,
    };
    try {
      const built = controllers.map((entry) => {
        try {
          return entry.factory(ctx);
        } catch (e) {
          throw new Error(`cannot start controller ${entry.name}: ${(e as Error).message}`, {
            cause: e,
          });
        }
      });
      this.log.info('starting controllers', { controllers: built.map((c) => c.name).join(',') });
      let failure: unknown;
      const runs = built.map((c) =>
        c.run(s).catch((e: unknown) => {
          this.log.error('controller failed; stopping the others', { controller: c.name, err: e });
          failure ??= e;
          stop.abort();
        }),
      );
      await Promise.all([informers.run(s), ...runs]);
      if (failure !== undefined) throw failure;
    } finally {
      this.leading = false;
      stop.abort();
      // Events already recorded are worth sending before the process goes (briefly).
      const giveUp = new AbortController();
      await Promise.race([
        Promise.all(recorders.map((r) => r.flush())),
        this.clock.sleep(2000, giveUp.signal).catch(() => {}),
      ]);
      giveUp.abort();
      this.log.info('controllers stopped');
    }
  }
}
