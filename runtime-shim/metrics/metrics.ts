import { Gauge, Histogram, type Registry } from 'prom-client';
import type { StateStore } from '../state/store.js';
import { containerState } from '../core/status.js';

/**
 * ShimMetrics are the shim's Prometheus metrics, registered on the given
 * registry (never the global one):
 * - tug_shim_operation_duration_seconds{operation, code}: latency of each RPC
 *   by its gRPC status code name;
 * - tug_shim_containers{state}: containers by CRI state, read at scrape time;
 * - tug_shim_sandboxes{state}: sandboxes by CRI state, read at scrape time.
 */
export class ShimMetrics {
  readonly operationDuration: Histogram<'operation' | 'code'>;

  constructor(registry: Registry, store: StateStore) {
    this.operationDuration = new Histogram({
      name: 'tug_shim_operation_duration_seconds',
      help: 'Latency of runtime shim RPCs, by RPC name and gRPC status code.',
      labelNames: ['operation', 'code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    new Gauge({
      name: 'tug_shim_containers',
      help: 'Containers known to the shim, by CRI state.',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of [
          'CONTAINER_CREATED',
          'CONTAINER_RUNNING',
          'CONTAINER_EXITED',
          'CONTAINER_UNKNOWN',
        ]) {
          this.set({ state: s }, 0);
        }
        for (const c of store.containers()) {
          if (c.phase !== 'creating') this.inc({ state: containerState(c.phase) });
        }
      },
    });
    new Gauge({
      name: 'tug_shim_sandboxes',
      help: 'Pod sandboxes known to the shim, by CRI state.',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        this.reset();
        this.set({ state: 'SANDBOX_READY' }, 0);
        this.set({ state: 'SANDBOX_NOTREADY' }, 0);
        for (const s of store.sandboxes()) {
          if (s.phase === 'ready') this.inc({ state: 'SANDBOX_READY' });
          else if (s.phase === 'notready') this.inc({ state: 'SANDBOX_NOTREADY' });
        }
      },
    });
  }

  /** observe records one RPC's latency. */
  observe(operation: string, code: string, seconds: number): void {
    this.operationDuration.observe({ operation, code }, seconds);
  }
}
