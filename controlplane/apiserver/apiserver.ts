import { delay, realClock, type Clock } from '../../lib/time.js';
import type { Logger } from '../../lib/log.js';
import { isAlreadyExists, isConflict, isNotFound, StatusError } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import { TokenAuthenticator } from './http/auth.js';
import type { Edge } from './http/edge.js';
import type { OpenApiSource } from './http/openapi.js';
import { ApiServer } from './http/server.js';
import { ApiServerMetrics } from './metrics.js';
import { KubeletClient, type KubeletClientOptions } from './proxy/kubelet-client.js';
import { ApiRegistry } from './registry/api-registry.js';
import type { Machinery } from './registry/machinery.js';
import { strategies, Ipv4Range } from './registry/strategies/index.js';
import type { ApiObject } from './registry/types.js';
import { EtcdStorage } from './storage/etcd-storage.js';

/** VERSION is what /version reports: the Kubernetes API level Tugboat speaks. */
export const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-tugboat.0.1.0',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '2026-11-22T00:00:00Z',
  goVersion: '',
  compiler: 'node',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export interface TugApiServerOptions {
  etcdServers: string[];
  bindAddress: string;
  securePort: number;
  tls: { cert: string; key: string };
  authenticator: TokenAuthenticator;
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
  eventTtlSeconds: number;
  /** advertiseAddress is where the `kubernetes` service's endpoints point. */
  advertiseAddress: string;
  edge: Edge;
  machinery: Machinery;
  openapi: OpenApiSource;
  logger: Logger;
  clock?: Clock;
  metrics?: ApiServerMetrics;
  bookmarkIntervalMs?: number;
  watchCacheCapacity?: number;
  /** kubeletClient is how node agents are reached for logs, exec and metrics (no client certificate by default). */
  kubeletClient?: KubeletClientOptions;
}

/** bootstrapNamespaces exist from the start, as in Kubernetes. */
export const BOOTSTRAP_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * TugApiServer assembles the API server: etcd storage, one store and watch
 * cache per resource, the HTTPS front, and the bootstrap objects (the
 * namespaces that exist from the start, the `kubernetes` service). `run`
 * serves until its signal aborts and resolves once everything has stopped.
 */
export class TugApiServer {
  readonly storage: EtcdStorage;
  readonly registry: ApiRegistry;
  readonly metrics: ApiServerMetrics;
  private readonly http: ApiServer;
  private readonly clock: Clock;
  /** bootstrapped: the bootstrap namespaces and the kubernetes service exist (until then /readyz fails). */
  private bootstrapped = false;
  private readonly kubelet: KubeletClient;

  constructor(private readonly opts: TugApiServerOptions) {
    this.clock = opts.clock ?? realClock;
    this.metrics = opts.metrics ?? new ApiServerMetrics();
    this.storage = new EtcdStorage({
      endpoints: opts.etcdServers,
      logger: opts.logger,
      metrics: this.metrics.storage,
    });
    this.registry = new ApiRegistry({
      storage: this.storage,
      machinery: opts.machinery,
      clock: this.clock,
      logger: opts.logger,
      strategyFor: strategies({
        serviceClusterIpRange: opts.serviceClusterIpRange,
        serviceNodePortRange: opts.serviceNodePortRange,
        eventTtlSeconds: opts.eventTtlSeconds,
      }),
      ...(opts.watchCacheCapacity ? { watchCacheCapacity: opts.watchCacheCapacity } : {}),
    });
    this.kubelet = new KubeletClient(opts.kubeletClient);
    this.http = new ApiServer(
      {
        bindAddress: opts.bindAddress,
        port: opts.securePort,
        tls: opts.tls,
        authenticator: opts.authenticator,
        openapi: opts.openapi,
        version: VERSION,
        readyChecks: () => [['poststarthook/bootstrap-objects', this.bootstrapped]],
      },
      {
        registry: this.registry,
        storage: this.storage,
        edge: opts.edge,
        clock: this.clock,
        logger: opts.logger,
        metrics: this.metrics,
        kubelet: this.kubelet,
        bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 30_000,
      },
    );
  }

  /** port is the HTTPS port served (after run reported listening). */
  get port(): number {
    return this.http.port;
  }

  /**
   * run serves until `signal` aborts. `onListening` is called with the port
   * once the socket is open; bootstrap objects are made in the background
   * and retried until etcd answers.
   */
  async run(signal: AbortSignal, onListening?: (port: number) => void): Promise<void> {
    const caches = this.registry.run(signal);
    // Bootstrap once listening: the kubernetes service and endpoints name the port served.
    let bootstrap: Promise<void> = Promise.resolve();
    try {
      await this.http.run(signal, (port) => {
        bootstrap = this.bootstrap(signal, port).catch((e: unknown) => {
          if (!signal.aborted) this.opts.logger.error('bootstrap failed', { err: e });
        });
        onListening?.(port);
      });
    } finally {
      await Promise.allSettled([caches, bootstrap]);
      this.kubelet.close();
      this.storage.close();
    }
  }

  private async bootstrap(signal: AbortSignal, port: number): Promise<void> {
    for (let backoff = 100; !signal.aborted; backoff = Math.min(backoff * 2, 2000)) {
      try {
        await this.ensureBootstrapObjects(port);
        this.bootstrapped = true;
        return;
      } catch (e) {
        if (e instanceof BootstrapInvalidError) throw e;
        this.opts.logger.warn('bootstrap objects not made yet; retrying', { err: e });
        await delay(backoff, signal).catch(() => {});
      }
    }
  }

  private async ensureBootstrapObjects(port: number): Promise<void> {
    const nsStore = this.registry.storeFor({ group: '', resource: 'namespaces' });
    for (const name of BOOTSTRAP_NAMESPACES) {
      await ignoreExists(nsStore.create(undefined, obj('v1', 'Namespace', { name })));
    }
    const ip = Ipv4Range.parse(this.opts.serviceClusterIpRange).at(1);
    const svcStore = this.registry.storeFor(findResource('', 'v1', 'services')!);
    // A retry after a write that landed but whose answer was lost must find
    // the service, not try to allocate its IP a second time.
    const existing = await svcStore.get('default', 'kubernetes').catch((e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
    if (!existing)
      await ignoreExists(
        svcStore.create(
          'default',
          obj(
            'v1',
            'Service',
            { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
            {
              spec: {
                type: 'ClusterIP',
                clusterIP: ip,
                ports: [
                  {
                    name: 'https',
                    port: 443,
                    protocol: 'TCP',
                    targetPort: port,
                  },
                ],
                sessionAffinity: 'None',
              },
            },
          ),
        ),
      );
    // Endpoints may not name a loopback address (as in Kubernetes): a server
    // advertised on loopback (tests, a one-machine setup) publishes none.
    if (this.opts.advertiseAddress.startsWith('127.')) return;
    const epStore = this.registry.storeFor(findResource('', 'v1', 'endpoints')!);
    const endpoints = obj(
      'v1',
      'Endpoints',
      { name: 'kubernetes', namespace: 'default' },
      {
        subsets: [
          {
            addresses: [{ ip: this.opts.advertiseAddress }],
            ports: [{ name: 'https', port: port, protocol: 'TCP' }],
          },
        ],
      },
    );
    await ignoreExists(epStore.update('default', 'kubernetes', endpoints));
  }
}

function obj(
  apiVersion: string,
  kind: string,
  metadata: Record<string, unknown>,
  rest: Record<string, unknown> = {},
): ApiObject {
  return { apiVersion, kind, metadata, ...rest } as unknown as ApiObject;
}

/** BootstrapInvalidError: a bootstrap object the server itself refuses; retrying can't help. */
class BootstrapInvalidError extends Error {
  override name = 'BootstrapInvalidError';
}

async function ignoreExists<T>(p: Promise<T>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (isAlreadyExists(e) || isConflict(e)) return;
    if (e instanceof StatusError && e.code === 422) {
      throw new BootstrapInvalidError(`bootstrap object invalid: ${e.message}`, { cause: e });
    }
    throw e;
  }
}
