import { isGone, isStatus, newStatus, StatusError } from '../api/errors.js';
import type { KubeList, WatchEvent } from '../api/meta.js';
import { fanOut } from '../../lib/fan-out.js';
import { nopLogger, type Logger } from '../../lib/log.js';
import { realClock, type Clock } from '../../lib/time.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { objectKey, type MetaObject } from './keys.js';
import { Lister } from './lister.js';
import type { ListOptions, WatchOptions } from './options.js';
import { defaultIndexers, Indexer, type Indexers } from './store.js';

/**
 * ListerWatcher is what an informer reads from: a paginated list and a watch
 * resuming from a resourceVersion. `listerWatcherFor` adapts a
 * ResourceClient; tests use a fake. A watch may report a server error either
 * by throwing (a StatusError: 410 means the resourceVersion is too old) or by
 * yielding an `ERROR` event whose object is a Status.
 */
export interface ListerWatcher<O> {
  list(opts: ListOptions): Promise<KubeList<O>>;
  watch(opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<O>>;
}

/**
 * EventHandler receives cache changes, synchronously and in registration
 * order, after the cache was updated. Handlers must only enqueue keys: they
 * run on the informer's loop, and a slow handler delays every other one. A
 * throwing handler is logged and the next one still runs.
 */
export interface EventHandler<O> {
  onAdd?: (obj: O) => void;
  /** onUpdate gets the same object twice on a resync. */
  onUpdate?: (oldObj: O, newObj: O) => void;
  /** onDelete gets the object's last state: the server's, or the cache's for objects gone during a relist. */
  onDelete?: (obj: O) => void;
}

/** HandlerRegistration removes a handler; removing twice is harmless. */
export interface HandlerRegistration {
  remove(): void;
}

/** InformerOptions tune an informer; every field has a default. */
export interface InformerOptions<O> {
  /** name labels log lines (e.g. `pods`). */
  name?: string;
  clock?: Clock;
  logger?: Logger;
  /** resyncPeriodMs replays every cached object as an update this often; 0 (default) disables it. */
  resyncPeriodMs?: number;
  /** indexers are added to the defaults (namespace, controller uid, owner uid, spec.nodeName). */
  indexers?: Indexers<O>;
  /** pageSize is the list `limit`; 0 lists in one request. Default 500. */
  pageSize?: number;
  /** watchTimeoutSeconds asks the server to end each watch; default random in [300, 600). */
  watchTimeoutSeconds?: number;
  /** backoff between failed lists or watches; default 800 ms doubling to 30 s, 20 % jitter. */
  backoff?: BackoffOptions;
  /** freezeObjects deep-freezes cached objects so accidental mutation throws. Default true. */
  freezeObjects?: boolean;
}

/**
 * SharedInformer keeps a local cache of one resource in step with the server
 * (client-go's reflector + shared index informer): it lists (paginated, a
 * consistent snapshot), replaces the cache, then watches from the list's
 * resourceVersion with bookmarks. A watch that ends is resumed from the last
 * resourceVersion seen; a 410 (too old) relists, and objects that vanished
 * meanwhile are delivered as deletes with their last cached state; other
 * errors back off on the injected clock and retry. Each change is applied to
 * the cache, then delivered once to every handler. One informer is meant to
 * be shared by every controller of a process that needs the resource.
 */
export class SharedInformer<O extends MetaObject> {
  private readonly store: Indexer<O>;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly opts: InformerOptions<O>;
  private handlers: EventHandler<O>[] = [];
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private started = false;
  private lastRV = '';

  constructor(
    private readonly lw: ListerWatcher<O>,
    opts: InformerOptions<O> = {},
  ) {
    this.opts = opts;
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? nopLogger).with({ informer: opts.name ?? 'informer' });
    this.store = new Indexer<O>({ ...defaultIndexers<O>(), ...opts.indexers });
  }

  /** indexer is the cache itself; read it, never write it. */
  get indexer(): Indexer<O> {
    return this.store;
  }

  /** lister returns a typed read-only view of the cache. */
  lister(): Lister<O> {
    return new Lister(this.store);
  }

  /** lastSyncResourceVersion is the resourceVersion the cache reflects ('' before the first list). */
  get lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  /** addIndexers adds indexes; objects already cached are indexed at once. */
  addIndexers(indexers: Indexers<O>): void {
    this.store.addIndexers(indexers);
  }

  /**
   * addEventHandler registers `handler`. Objects already in the cache are
   * delivered to it as adds right away, so a late handler misses nothing.
   */
  addEventHandler(handler: EventHandler<O>): HandlerRegistration {
    this.handlers = [...this.handlers, handler];
    for (const obj of this.store.list()) this.call('onAdd', () => handler.onAdd?.(obj));
    return {
      remove: () => {
        this.handlers = this.handlers.filter((h) => h !== handler);
      },
    };
  }

  /** hasSynced is true once the first list is in the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** waitForSync resolves true once synced, or false if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  /**
   * run lists and watches until `signal` aborts, then resolves. It never
   * rejects for server or network errors (they are logged and retried). An
   * informer runs once: a second call throws.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('informer already started');
    this.started = true;
    await Promise.all([this.reflect(signal), this.resync(signal)]);
  }

  private async reflect(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff({ jitter: 0.2, ...this.opts.backoff });
    while (!signal.aborted) {
      try {
        await this.listAndReplace(signal);
        backoff.reset();
      } catch (err) {
        if (signal.aborted) return;
        this.log.warn('list failed; retrying', { err });
        await this.pause(backoff.next(), signal);
        continue;
      }
      // Watch until the resourceVersion is too old, then relist.
      while (!signal.aborted) {
        try {
          const events = await this.watchOnce(signal);
          if (events > 0) {
            backoff.reset();
          } else if (!signal.aborted) {
            // A stream that ends at once, again and again, must not spin.
            await this.pause(backoff.next(), signal);
          }
        } catch (err) {
          if (signal.aborted) return;
          if (isGone(err)) {
            this.log.info('watch resourceVersion too old; relisting', { rv: this.lastRV });
            break;
          }
          this.log.warn('watch failed; retrying', { err, rv: this.lastRV });
          await this.pause(backoff.next(), signal);
        }
      }
    }
  }

  private async listAndReplace(signal: AbortSignal): Promise<void> {
    const pageSize = this.opts.pageSize ?? 500;
    const items: O[] = [];
    let rv: string | undefined;
    let cont: string | undefined;
    for (;;) {
      let page: KubeList<O>;
      try {
        page = await this.lw.list({
          signal,
          ...(pageSize > 0 ? { limit: pageSize } : {}),
          ...(cont ? { continue: cont } : {}),
        });
      } catch (err) {
        if (!cont || !isGone(err)) throw err;
        // The continue token expired mid-list: take one unpaginated snapshot.
        this.log.info('list continue token expired; listing without pagination');
        items.length = 0;
        page = await this.lw.list({ signal });
        cont = undefined;
      }
      items.push(...page.items);
      rv = page.metadata.resourceVersion;
      cont = page.metadata.continue || undefined;
      if (!cont) break;
    }
    if (!rv) throw new Error('list answered without a resourceVersion; cannot watch from it');
    signal.throwIfAborted();
    this.replace(items);
    this.lastRV = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private replace(items: O[]): void {
    const seen = new Set<string>();
    for (const raw of items) {
      if (!hasName(raw)) {
        this.log.warn('ignoring listed object without metadata.name');
        continue;
      }
      const obj = this.prepare(raw);
      const key = objectKey(obj);
      seen.add(key);
      const old = this.store.upsert(obj);
      if (!old) this.dispatchAdd(obj);
      // Unchanged objects are not re-announced: a relist is not a resync.
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        this.dispatchUpdate(old, obj);
      }
    }
    for (const key of this.store.keys()) {
      if (seen.has(key)) continue;
      const gone = this.store.delete(key);
      if (gone) this.dispatchDelete(gone);
    }
  }

  // watchOnce runs one watch stream to its end and returns the events seen.
  private async watchOnce(signal: AbortSignal): Promise<number> {
    const ac = new AbortController();
    const stop = (): void => ac.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    let events = 0;
    try {
      const timeoutSeconds = this.opts.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
      const stream = this.lw.watch(
        { resourceVersion: this.lastRV, allowWatchBookmarks: true, timeoutSeconds },
        ac.signal,
      );
      for await (const ev of stream) {
        if (signal.aborted) break;
        this.apply(ev);
        events++;
      }
    } finally {
      signal.removeEventListener('abort', stop);
      ac.abort();
    }
    return events;
  }

  private apply(ev: WatchEvent<O>): void {
    if (ev.type === 'ERROR') {
      const obj: unknown = ev.object;
      throw new StatusError(
        isStatus(obj) ? obj : newStatus(500, 'InternalError', 'watch ERROR event without a Status'),
      );
    }
    const obj: unknown = ev.object;
    if (!isMetaObject(obj)) {
      this.log.warn('ignoring watch event without metadata', { type: ev.type });
      return;
    }
    switch (ev.type) {
      case 'ADDED':
      case 'MODIFIED': {
        if (!hasName(obj)) {
          this.log.warn('ignoring watch event object without metadata.name', { type: ev.type });
          break;
        }
        const o = this.prepare(ev.object);
        const old = this.store.upsert(o);
        if (old) this.dispatchUpdate(old, o);
        else this.dispatchAdd(o);
        break;
      }
      case 'DELETED': {
        const o = this.prepare(ev.object);
        // Unknown objects are not announced: nothing was ever added for them.
        if (this.store.delete(objectKey(o))) this.dispatchDelete(o);
        break;
      }
      case 'BOOKMARK':
        break;
      default:
        this.log.warn('ignoring watch event of unknown type', { type: String(ev.type) });
        return;
    }
    const rv = obj.metadata.resourceVersion;
    if (rv) this.lastRV = rv;
  }

  private async resync(signal: AbortSignal): Promise<void> {
    const period = this.opts.resyncPeriodMs ?? 0;
    if (!(period > 0)) return;
    while (!signal.aborted) {
      await this.pause(period, signal);
      if (signal.aborted || !this.synced) continue;
      for (const obj of this.store.list()) this.dispatchUpdate(obj, obj);
    }
  }

  private prepare(obj: O): O {
    return this.opts.freezeObjects === false ? obj : deepFreeze(obj);
  }

  private dispatchAdd(obj: O): void {
    for (const h of this.handlers) this.call('onAdd', () => h.onAdd?.(obj));
  }

  private dispatchUpdate(oldObj: O, newObj: O): void {
    for (const h of this.handlers) this.call('onUpdate', () => h.onUpdate?.(oldObj, newObj));
  }

  private dispatchDelete(obj: O): void {
    for (const h of this.handlers) this.call('onDelete', () => h.onDelete?.(obj));
  }

  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error('event handler threw', { handler: what, err });
    }
  }

  private async pause(ms: number, signal: AbortSignal): Promise<void> {
    try {
      await this.clock.sleep(ms, signal);
    } catch {
      // aborted: the caller's loop checks the signal
    }
  }
}

/** waitForCacheSync resolves true once every informer has synced, false if `signal` aborts first. */
export async function waitForCacheSync(
  signal: AbortSignal,
  ...informers: { waitForSync(signal?: AbortSignal): Promise<boolean> }[]
): Promise<boolean> {
  const all = fanOut(signal);
  try {
    const results = await Promise.all(informers.map((i) => i.waitForSync(all.signal)));
    return results.every(Boolean);
  } finally {
    all.dispose();
  }
}

function isMetaObject(v: unknown): v is MetaObject {
  if (typeof v !== 'object' || v === null) return false;
  const m = (v as { metadata?: unknown }).metadata;
  return typeof m === 'object' && m !== null;
}

function hasName(v: unknown): boolean {
  return isMetaObject(v) && typeof v.metadata.name === 'string' && v.metadata.name !== '';
}

function deepFreeze<T>(v: T): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v;
  for (const child of Object.values(v)) deepFreeze(child);
  return Object.freeze(v);
}
