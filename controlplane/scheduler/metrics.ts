import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueName } from './queue/index.js';

/** AttemptResult labels a scheduling attempt's outcome, as kube-scheduler does. */
export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

/** SchedulerMetricsOptions: `processMetrics` adds prom-client's process metrics (binaries only). */
export interface SchedulerMetricsOptions {
  registry?: Registry;
  processMetrics?: boolean;
}

const latencyBuckets = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30];

/**
 * SchedulerMetrics are the scheduler's Prometheus metrics on a registry of
 * their own, with kube-scheduler's names: attempts by result, the latency of
 * one attempt (filter, score, and — for a success — the binding), the time
 * from first sight to bound, pending pods per queue, and leadership.
 */
export class SchedulerMetrics {
  readonly registry: Registry;
  readonly attempts: Counter<'result' | 'profile'>;
  readonly attemptDuration: Histogram<'result' | 'profile'>;
  readonly podSchedulingDuration: Histogram<'attempts'>;
  readonly bindingDuration: Histogram;
  readonly pending: Gauge<'queue'>;
  readonly leader: Gauge<'name'>;
  private pendingSource: (() => Record<QueueName, number>) | undefined;

  constructor(opts: SchedulerMetricsOptions = {}) {
    this.registry = opts.registry ?? new Registry();
    const registers = [this.registry];
    this.attempts = new Counter({
      name: 'scheduler_schedule_attempts_total',
      help: 'Scheduling attempts, by result (scheduled, unschedulable, error).',
      labelNames: ['result', 'profile'],
      registers,
    });
    this.attemptDuration = new Histogram({
      name: 'scheduler_e2e_scheduling_duration_seconds',
      help: 'Latency of one scheduling attempt: filtering, scoring and, when scheduled, the binding.',
      labelNames: ['result', 'profile'],
      buckets: latencyBuckets,
      registers,
    });
    this.podSchedulingDuration = new Histogram({
      name: 'scheduler_pod_scheduling_sli_duration_seconds',
      help: 'Time from when the scheduler first saw a pod until it was bound, by number of attempts.',
      labelNames: ['attempts'],
      buckets: latencyBuckets,
      registers,
    });
    this.bindingDuration = new Histogram({
      name: 'scheduler_binding_duration_seconds',
      help: 'Latency of binding calls to the API server.',
      buckets: latencyBuckets,
      registers,
    });
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.pending = new Gauge({
      name: 'scheduler_pending_pods',
      help: 'Pods waiting to be scheduled, by queue (active, backoff, unschedulable).',
      labelNames: ['queue'],
      registers,
      collect() {
        const l = self.pendingSource?.();
        if (!l) return;
        this.set({ queue: 'active' }, l.active);
        this.set({ queue: 'backoff' }, l.backoff);
        this.set({ queue: 'unschedulable' }, l.unschedulable);
      },
    });
    this.leader = new Gauge({
      name: 'leader_election_master_status',
      help: '1 while this instance holds the leader lease, 0 otherwise.',
      labelNames: ['name'],
      registers,
    });
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** observePending makes the pending-pods gauge read `source` at each scrape. */
  observePending(source: () => Record<QueueName, number>): void {
    this.pendingSource = source;
  }

  /** attemptCount reads the attempts counter for `result` (tests and benchmarks). */
  async attemptCount(result: AttemptResult): Promise<number> {
    const m = await this.attempts.get();
    return m.values.filter((v) => v.labels['result'] === result).reduce((a, v) => a + v.value, 0);
  }
}
