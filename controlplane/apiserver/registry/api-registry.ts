import type { Clock } from '../../../lib/time.js';
import type { Logger } from '../../../lib/log.js';
import { isNotFound, newForbidden, newNotFound, type GroupResource } from '../../api/errors.js';
import { resources, type ResourceInfo } from '../../api/resources.js';
import type { EtcdStorage } from '../storage/etcd-storage.js';
import { resourcePrefix } from '../storage/keys.js';
import { WatchCache } from '../storage/watch-cache.js';
import { decode } from './codec.js';
import type { Machinery } from './machinery.js';
import type { Strategy } from './strategy.js';
import { Store, type NamespaceGate } from './store.js';
import type { ApiObject } from './types.js';

export interface ApiRegistryOptions {
  storage: EtcdStorage;
  machinery: Machinery;
  clock: Clock;
  logger: Logger;
  /** strategyFor gives each storage resource its strategy. */
  strategyFor: (info: ResourceInfo) => Strategy;
  watchCacheCapacity?: number;
  /** onCacheState is told when a resource's watch cache becomes ready or not. */
  onCacheState?: (gr: GroupResource, ready: boolean) => void;
}

const grKey = (group: string, resource: string): string => `${group}/${resource}`;

/**
 * ApiRegistry holds one Store (and one watch cache) per stored resource.
 * A resource served at several versions (HPA v1 and v2) has one store, at its
 * storage version; handlers convert at the edge.
 */
export class ApiRegistry {
  private readonly stores = new Map<string, Store>();

  constructor(private readonly opts: ApiRegistryOptions) {
    const gate: NamespaceGate = { admit: (ns, gr, name) => this.admitNamespace(ns, gr, name) };
    for (const info of resources) {
      if (info.version !== info.storageVersion) continue;
      const cache = new WatchCache<ApiObject>({
        storage: opts.storage,
        prefix: resourcePrefix({
          group: info.group,
          resource: info.resource,
          namespaced: info.namespaced,
        }),
        decode: (_key, value, revision) => decode(value, revision),
        ...(opts.watchCacheCapacity ? { capacity: opts.watchCacheCapacity } : {}),
        logger: opts.logger,
        onState: (ready) =>
          opts.onCacheState?.({ group: info.group, resource: info.resource }, ready),
      });
      const store = new Store(info, opts.strategyFor(info), {
        storage: opts.storage,
        cache,
        machinery: opts.machinery,
        clock: opts.clock,
        logger: opts.logger,
        namespaces: gate,
      });
      this.stores.set(grKey(info.group, info.resource), store);
    }
  }

  /** storeFor returns the store behind a resource at any served version. */
  storeFor(info: { group: string; resource: string }): Store {
    const s = this.stores.get(grKey(info.group, info.resource));
    if (!s) throw new Error(`no store for ${info.resource}.${info.group}`);
    return s;
  }

  get allStores(): Store[] {
    return [...this.stores.values()];
  }

  /** ready tells whether every watch cache has loaded. */
  get ready(): boolean {
    return this.allStores.every((s) => s.cache.ready);
  }

  /** run keeps every watch cache fed until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.allStores.map((s) => s.cache.run(signal)));
  }

  private async admitNamespace(namespace: string, gr: GroupResource, name: string): Promise<void> {
    const nsStore = this.storeFor({ group: '', resource: 'namespaces' });
    // The cache answers almost always; a namespace created a moment ago may
    // not be there yet, so a miss asks etcd.
    let ns = nsStore.cache.ready ? nsStore.cache.get(nsStore.key(undefined, namespace)) : undefined;
    if (!ns) {
      ns = await nsStore.get(undefined, namespace).catch((e: unknown) => {
        throw isNotFound(e) ? newNotFound({ group: '', resource: 'namespaces' }, namespace) : e;
      });
    }
    if (
      ns.metadata.deletionTimestamp ||
      (ns['status'] as { phase?: string } | undefined)?.phase === 'Terminating'
    ) {
      const e = newForbidden(
        gr,
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
      // Controllers tell this refusal from others by its cause, as in Kubernetes.
      e.status.details = {
        ...e.status.details,
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: `namespace ${namespace} is being terminated`,
            field: 'metadata.namespace',
          },
        ],
      };
      throw e;
    }
  }
}
