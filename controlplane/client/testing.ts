/**
 * Fakes for unit tests of code built on the client (informers, controllers).
 * Not for production use; integration tests use the real API server.
 */
import { newAlreadyExists, newConflict, newResourceExpired } from '../api/errors.js';
import type { KubeList, WatchEvent } from '../api/meta.js';
import { ConnectionError } from './errors.js';
import type { ListerWatcher } from './informer.js';
import type { LeaderElectionRecord, LeaseLock } from './leader-election.js';
import { objectKey, type MetaObject } from './keys.js';
import type { ListOptions, WatchOptions } from './options.js';

interface Watcher<O> {
  queue: WatchEvent<O>[];
  wake: (() => void) | undefined;
  ended: boolean;
  error: unknown;
}

/**
 * FakeListerWatcher is an in-memory resource with a server's list/watch
 * semantics: every write bumps a global resourceVersion and is kept in a
 * history, watches replay the history after their resourceVersion and then
 * stream live; `compact` forgets history so older watches get 410 Expired,
 * and lists paginate with `limit`/`continue` over a snapshot. Tests can end or
 * fail watches and inject list errors. It records every call.
 */
export class FakeListerWatcher<O extends MetaObject> implements ListerWatcher<O> {
  /** rv is the current resourceVersion, as a number. */
  rv = 100;
  readonly listCalls: ListOptions[] = [];
  readonly watchCalls: WatchOptions[] = [];
  private readonly items = new Map<string, O>();
  private history: { rv: number; ev: WatchEvent<O> }[] = [];
  private compactedRv = 0;
  private readonly watchers = new Set<Watcher<O>>();
  private readonly listErrors: unknown[] = [];
  private readonly watchErrors: unknown[] = [];
  private readonly snapshots = new Map<string, { rv: number; items: O[] }>();
  private nextSnapshot = 0;

  constructor(private readonly listKind = 'List') {}

  /** activeWatches is the number of watch streams open now. */
  get activeWatches(): number {
    return this.watchers.size;
  }

  /** upsert stores a copy of `obj` at a new resourceVersion and announces ADDED or MODIFIED. */
  upsert(obj: O): O {
    const key = objectKey(obj);
    const type = this.items.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = this.stamp(obj);
    this.items.set(key, stored);
    this.record({ type, object: stored });
    return stored;
  }

  /** remove deletes the object under `key` and announces DELETED; false if absent. */
  remove(key: string): boolean {
    const old = this.items.get(key);
    if (!old) return false;
    this.items.delete(key);
    this.record({ type: 'DELETED', object: this.stamp(old) });
    return true;
  }

  /** removeSilently deletes without an event, as if the delete fell into a compacted gap. */
  removeSilently(key: string): void {
    this.items.delete(key);
    this.rv++;
  }

  /** upsertSilently writes without an event, as if the write fell into a compacted gap. */
  upsertSilently(obj: O): O {
    const stored = this.stamp(obj);
    this.items.set(objectKey(obj), stored);
    return stored;
  }

  /** bookmark sends a BOOKMARK at the current resourceVersion to every open watch. */
  bookmark(): void {
    const ev = {
      type: 'BOOKMARK',
      object: { metadata: { resourceVersion: String(this.rv) } },
    } as WatchEvent<O>;
    for (const w of this.watchers) this.push(w, ev);
  }

  /** compact forgets history up to now: watches from an older resourceVersion get 410. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history = [];
  }

  /** endWatches ends every open watch stream cleanly, as a server timeout does. */
  endWatches(): void {
    for (const w of this.watchers) {
      w.ended = true;
      w.wake?.();
    }
  }

  /** failWatches makes every open watch stream throw `err` after what it has queued. */
  failWatches(err: unknown): void {
    for (const w of this.watchers) {
      w.error = err;
      w.wake?.();
    }
  }

  /** sendError sends an ERROR event carrying `status` to every open watch. */
  sendError(status: unknown): void {
    for (const w of this.watchers) this.push(w, { type: 'ERROR', object: status as O });
  }

  /** failNextList makes the next list call reject with `err`. */
  failNextList(err: unknown): void {
    this.listErrors.push(err);
  }

  /** failNextWatch makes the next watch call throw `err` before streaming. */
  failNextWatch(err: unknown): void {
    this.watchErrors.push(err);
  }

  list(opts: ListOptions): Promise<KubeList<O>> {
    this.listCalls.push(opts);
    if (this.listErrors.length > 0) return Promise.reject(this.listErrors.shift());
    let snap: { rv: number; items: O[] };
    let id: string;
    let start = 0;
    if (opts.continue) {
      const [tokenId, offset] = opts.continue.split(':');
      const s = this.snapshots.get(tokenId ?? '');
      if (!s || tokenId === undefined) {
        return Promise.reject(newResourceExpired('continue token expired'));
      }
      snap = s;
      id = tokenId;
      start = Number(offset);
    } else {
      snap = { rv: this.rv, items: [...this.items.values()] };
      id = String(this.nextSnapshot++);
    }
    const end = opts.limit ? start + opts.limit : snap.items.length;
    const meta: KubeList<O>['metadata'] = { resourceVersion: String(snap.rv) };
    if (end < snap.items.length) {
      this.snapshots.set(id, snap);
      meta.continue = `${id}:${end}`;
    }
    return Promise.resolve({
      apiVersion: 'v1',
      kind: this.listKind,
      metadata: meta,
      items: snap.items.slice(start, end),
    });
  }

  /** expireContinueTokens makes outstanding continue tokens answer 410. */
  expireContinueTokens(): void {
    this.snapshots.clear();
  }

  watch(opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<O>> {
    this.watchCalls.push(opts);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        if (self.watchErrors.length > 0) throw self.watchErrors.shift();
        const from = opts.resourceVersion ? Number(opts.resourceVersion) : self.rv;
        if (from < self.compactedRv) {
          throw newResourceExpired(`too old resource version: ${from} (${self.compactedRv})`);
        }
        const w: Watcher<O> = { queue: [], wake: undefined, ended: false, error: undefined };
        for (const h of self.history) if (h.rv > from) w.queue.push(h.ev);
        self.watchers.add(w);
        const onAbort = (): void => w.wake?.();
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          for (;;) {
            const ev = w.queue.shift();
            if (ev) {
              yield ev;
              continue;
            }
            if (w.error !== undefined) throw w.error;
            if (w.ended || signal.aborted) return;
            await new Promise<void>((r) => (w.wake = r));
            w.wake = undefined;
          }
        } finally {
          signal.removeEventListener('abort', onAbort);
          self.watchers.delete(w);
        }
      },
    };
  }

  private stamp(obj: O): O {
    this.rv++;
    const copy = structuredClone(obj);
    copy.metadata = { ...copy.metadata, resourceVersion: String(this.rv) };
    return copy;
  }

  private record(ev: WatchEvent<O>): void {
    this.history.push({ rv: this.rv, ev });
    for (const w of this.watchers) this.push(w, ev);
  }

  private push(w: Watcher<O>, ev: WatchEvent<O>): void {
    w.queue.push(ev);
    w.wake?.();
  }
}

const leaseResource = { group: 'coordination.k8s.io', resource: 'leases' };

/**
 * FakeLeaseStore is one Lease in memory with optimistic concurrency, for
 * leader-election tests: every write bumps a version, `lock()` gives each
 * candidate its own LeaseLock that remembers the version it last saw. A
 * lock can be `broken` to simulate a partitioned candidate.
 */
export class FakeLeaseStore {
  record: LeaderElectionRecord | undefined;
  version = 0;
  /** writes lists every accepted write, by identity. */
  readonly writes: { by: string; record: LeaderElectionRecord }[] = [];
  /** rejected counts creates and updates refused for a stale version. */
  rejected = 0;

  /** lock returns a LeaseLock on this store for one candidate. */
  lock(identity: string): FakeLeaseLock {
    return new FakeLeaseLock(this, identity);
  }
}

/** FakeLeaseLock is one candidate's view of a FakeLeaseStore. */
export class FakeLeaseLock implements LeaseLock {
  /** broken makes every call fail as a lost connection would. */
  broken = false;
  private seen = -1;

  constructor(
    private readonly store: FakeLeaseStore,
    private readonly identity: string,
  ) {}

  describe(): string {
    return 'fake/lease';
  }

  async get(): Promise<LeaderElectionRecord | undefined> {
    await this.hop();
    this.seen = this.store.version;
    return this.store.record ? { ...this.store.record } : undefined;
  }

  async create(record: LeaderElectionRecord): Promise<void> {
    await this.hop();
    if (this.store.record) {
      this.store.rejected++;
      throw newAlreadyExists(leaseResource, 'lease');
    }
    this.write(record);
  }

  async update(record: LeaderElectionRecord): Promise<void> {
    await this.hop();
    if (this.seen !== this.store.version) {
      this.store.rejected++;
      throw newConflict(leaseResource, 'lease');
    }
    this.write(record);
  }

  private write(record: LeaderElectionRecord): void {
    this.store.record = { ...record };
    this.store.version++;
    this.seen = this.store.version;
    this.store.writes.push({ by: this.identity, record: { ...record } });
  }

  // hop yields once, like a network round trip, so candidates interleave.
  private async hop(): Promise<void> {
    await Promise.resolve();
    if (this.broken) throw new ConnectionError('fake lease store unreachable');
  }
}
