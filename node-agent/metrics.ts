import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * AgentMetrics are the node agent's Prometheus metrics, registered on the
 * Registry it is given (never the global one), so several agents of one
 * process (hollow nodes) each have their own.
 */
export class AgentMetrics {
  readonly podWorkers: Gauge;
  readonly syncDuration: Histogram;
  readonly syncErrors: Counter;
  readonly runningContainers: Gauge;
  readonly runtimePods: Gauge;
  readonly relistDuration: Histogram;
  readonly nodeStatusWrites: Counter;
  readonly leaseRenewals: Counter;
  readonly runtimeUp: Gauge;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.podWorkers = new Gauge({
      name: 'tug_agent_pod_workers',
      help: 'Pod workers alive (one per pod UID the agent tracks).',
      registers,
    });
    this.syncDuration = new Histogram({
      name: 'tug_agent_pod_sync_duration_seconds',
      help: 'Duration of one pod sync.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    this.syncErrors = new Counter({
      name: 'tug_agent_pod_sync_errors_total',
      help: 'Pod syncs that failed and were retried.',
      registers,
    });
    this.runningContainers = new Gauge({
      name: 'tug_agent_running_containers',
      help: 'Running containers at the last runtime relist.',
      registers,
    });
    this.runtimePods = new Gauge({
      name: 'tug_agent_runtime_pods',
      help: 'Pod UIDs the runtime holds sandboxes or containers for, at the last relist.',
      registers,
    });
    this.relistDuration = new Histogram({
      name: 'tug_agent_relist_duration_seconds',
      help: 'Duration of one runtime relist.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.nodeStatusWrites = new Counter({
      name: 'tug_agent_node_status_writes_total',
      help: 'Node status writes by result.',
      labelNames: ['result'],
      registers,
    });
    this.leaseRenewals = new Counter({
      name: 'tug_agent_lease_renewals_total',
      help: 'Node lease renewals by result.',
      labelNames: ['result'],
      registers,
    });
    this.runtimeUp = new Gauge({
      name: 'tug_agent_runtime_up',
      help: '1 when the runtime shim answered its last status check.',
      registers,
    });
  }
}
