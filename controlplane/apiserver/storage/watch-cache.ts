import type { Logger } from '../../../lib/log.js';
import { nopLogger } from '../../../lib/log.js';
import { delay } from '../../../lib/time.js';
import type { EtcdStorage, StorageEvent } from './etcd-storage.js';

/** CacheEventType is the watch event type a change becomes. */
export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** CacheEvent is one change, decoded once and shared by every watcher. */
export interface CacheEvent<T> {
  type: CacheEventType;
  key: string;
  /** obj is the object after the change; for DELETED, its last state with the delete's resourceVersion. */
  obj: T;
  /** prevObj is the object before the change (MODIFIED, DELETED). */
  prevObj?: T;
  revision: number;
}

/** CacheSink receives a watcher's events; push must not block. close ends the watch. */
export interface CacheSink<T> {
  push(ev: CacheEvent<T>): void;
  close(err?: Error): void;
}

/** TooOldResourceVersionError: a watch asked to start before what the cache keeps (410). */
export class TooOldResourceVersionError extends Error {
  override name = 'TooOldResourceVersionError';
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

/** CacheNotReadyError: the cache could not catch up in time (etcd down, or a future version asked). */
export class CacheNotReadyError extends Error {
  override name = 'CacheNotReadyError';
}

export interface WatchCacheOptions<T> {
  storage: EtcdStorage;
  prefix: string;
  /** decode turns a stored value into an object carrying `revision` as its resourceVersion. */
  decode: (key: string, value: Buffer, revision: number) => T;
  /** capacity is how many recent events are kept for watches that resume; default 10 000. */
  capacity?: number;
  logger?: Logger;
  /** onState is told when the cache becomes ready or loses etcd (metrics, readiness). */
  onState?: (ready: boolean) => void;
}

interface Watcher<T> {
  sink: CacheSink<T>;
}

/**
 * WatchCache keeps one resource's objects and its recent changes in memory,
 * fed by ONE etcd watch, and serves any number of watches and lists from it
 * (kube-apiserver's cacher). A watch resumes from any resourceVersion still in
 * the window of kept events, with nothing lost or repeated; an older one gets
 * TooOldResourceVersionError (410). When the etcd watch fails, every watcher
 * is closed (clients re-watch from their last version) and the cache lists
 * again.
 */
export class WatchCache<T> {
  private objects = new Map<string, { obj: T; revision: number }>();
  private events: CacheEvent<T>[] = [];
  private head = 0;
  /** startRevision: every event after it is in `events`. */
  private startRevision = 0;
  private rev = 0;
  private isReady = false;
  private watchers = new Set<Watcher<T>>();
  private revisionWaiters: { rev: number; resolve: () => void }[] = [];
  private readyWaiters: (() => void)[] = [];
  private readonly capacity: number;
  private readonly logger: Logger;

  constructor(private readonly opts: WatchCacheOptions<T>) {
    this.capacity = opts.capacity ?? 10_000;
    this.logger = (opts.logger ?? nopLogger).with({ cache: opts.prefix });
  }

  /** revision is the newest store revision the cache has seen. */
  get revision(): number {
    return this.rev;
  }

  get ready(): boolean {
    return this.isReady;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /**
   * run lists, then follows the etcd watch until `signal` aborts, listing
   * again after any failure (with a short backoff). Resolves once stopped.
   */
  async run(signal: AbortSignal): Promise<void> {
    let backoff = 100;
    while (!signal.aborted) {
      const failed = new AbortController();
      const both = AbortSignal.any([signal, failed.signal]);
      try {
        await this.load();
        backoff = 100;
        const err = await new Promise<Error | undefined>((resolve) => {
          both.addEventListener('abort', () => resolve(undefined), { once: true });
          this.opts.storage
            .watch(
              this.opts.prefix,
              this.rev + 1,
              {
                onEvents: (evs, revision) => this.apply(evs, revision),
                onProgress: (revision) => this.progress(revision),
                onError: (e) => resolve(e),
              },
              both,
            )
            .catch((e: unknown) => resolve(e instanceof Error ? e : new Error(String(e))));
        });
        failed.abort();
        if (err) throw err;
      } catch (e) {
        if (signal.aborted) break;
        this.logger.warn('watch cache lost etcd; listing again', { err: e });
        this.setReady(false);
        this.closeAll(e instanceof Error ? e : new Error(String(e)));
        await delay(backoff, signal).catch(() => {});
        backoff = Math.min(backoff * 2, 2000);
      }
    }
    this.setReady(false);
    this.closeAll();
  }

  private async load(): Promise<void> {
    const objects = new Map<string, { obj: T; revision: number }>();
    let startKey: string | undefined;
    let revision = 0;
    for (;;) {
      const page = await this.opts.storage.list(this.opts.prefix, {
        ...(startKey ? { startKey } : {}),
        limit: 1000,
        ...(revision ? { revision } : {}),
      });
      revision = page.revision;
      for (const kv of page.kvs) {
        const obj = this.decode(kv.key, kv.value, kv.modRevision);
        if (obj !== undefined) objects.set(kv.key, { obj, revision: kv.modRevision });
      }
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || !last) break;
      startKey = last.key + '\u0000';
    }
    this.objects = objects;
    this.events = [];
    this.head = 0;
    this.startRevision = revision;
    this.rev = revision;
    this.setReady(true);
    this.wakeRevisionWaiters();
  }

  private decode(key: string, value: Buffer, revision: number): T | undefined {
    try {
      return this.opts.decode(key, value, revision);
    } catch (e) {
      // A value that doesn't decode is skipped, never fatal (bad input never crashes).
      this.logger.error('cannot decode stored object; skipping it', { key, err: e });
      return undefined;
    }
  }

  private setReady(ready: boolean): void {
    if (this.isReady === ready) return;
    this.isReady = ready;
    this.opts.onState?.(ready);
    if (ready) {
      const ws = this.readyWaiters;
      this.readyWaiters = [];
      for (const w of ws) w();
    }
  }

  private apply(evs: StorageEvent[], revision: number): void {
    for (const ev of evs) {
      const prev = this.objects.get(ev.key);
      let out: CacheEvent<T> | undefined;
      if (ev.type === 'put') {
        const obj = this.decode(ev.key, ev.value, ev.revision);
        if (obj === undefined) continue;
        this.objects.set(ev.key, { obj, revision: ev.revision });
        out = prev
          ? { type: 'MODIFIED', key: ev.key, obj, prevObj: prev.obj, revision: ev.revision }
          : { type: 'ADDED', key: ev.key, obj, revision: ev.revision };
      } else {
        this.objects.delete(ev.key);
        const last = ev.prevValue ? this.decode(ev.key, ev.prevValue, ev.revision) : undefined;
        const obj = last ?? prev?.obj;
        if (obj === undefined) continue;
        out = {
          type: 'DELETED',
          key: ev.key,
          obj,
          ...(prev ? { prevObj: prev.obj } : {}),
          revision: ev.revision,
        };
      }
      this.record(out);
      for (const w of this.watchers) w.sink.push(out);
    }
    this.progress(revision);
  }

  private record(ev: CacheEvent<T>): void {
    if (this.events.length - this.head >= this.capacity) {
      const dropped = this.events[this.head]!;
      this.startRevision = dropped.revision;
      this.head++;
      // Compact the array now and then rather than shifting on every event.
      if (this.head > this.capacity) {
        this.events = this.events.slice(this.head);
        this.head = 0;
      }
    }
    this.events.push(ev);
  }

  private progress(revision: number): void {
    if (revision > this.rev) this.rev = revision;
    this.wakeRevisionWaiters();
  }

  private wakeRevisionWaiters(): void {
    if (!this.isReady) return;
    const due = this.revisionWaiters.filter((w) => w.rev <= this.rev);
    this.revisionWaiters = this.revisionWaiters.filter((w) => w.rev > this.rev);
    for (const w of due) w.resolve();
  }

  private closeAll(err?: Error): void {
    const ws = [...this.watchers];
    this.watchers.clear();
    for (const w of ws) w.sink.close(err);
  }

  /**
   * waitForRevision resolves once the cache is ready and has seen `rev`
   * (resourceVersion "not older than"); CacheNotReadyError after `timeoutMs`.
   */
  async waitForRevision(rev: number, timeoutMs = 3000, signal?: AbortSignal): Promise<void> {
    if (this.isReady && this.rev >= rev) return;
    await new Promise<void>((resolve, reject) => {
      const entry = { rev, resolve: () => done(resolve) };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(
              new CacheNotReadyError(`too large resource version: ${rev}, current: ${this.rev}`),
            ),
          ),
        timeoutMs,
      );
      timer.unref();
      const onAbort = (): void => done(() => reject(signal?.reason));
      const done = (f: () => void): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.revisionWaiters = this.revisionWaiters.filter((w) => w !== entry);
        f();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.revisionWaiters.push(entry);
      this.wakeRevisionWaiters();
    });
  }

  /** waitReady resolves when the cache has loaded; CacheNotReadyError after `timeoutMs`. */
  async waitReady(timeoutMs = 3000): Promise<void> {
    if (this.isReady) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== ok);
        reject(new CacheNotReadyError('the watch cache is not ready (is etcd reachable?)'));
      }, timeoutMs);
      timer.unref();
      const ok = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.readyWaiters.push(ok);
    });
  }

  /** list returns every cached object (in key order) and the cache's revision. */
  list(prefix = this.opts.prefix): { items: T[]; revision: number } {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    return { items: keys.map((k) => this.objects.get(k)!.obj), revision: this.rev };
  }

  /** get returns a cached object by key. */
  get(key: string): T | undefined {
    return this.objects.get(key)?.obj;
  }

  /**
   * watch starts delivering events to `sink`. With `fromRevision` undefined,
   * the sink first gets an ADDED event for every current object (under
   * `prefix`), then every change; otherwise every kept change after
   * `fromRevision`, then live ones. Throws TooOldResourceVersionError when
   * `fromRevision` is older than the kept window. Returns a function that
   * stops the watch (idempotent; does not call sink.close).
   */
  watch(
    fromRevision: number | undefined,
    sink: CacheSink<T>,
    prefix = this.opts.prefix,
  ): () => void {
    if (!this.isReady)
      throw new CacheNotReadyError('the watch cache is not ready (is etcd reachable?)');
    if (fromRevision === undefined) {
      for (const [key, { obj, revision }] of [...this.objects.entries()].sort(([a], [b]) =>
        a < b ? -1 : 1,
      )) {
        if (key.startsWith(prefix)) sink.push({ type: 'ADDED', key, obj, revision });
      }
    } else {
      if (fromRevision < this.startRevision)
        throw new TooOldResourceVersionError(fromRevision, this.startRevision);
      for (let i = this.head; i < this.events.length; i++) {
        const ev = this.events[i]!;
        if (ev.revision > fromRevision && ev.key.startsWith(prefix)) sink.push(ev);
      }
    }
    const w: Watcher<T> = {
      sink:
        prefix === this.opts.prefix
          ? sink
          : {
              push: (ev) => ev.key.startsWith(prefix) && sink.push(ev),
              close: (e) => sink.close(e),
            },
    };
    this.watchers.add(w);
    return () => {
      this.watchers.delete(w);
    };
  }
}
