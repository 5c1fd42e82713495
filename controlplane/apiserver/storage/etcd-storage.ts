import { ExponentialBackoff, noop } from 'cockatiel';
import { Etcd3, type IKeyValue, type IWatchResponse, type Watcher } from 'etcd3';
import type { Logger } from '../../../lib/log.js';
import { nopLogger } from '../../../lib/log.js';
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionConflictError,
  castEtcdError,
  isCompacted,
} from './errors.js';
import { prefixEnd } from './keys.js';

/** KV is one key as etcd keeps it. */
export interface KV {
  key: string;
  value: Buffer;
  modRevision: number;
  createRevision: number;
}

export interface ListOptions {
  /** startKey continues a paginated list (inclusive); it must be under the prefix. */
  startKey?: string;
  /** limit is the page size; 0 or absent means all. */
  limit?: number;
  /** revision reads the store as of that revision; absent means the latest (quorum read). */
  revision?: number;
}

export interface ListResult {
  kvs: KV[];
  /** revision is the store revision the list was read at. */
  revision: number;
  /** more tells whether keys remain after the last one returned. */
  more: boolean;
  /** count is how many keys matched from startKey on (before the limit). */
  count: number;
}

/** StorageEvent is one change seen by a watch. */
export interface StorageEvent {
  type: 'put' | 'delete';
  key: string;
  /** value is empty for deletes. */
  value: Buffer;
  /** prevValue is the value before the change, when there was one. */
  prevValue?: Buffer;
  revision: number;
  /** created tells a put that created the key from one that updated it. */
  created: boolean;
}

/** WatchHandlers receive a watch's events in revision order. */
export interface WatchHandlers {
  /** onEvents gets the events of one etcd response (one or more revisions). */
  onEvents(events: StorageEvent[], revision: number): void;
  /** onProgress reports that the store has reached `revision` with no further events for the prefix. */
  onProgress(revision: number): void;
  /** onError ends the watch: CompactedError when the start revision is gone, or another failure. */
  onError(err: Error): void;
}

export interface StorageMetrics {
  observe(operation: string, seconds: number): void;
}

export interface EtcdStorageOptions {
  endpoints: string[];
  /** requestTimeoutMs bounds each unary call; default 5 s. */
  requestTimeoutMs?: number;
  logger?: Logger;
  metrics?: StorageMetrics;
}

/** Write is one put in a transaction; leaseTtlSeconds attaches it to a (shared) lease. */
export interface Write {
  key: string;
  value: Buffer;
  leaseTtlSeconds?: number;
}

/** Guard makes a transaction conditional: the key's mod revision must equal `modRevision` (0 = absent). */
export interface Guard {
  key: string;
  modRevision: number;
}

/**
 * EtcdStorage is the API server's only path to etcd: reads, guarded writes
 * (every write is a transaction on the revision it read), paginated lists at
 * one revision, and prefix watches. etcd3/gRPC errors become the typed
 * errors of ./errors.ts. Safe for concurrent use.
 */
export class EtcdStorage {
  readonly client: Etcd3;
  private readonly logger: Logger;
  private readonly metrics: StorageMetrics | undefined;
  private leases = new Map<number, { id: Promise<string>; until: number }>();

  constructor(opts: EtcdStorageOptions) {
    const timeout = opts.requestTimeoutMs ?? 5000;
    this.logger = opts.logger ?? nopLogger;
    this.metrics = opts.metrics;
    this.client = new Etcd3({
      hosts: opts.endpoints,
      dialTimeout: timeout,
      grpcOptions: {
        'grpc.max_receive_message_length': 64 * 1024 * 1024,
        'grpc.max_send_message_length': 8 * 1024 * 1024,
      },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
      faultHandling: {
        // No retries and no circuit breaker in front of etcd: a failed call
        // fails at once (the client sees 503 and retries), grpc-js reconnects
        // by itself, and the API server serves again as soon as etcd answers.
        // The policies also cost ~8% of the CPU of a write.
        host: () => noop,
        global: noop,
        // etcd3 takes the first step of a backoff, not a factory.
        watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }).next(),
      },
    });
  }

  private async timed<T>(operation: string, fn: () => Promise<T>, revision?: number): Promise<T> {
    const start = process.hrtime.bigint();
    try {
      return await fn();
    } catch (e) {
      throw castEtcdError(e, revision);
    } finally {
      this.metrics?.observe(operation, Number(process.hrtime.bigint() - start) / 1e9);
    }
  }

  /** get reads one key (at `revision`, or the latest); undefined when absent. */
  async get(key: string, revision?: number): Promise<KV | undefined> {
    return this.timed(
      'get',
      async () => {
        const b = this.client.get(key);
        if (revision) b.revision(revision);
        const res = await b.exec();
        const kv = res.kvs[0];
        return kv ? toKV(kv) : undefined;
      },
      revision,
    );
  }

  /** list reads the keys under `prefix` in key order, one page at one revision. */
  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    return this.timed(
      'list',
      async () => {
        const b = this.client.getAll().inRange({
          start: Buffer.from(opts.startKey ?? prefix),
          end: prefixEnd(prefix),
        });
        if (opts.limit) b.limit(opts.limit);
        if (opts.revision) b.revision(opts.revision);
        const res = await b.exec();
        return {
          kvs: res.kvs.map(toKV),
          revision: Number(res.header.revision),
          more: res.more,
          count: Number(res.count),
        };
      },
      opts.revision,
    );
  }

  /** count counts the keys under `prefix` without reading them. */
  async count(prefix: string): Promise<number> {
    return this.timed('count', () => this.client.getAll().prefix(prefix).count());
  }

  /** revision is the store's current revision. */
  async revision(): Promise<number> {
    return this.timed('revision', async () => {
      const res = await this.client.get('/registry/\u0000revision-probe').exec();
      return Number(res.header.revision);
    });
  }

  /**
   * commit applies `writes` and `deletes` atomically if every guard holds.
   * Returns the new revision, or, when a guard failed, the current mod
   * revision of each guarded key (0 when absent).
   */
  async commit(
    guards: Guard[],
    writes: Write[],
    deletes: string[] = [],
  ): Promise<
    { succeeded: true; revision: number } | { succeeded: false; actual: Map<string, number> }
  > {
    return this.timed('txn', async () => {
      const leaseIds = await Promise.all(
        writes.map((w) => (w.leaseTtlSeconds ? this.sharedLease(w.leaseTtlSeconds) : undefined)),
      );
      const [first, ...rest] = guards;
      if (!first) throw new Error('commit: at least one guard is required');
      let txn = this.client.if(first.key, 'Mod', '==', first.modRevision);
      for (const g of rest) txn = txn.and(g.key, 'Mod', '==', g.modRevision);
      const ops = [
        ...writes.map((w, i) => {
          const p = this.client.put(w.key).value(w.value);
          const lease = leaseIds[i];
          return lease ? p.lease(lease) : p;
        }),
        ...deletes.map((k) => this.client.delete().key(k)),
      ];
      const res = await txn
        .then(...ops)
        .else(...guards.map((g) => this.client.get(g.key)))
        .commit();
      if (res.succeeded) return { succeeded: true as const, revision: Number(res.header.revision) };
      const actual = new Map<string, number>();
      guards.forEach((g, i) => {
        const kv = res.responses[i]?.response_range?.kvs[0];
        actual.set(g.key, kv ? Number(kv.mod_revision) : 0);
      });
      return { succeeded: false as const, actual };
    });
  }

  /** create writes a new key; KeyExistsError when it exists. Returns the new revision. */
  async create(w: Write, also: { guards?: Guard[]; writes?: Write[] } = {}): Promise<number> {
    const r = await this.commit(
      [{ key: w.key, modRevision: 0 }, ...(also.guards ?? [])],
      [w, ...(also.writes ?? [])],
    );
    if (r.succeeded) return r.revision;
    if ((r.actual.get(w.key) ?? 0) !== 0) throw new KeyExistsError(w.key);
    const other = [...r.actual.entries()].find(([k, v]) => k !== w.key && v !== 0);
    throw new KeyExistsError(other ? other[0] : w.key);
  }

  /**
   * update replaces a key's value if its mod revision is still `expected`.
   * KeyNotFoundError when it is gone, RevisionConflictError when it moved.
   */
  async update(
    w: Write,
    expected: number,
    also: { writes?: Write[]; deletes?: string[] } = {},
  ): Promise<number> {
    const r = await this.commit(
      [{ key: w.key, modRevision: expected }],
      [w, ...(also.writes ?? [])],
      also.deletes,
    );
    if (r.succeeded) return r.revision;
    const actual = r.actual.get(w.key) ?? 0;
    if (actual === 0) throw new KeyNotFoundError(w.key);
    throw new RevisionConflictError(w.key, expected, actual);
  }

  /** delete removes a key if its mod revision is still `expected`; returns the revision of the delete. */
  async delete(key: string, expected: number, also: { deletes?: string[] } = {}): Promise<number> {
    const r = await this.commit(
      [{ key, modRevision: expected }],
      [],
      [key, ...(also.deletes ?? [])],
    );
    if (r.succeeded) return r.revision;
    const actual = r.actual.get(key) ?? 0;
    if (actual === 0) throw new KeyNotFoundError(key);
    throw new RevisionConflictError(key, expected, actual);
  }

  /** compact discards history before `revision` (tests and maintenance). */
  async compact(revision: number): Promise<void> {
    await this.timed('compact', () => this.client.kv.compact({ revision, physical: true }));
  }

  /**
   * sharedLease returns a lease that lives `ttl` seconds, shared by writes
   * within a minute of each other (as kube-apiserver's lease manager does for
   * events) so a burst of events costs one lease, not one each.
   */
  private sharedLease(ttl: number): Promise<string> {
    const now = Date.now();
    const cached = this.leases.get(ttl);
    if (cached && cached.until > now) return cached.id;
    const id = this.client.leaseClient.leaseGrant({ TTL: ttl + 60 }).then((r) => String(r.ID));
    this.leases.set(ttl, { id, until: now + 60_000 });
    id.catch(() => this.leases.delete(ttl));
    return id;
  }

  /**
   * watch follows every change under `prefix` from `fromRevision` (inclusive)
   * until `signal` aborts or an error ends it (reported through onError once).
   * etcd3 reconnects by itself after a disconnection and resumes after the
   * last revision it delivered.
   */
  async watch(
    prefix: string,
    fromRevision: number,
    handlers: WatchHandlers,
    signal: AbortSignal,
  ): Promise<void> {
    // etcd cancels a watch whose start revision was compacted, but etcd3 only
    // passes on the (empty) cancel reason; probing a read at that revision
    // tells compaction from other failures.
    let next = fromRevision;
    const diagnose = async (e: unknown): Promise<Error> => {
      try {
        await this.get(prefix, next);
      } catch (probe) {
        if (isCompacted(probe)) return new CompactedError(next, 0, { cause: e });
      }
      return castEtcdError(e);
    };
    let watcher: Watcher;
    try {
      watcher = await this.client
        .watch()
        .prefix(prefix)
        .startRevision(String(fromRevision))
        .withPreviousKV()
        .create();
    } catch (e) {
      throw await diagnose(e);
    }
    let ended = false;
    const end = (err?: Error): void => {
      if (ended) return;
      ended = true;
      signal.removeEventListener('abort', onAbort);
      void watcher.cancel().catch(() => {});
      if (err) handlers.onError(err);
    };
    const onAbort = (): void => end();
    signal.addEventListener('abort', onAbort, { once: true });
    watcher.on('data', (res: IWatchResponse) => {
      if (ended) return;
      const revision = Number(res.header.revision);
      if (res.events.length === 0) {
        handlers.onProgress(revision);
        return;
      }
      const events = res.events.map((ev) => {
        const isPut = String(ev.type) === 'Put' || String(ev.type) === '0';
        return {
          type: isPut ? ('put' as const) : ('delete' as const),
          key: ev.kv.key.toString(),
          value: isPut ? Buffer.from(ev.kv.value) : Buffer.alloc(0),
          ...(ev.prev_kv ? { prevValue: Buffer.from(ev.prev_kv.value) } : {}),
          revision: Number(ev.kv.mod_revision),
          created: isPut && ev.kv.create_revision === ev.kv.mod_revision,
        };
      });
      next = events[events.length - 1]!.revision + 1;
      handlers.onEvents(events, revision);
    });
    watcher.on('disconnected', (err: Error) =>
      this.logger.warn('etcd watch disconnected', { prefix, err }),
    );
    watcher.on('connected', () => this.logger.debug('etcd watch connected', { prefix }));
    watcher.on('error', (err: Error) => {
      if (ended) return;
      void diagnose(err).then((e) => end(e));
    });
    watcher.on('end', () => end(new Error(`etcd watch on ${prefix} ended`)));
  }

  /** close ends every connection. Idempotent. */
  close(): void {
    this.client.close();
  }
}

function toKV(kv: IKeyValue): KV {
  return {
    key: kv.key.toString(),
    value: Buffer.from(kv.value),
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
  };
}
