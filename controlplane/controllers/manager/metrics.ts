import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ControllerMetrics } from '../controller.js';

/**
 * ManagerMetrics are the controller manager's Prometheus metrics on a
 * registry of their own: per controller, workqueue depth, adds and retries
 * (client-go's workqueue metric names) and reconcile latency and outcomes;
 * plus whether this process leads. It is the ControllerMetrics the
 * controllers' context carries.
 */
export class ManagerMetrics implements ControllerMetrics {
  readonly registry = new Registry();
  private readonly depths = new Map<string, () => number>();
  private readonly adds: Counter<'name'>;
  private readonly retries: Counter<'name'>;
  private readonly duration: Histogram<'controller'>;
  private readonly reconciles: Counter<'controller' | 'result'>;
  private readonly leader: Gauge<'name'>;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const depths = this.depths;
    new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of each controller workqueue (keys ready to be processed).',
      labelNames: ['name'],
      registers,
      collect() {
        this.reset();
        for (const [name, depth] of depths) this.set({ name }, depth());
      },
    });
    this.adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Keys added to each controller workqueue (add, addAfter, addRateLimited requests).',
      labelNames: ['name'],
      registers,
    });
    this.retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Keys re-queued with backoff after a failed reconcile, per controller.',
      labelNames: ['name'],
      registers,
    });
    this.duration = new Histogram({
      name: 'controller_reconcile_duration_seconds',
      help: 'Time one reconcile took, per controller.',
      labelNames: ['controller'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.reconciles = new Counter({
      name: 'controller_reconcile_total',
      help: 'Reconciles per controller, by result (success or error).',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.leader = new Gauge({
      name: 'leader_election_master_status',
      help: '1 while this process holds the leader lease, else 0.',
      labelNames: ['name'],
      registers,
    });
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  queueAdded(name: string): void {
    this.adds.inc({ name });
  }

  queueRetried(name: string): void {
    this.retries.inc({ name });
  }

  watchDepth(name: string, depth: () => number): void {
    this.depths.set(name, depth);
  }

  reconciled(name: string, seconds: number, ok: boolean): void {
    this.duration.observe({ controller: name }, seconds);
    this.reconciles.inc({ controller: name, result: ok ? 'success' : 'error' });
  }

  /** leading records whether this process leads (lease `name`). */
  leading(name: string, yes: boolean): void {
    this.leader.set({ name }, yes ? 1 : 0);
  }
}
