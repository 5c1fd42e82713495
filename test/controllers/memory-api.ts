/**
 * MemoryApi is an in-memory stand-in for the API server, for unit tests of
 * the garbage collector, namespace, node IPAM, node lifecycle and pod GC
 * controllers: a RestClient whose requests are answered from maps instead of
 * HTTP. It keeps list/watch semantics (a global resourceVersion, watches that
 * replay from a version) so real informers run on it, mirrors the deletion
 * rules the real server applies (finalizers from propagationPolicy, graceful
 * deletion of bound pods, namespaces Terminating until finalized), and
 * records every request so tests can assert on the calls a reconcile made.
 * Test-only; integration tests use the real API server.
 */
import { randomUUID } from 'node:crypto';
import {
  StatusError,
  newBadRequest,
  newConflict,
  newMethodNotSupported,
  newNotFound,
} from '../../controlplane/api/errors.js';
import type {
  DeleteOptions,
  KubeList,
  KubeObject,
  Stored,
  WatchEvent,
} from '../../controlplane/api/meta.js';
import { applyMergePatch } from '../../controlplane/api/patch/index.js';
import { apiVersionOf, resources, type ResourceInfo } from '../../controlplane/api/resources.js';
import {
  RestClient,
  keyOf,
  type HttpMethod,
  type RequestOptions,
} from '../../controlplane/client/index.js';
import type { Clock } from '../../lib/time.js';

type Obj = Stored<KubeObject> & Record<string, unknown>;

/** ApiCall is one request MemoryApi answered (or refused). */
export interface ApiCall {
  method: HttpMethod;
  path: string;
  /** resource is the plural name, `subresource` e.g. `status`, `finalize`. */
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: Record<string, string>;
  body: unknown;
}

interface Route {
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

interface Change {
  rv: number;
  info: ResourceInfo;
  ev: WatchEvent<Obj>;
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** MemoryApi: see the file comment. Objects handed out are copies. */
export class MemoryApi extends RestClient {
  /** calls lists every request, in order. */
  readonly calls: ApiCall[] = [];
  private readonly objects = new Map<string, Obj>();
  private readonly history: Change[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly failures: { match: (c: ApiCall) => boolean; err: unknown }[] = [];
  private rv = 1000;

  constructor(private readonly time: Clock) {
    super({ server: 'http://memory.invalid' });
  }

  /** writes lists the calls that were not reads. */
  get writes(): ApiCall[] {
    return this.calls.filter((c) => c.method !== 'GET');
  }

  /** seed stores `obj` as the server would on create (uid, resourceVersion, timestamps), unrecorded. */
  seed<T extends KubeObject>(info: ResourceInfo, obj: T): Stored<T> {
    return this.create(info, structuredClone(obj) as unknown as Obj) as unknown as Stored<T>;
  }

  /** put replaces a stored object as a client's update would, unrecorded and unchecked. */
  put<T extends KubeObject>(info: ResourceInfo, obj: T): Stored<T> {
    const o = structuredClone(obj) as unknown as Obj;
    o.apiVersion ||= apiVersionOf(info);
    o.kind ||= info.kind;
    return this.store(info, o) as unknown as Stored<T>;
  }

  /** remove deletes a stored object at once, unrecorded (an outside actor's delete). */
  remove(info: ResourceInfo, namespace: string | undefined, name: string): void {
    const key = this.key(info, namespace, name);
    const o = this.objects.get(key);
    if (o) this.drop(info, key, o);
  }

  /** get reads a stored object (a copy), or undefined. */
  get<T extends KubeObject = KubeObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
  ): Stored<T> | undefined {
    const o = this.objects.get(this.key(info, namespace, name));
    return o ? (structuredClone(o) as unknown as Stored<T>) : undefined;
  }

  /** list reads the stored objects of a resource (copies), optionally in one namespace. */
  list<T extends KubeObject = KubeObject>(info: ResourceInfo, namespace?: string): Stored<T>[] {
    return this.select(info, namespace).map((o) => structuredClone(o) as unknown as Stored<T>);
  }

  /** failNext makes the next call `match` accepts fail with `err` (once). */
  failNext(match: (c: ApiCall) => boolean, err: unknown): void {
    this.failures.push({ match, err });
  }

  override async request<R = unknown>(opts: RequestOptions): Promise<R> {
    const route = this.route(opts.path);
    const call: ApiCall = {
      method: opts.method ?? 'GET',
      path: opts.path,
      resource: route.info.resource,
      query: Object.fromEntries(
        Object.entries(opts.query ?? {})
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      ),
      body: typeof opts.body === 'string' ? JSON.parse(opts.body) : structuredClone(opts.body),
    };
    if (route.namespace) call.namespace = route.namespace;
    if (route.name) call.name = route.name;
    if (route.subresource) call.subresource = route.subresource;
    this.calls.push(call);
    await Promise.resolve();
    const i = this.failures.findIndex((f) => f.match(call));
    if (i >= 0) {
      const [f] = this.failures.splice(i, 1);
      throw f?.err;
    }
    return structuredClone(this.answer(route, call)) as R;
  }

  override async *watch<T>(
    opts: RequestOptions,
    signal: AbortSignal,
  ): AsyncGenerator<WatchEvent<T>, void, undefined> {
    const route = this.route(opts.path);
    let from = Number(opts.query?.['resourceVersion'] ?? this.rv);
    while (!signal.aborted) {
      const due = this.history.filter(
        (c) =>
          c.rv > from &&
          c.info === route.info &&
          (!route.namespace || c.ev.object.metadata.namespace === route.namespace),
      );
      for (const c of due) {
        from = c.rv;
        yield structuredClone(c.ev) as unknown as WatchEvent<T>;
      }
      from = Math.max(from, this.rv);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.listeners.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.listeners.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private answer(r: Route, call: ApiCall): unknown {
    const gr = { group: r.info.group, resource: r.info.resource };
    const body = call.body as Obj | undefined;
    switch (call.method) {
      case 'GET': {
        if (r.name === undefined) return this.listOf(r);
        const o = this.objects.get(this.key(r.info, r.namespace, r.name));
        if (!o) throw newNotFound(gr, r.name);
        return o;
      }
      case 'POST':
        if (r.name !== undefined) throw newMethodNotSupported(gr, 'create');
        if (!body) throw newBadRequest('no body');
        if (r.namespace) body.metadata.namespace = r.namespace;
        return this.create(r.info, body);
      case 'PUT':
      case 'PATCH': {
        if (r.name === undefined || !body) throw newMethodNotSupported(gr, 'update');
        const cur = this.objects.get(this.key(r.info, r.namespace, r.name));
        if (!cur) throw newNotFound(gr, r.name);
        const proposed =
          call.method === 'PUT' ? body : (applyMergePatch(cur, body) as unknown as Obj);
        const rv = proposed.metadata?.resourceVersion;
        if (rv && rv !== cur.metadata.resourceVersion) throw newConflict(gr, r.name);
        return this.update(r, cur, proposed);
      }
      case 'DELETE': {
        const opts = (body ?? {}) as DeleteOptions;
        if (r.name !== undefined) return this.delete(r.info, r.namespace, r.name, opts);
        for (const o of this.select(r.info, r.namespace)) {
          this.delete(r.info, o.metadata.namespace, o.metadata.name, opts);
        }
        return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
      }
    }
  }

  private update(r: Route, cur: Obj, proposed: Obj): Obj {
    const next = structuredClone(cur);
    if (r.subresource === 'status') {
      next['status'] = proposed['status'];
    } else if (r.subresource === 'finalize') {
      next['spec'] = { ...(cur['spec'] as object), ...(proposed['spec'] as object) };
    } else {
      for (const [k, v] of Object.entries(proposed)) {
        if (k !== 'metadata' && k !== 'status') next[k] = v;
      }
      const keep = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'];
      const m = { ...proposed.metadata, name: cur.metadata.name } as unknown as Record<
        string,
        unknown
      >;
      for (const k of keep) m[k] = (cur.metadata as unknown as Record<string, unknown>)[k];
      if (cur.metadata.namespace) m['namespace'] = cur.metadata.namespace;
      next.metadata = m as unknown as Obj['metadata'];
    }
    if (this.readyToGo(r.info, next)) {
      this.drop(r.info, this.key(r.info, r.namespace, cur.metadata.name), next);
      return next;
    }
    return this.store(r.info, next);
  }

  private delete(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions,
  ): unknown {
    const gr = { group: info.group, resource: info.resource };
    const key = this.key(info, namespace, name);
    const cur = this.objects.get(key);
    if (!cur) throw newNotFound(gr, name);
    if (opts.preconditions?.uid && opts.preconditions.uid !== cur.metadata.uid) {
      throw newConflict(gr, name, 'uid precondition failed');
    }
    const next = structuredClone(cur);
    const m = next.metadata;
    const finalizers = [...(m.finalizers ?? [])];
    if (!m.deletionTimestamp) {
      if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan'))
        finalizers.push('orphan');
      if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion'))
        finalizers.push('foregroundDeletion');
    }
    if (finalizers.length) m.finalizers = finalizers;
    const grace = this.gracePeriod(info, cur, opts);
    const pending = info.resource === 'namespaces' ? this.nsFinalizers(cur) : [];
    if (grace === 0 && finalizers.length === 0 && pending.length === 0) {
      this.drop(info, key, cur);
      return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
    }
    const now = this.time.now();
    if (grace > 0) {
      const deadline = now + grace * 1000;
      const existing = m.deletionTimestamp ? Date.parse(m.deletionTimestamp) : Infinity;
      if (deadline < existing) {
        m.deletionTimestamp = rfc3339(deadline);
        m.deletionGracePeriodSeconds = grace;
      }
    } else {
      m.deletionTimestamp ??= rfc3339(now);
      m.deletionGracePeriodSeconds = 0;
    }
    if (info.resource === 'namespaces') {
      next['status'] = { ...(next['status'] as object), phase: 'Terminating' };
    }
    if (this.readyToGo(info, next)) {
      this.drop(info, key, next);
      return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
    }
    return this.store(info, next);
  }

  private gracePeriod(info: ResourceInfo, o: Obj, opts: DeleteOptions): number {
    if (info.resource !== 'pods') return 0;
    const spec = o['spec'] as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (o['status'] as { phase?: string } | undefined)?.phase;
    if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    return opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
  }

  private nsFinalizers(o: Obj): string[] {
    return (o['spec'] as { finalizers?: string[] } | undefined)?.finalizers ?? [];
  }

  private readyToGo(info: ResourceInfo, o: Obj): boolean {
    if (!o.metadata.deletionTimestamp || (o.metadata.finalizers ?? []).length > 0) return false;
    if (info.resource === 'namespaces' && this.nsFinalizers(o).length > 0) return false;
    return (o.metadata.deletionGracePeriodSeconds ?? 0) === 0;
  }

  private create(info: ResourceInfo, o: Obj): Obj {
    o.apiVersion ||= apiVersionOf(info);
    o.kind ||= info.kind;
    const m = o.metadata;
    if (!m.name && m.generateName) m.name = m.generateName + randomUUID().slice(0, 5);
    if (!m.name) throw newBadRequest('name required');
    const key = this.key(info, m.namespace, m.name);
    if (this.objects.has(key)) {
      throw new StatusError({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        reason: 'AlreadyExists',
        code: 409,
      });
    }
    m.uid ||= randomUUID();
    m.creationTimestamp ||= rfc3339(this.time.now());
    if (info.resource === 'namespaces') {
      o['spec'] = { finalizers: ['kubernetes'], ...(o['spec'] as object) };
      o['status'] = { phase: 'Active' };
    }
    return this.store(info, o);
  }

  private store(info: ResourceInfo, o: Obj): Obj {
    const key = this.key(info, o.metadata.namespace, o.metadata.name);
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, o);
    this.announce(info, { type, object: structuredClone(o) });
    return o;
  }

  private drop(info: ResourceInfo, key: string, last: Obj): void {
    this.objects.delete(key);
    const gone = structuredClone(last);
    gone.metadata.resourceVersion = String(++this.rv);
    this.announce(info, { type: 'DELETED', object: gone });
  }

  private announce(info: ResourceInfo, ev: WatchEvent<Obj>): void {
    this.history.push({ rv: this.rv, info, ev });
    for (const l of [...this.listeners]) l();
  }

  private select(info: ResourceInfo, namespace?: string): Obj[] {
    const prefix = `${info.group}/${info.resource}/`;
    return [...this.objects.entries()]
      .filter(
        ([k, o]) => k.startsWith(prefix) && (!namespace || o.metadata.namespace === namespace),
      )
      .map(([, o]) => o);
  }

  private listOf(r: Route): KubeList<Obj> {
    return {
      apiVersion: apiVersionOf(r.info),
      kind: r.info.listKind,
      metadata: { resourceVersion: String(this.rv) },
      items: this.select(r.info, r.namespace),
    };
  }

  private key(info: ResourceInfo, namespace: string | undefined, name: string): string {
    return `${info.group}/${info.resource}/${keyOf(info.namespaced ? namespace : undefined, name)}`;
  }

  private route(path: string): Route {
    const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group = '';
    let version: string | undefined;
    if (segs[0] === 'api') {
      version = segs[1];
      segs.splice(0, 2);
    } else if (segs[0] === 'apis') {
      group = segs[1] ?? '';
      version = segs[2];
      segs.splice(0, 3);
    }
    let namespace: string | undefined;
    const nsScoped = resources.some(
      (r) => r.namespaced && r.group === group && r.version === version && r.resource === segs[2],
    );
    if (segs[0] === 'namespaces' && segs.length >= 3 && nsScoped) {
      namespace = segs[1];
      segs.splice(0, 2);
    }
    const info = resources.find(
      (r) => r.group === group && r.version === version && r.resource === segs[0],
    );
    if (!info) throw newNotFound({ group, resource: segs[0] ?? '' }, path);
    const route: Route = { info };
    if (namespace) route.namespace = namespace;
    if (segs[1] !== undefined) route.name = segs[1];
    if (segs[2] !== undefined) route.subresource = segs[2];
    return route;
  }
}
