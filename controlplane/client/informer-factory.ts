import type { KubeObject, Stored } from '../api/meta.js';
import type { ResourceInfo } from '../api/resources.js';
import type { Logger } from '../../lib/log.js';
import { fanOut } from '../../lib/fan-out.js';
import type { Clock } from '../../lib/time.js';
import { SharedInformer, type InformerOptions, type ListerWatcher } from './informer.js';
import type { MetaObject } from './keys.js';
import type { SelectorOptions } from './options.js';
import type { ResourceClient } from './resource-client.js';
import type { RestClient } from './rest-client.js';
import type { Indexers } from './store.js';

/** ListerWatcherScope narrows what an informer sees: one namespace, selectors. */
export interface ListerWatcherScope extends SelectorOptions {
  namespace?: string;
}

/**
 * listerWatcherFor adapts a ResourceClient to the ListerWatcher an informer
 * reads, applying the scope to both the list and the watch.
 */
export function listerWatcherFor<T extends KubeObject>(
  client: ResourceClient<T>,
  scope: ListerWatcherScope = {},
): ListerWatcher<Stored<T>> {
  const c = scope.namespace ? client.namespace(scope.namespace) : client;
  const sel: SelectorOptions = {};
  if (scope.labelSelector) sel.labelSelector = scope.labelSelector;
  if (scope.fieldSelector) sel.fieldSelector = scope.fieldSelector;
  return {
    list: (opts) => c.list({ ...opts, ...sel }),
    watch: (opts, signal) => c.watch({ ...opts, ...sel }, signal),
  };
}

/** InformerFactoryOptions are passed to every informer the factory makes. */
export interface InformerFactoryOptions {
  clock?: Clock;
  logger?: Logger;
  resyncPeriodMs?: number;
}

/** InformerRequest scopes an informer and adds indexers to it. */
export interface InformerRequest<O> extends ListerWatcherScope {
  indexers?: Indexers<O>;
}

/**
 * InformerFactory hands out one shared informer per resource and scope, so
 * the controllers of one process share caches and watches (client-go's
 * SharedInformerFactory). `run(signal)` starts every informer asked for, and
 * any asked for later at once; it resolves once `signal` aborted and all of
 * them stopped.
 */
export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer<MetaObject>>();
  private readonly running: Promise<void>[] = [];
  private signal: AbortSignal | undefined;

  constructor(
    private readonly rest: RestClient,
    private readonly opts: InformerFactoryOptions = {},
  ) {}

  /**
   * informerFor returns the shared informer of `info` in that scope, making
   * it on first request. Indexers given by a later request are added to it.
   */
  informerFor<T extends KubeObject>(
    info: ResourceInfo,
    req: InformerRequest<Stored<T>> = {},
  ): SharedInformer<Stored<T>> {
    const key = [
      info.group,
      info.version,
      info.resource,
      req.namespace ?? '',
      req.labelSelector ?? '',
      req.fieldSelector ?? '',
    ].join('|');
    let inf = this.informers.get(key) as SharedInformer<Stored<T>> | undefined;
    if (inf) {
      if (req.indexers) {
        const fresh = Object.entries(req.indexers).filter(
          ([name]) => !inf?.indexer.indexNames().includes(name),
        );
        inf.addIndexers(Object.fromEntries(fresh));
      }
      return inf;
    }
    const opts: InformerOptions<Stored<T>> = {
      name: req.namespace ? `${info.resource}/${req.namespace}` : info.resource,
      ...this.opts,
    };
    if (req.indexers) opts.indexers = req.indexers;
    inf = new SharedInformer(listerWatcherFor(this.rest.resource<T>(info), req), opts);
    this.informers.set(key, inf as unknown as SharedInformer<MetaObject>);
    if (this.signal) this.start(inf as unknown as SharedInformer<MetaObject>, this.signal);
    return inf;
  }

  /** waitForSync resolves true once every informer made so far has synced, false if aborted. */
  async waitForSync(signal: AbortSignal): Promise<boolean> {
    const all = fanOut(signal);
    try {
      const results = await Promise.all(
        [...this.informers.values()].map((i) => i.waitForSync(all.signal)),
      );
      return results.every(Boolean);
    } finally {
      all.dispose();
    }
  }

  /** run starts the informers and resolves after `signal` aborted and they stopped. Runs once. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.signal) throw new Error('informer factory already running');
    // The informers (each watching) share one listener on the caller's signal.
    const all = fanOut(signal);
    this.signal = all.signal;
    try {
      for (const inf of this.informers.values()) this.start(inf, all.signal);
      if (!signal.aborted) {
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
      }
      await Promise.all(this.running);
    } finally {
      all.dispose();
    }
  }

  private start(inf: SharedInformer<MetaObject>, signal: AbortSignal): void {
    this.running.push(inf.run(signal));
  }
}
