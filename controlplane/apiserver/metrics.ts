import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StorageMetrics } from './storage/etcd-storage.js';

/**
 * ApiServerMetrics are the API server's Prometheus metrics, on a registry of
 * their own (never prom-client's global one), with kube-apiserver's names
 * where it has them.
 */
export class ApiServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'verb' | 'group' | 'resource' | 'subresource' | 'code'>;
  readonly latency: Histogram<'verb' | 'group' | 'resource' | 'subresource'>;
  readonly etcdLatency: Histogram<'operation'>;
  readonly watchers: Gauge<'group' | 'resource'>;
  readonly storage: StorageMetrics;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'apiserver_request_total',
      help: 'Requests answered, by verb, resource and HTTP code.',
      labelNames: ['verb', 'group', 'resource', 'subresource', 'code'],
      registers,
    });
    this.latency = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Request latency (watches excluded), by verb and resource.',
      labelNames: ['verb', 'group', 'resource', 'subresource'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.etcdLatency = new Histogram({
      name: 'etcd_request_duration_seconds',
      help: 'etcd operation latency, by operation.',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    this.watchers = new Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Open watches, by resource.',
      labelNames: ['group', 'resource'],
      registers,
    });
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.storage = {
      observe: (operation, seconds) => this.etcdLatency.observe({ operation }, seconds),
    };
  }
}
