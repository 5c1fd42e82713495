import type { IncomingMessage } from 'node:http';
import { isStatus } from '../api/errors.js';
import type { DeleteOptions, KubeList, KubeObject, Stored, WatchEvent } from '../api/meta.js';
import { apiVersionOf, resourcePath, type ResourceInfo } from '../api/resources.js';
import {
  patchContentTypes,
  type CallOptions,
  type GetOptions,
  type ListOptions,
  type PatchOptions,
  type PatchType,
  type WatchOptions,
  type WriteOptions,
} from './options.js';
import type { QueryValue, RestClient } from './rest-client.js';

/** DeleteCallOptions are DeleteOptions (sent as the body) plus call options. */
export type DeleteCallOptions = Omit<DeleteOptions, 'kind' | 'apiVersion' | 'dryRun'> &
  CallOptions & { dryRun?: boolean };

/** ApplyOptions: server-side apply needs a field manager; `force` takes fields over. */
export type ApplyOptions = Omit<WriteOptions, 'fieldManager'> & {
  fieldManager: string;
  force?: boolean;
};

/**
 * ResourceClient is the typed client of one resource (client-go's typed
 * clientsets, generic over the kind): `T` is the input shape, answers are
 * `Stored<T>`. A namespaced resource needs a namespace for single-object
 * calls — from `namespace(ns)` or the object's `metadata.namespace` —
 * otherwise the call throws a TypeError before any request; list, watch
 * and deleteCollection without one span all namespaces. Errors are those of
 * RestClient (StatusError with guards such as `isNotFound`, ConnectionError).
 */
export class ResourceClient<T extends KubeObject> {
  constructor(
    private readonly rest: RestClient,
    readonly info: ResourceInfo,
    readonly namespaceName?: string,
  ) {}

  /** namespace returns a client scoped to `ns`. */
  namespace(ns: string): ResourceClient<T> {
    return new ResourceClient<T>(this.rest, this.info, ns);
  }

  /** get reads one object; `resourceVersion: '0'` allows a cached read. */
  async get(name: string, opts: GetOptions = {}): Promise<Stored<T>> {
    return this.rest.request<Stored<T>>({
      ...call(opts),
      path: this.objectPath(name),
      query: { resourceVersion: opts.resourceVersion },
    });
  }

  /** list reads one page (all when no `limit`); items get apiVersion and kind filled in. */
  async list(opts: ListOptions = {}): Promise<KubeList<Stored<T>>> {
    const list = await this.rest.request<KubeList<Stored<T>>>({
      ...call(opts),
      path: this.collectionPath(),
      query: listQuery(opts),
    });
    for (const item of list.items ?? []) {
      item.apiVersion ||= apiVersionOf(this.info);
      item.kind ||= this.info.kind;
    }
    list.items ??= [];
    return list;
  }

  /**
   * listAll follows `continue` tokens and returns one list holding every
   * page (a consistent snapshot at the first page's resourceVersion).
   */
  async listAll(opts: ListOptions = {}): Promise<KubeList<Stored<T>>> {
    const first = await this.list(opts);
    let cont = first.metadata.continue;
    while (cont) {
      const page = await this.list({ ...opts, continue: cont });
      first.items.push(...page.items);
      cont = page.metadata.continue;
    }
    const { continue: _done, ...meta } = first.metadata;
    first.metadata = meta;
    return first;
  }

  /** create posts a new object; apiVersion and kind are filled in when absent. */
  async create(obj: T, opts: WriteOptions = {}): Promise<Stored<T>> {
    return this.rest.request<Stored<T>>({
      ...call(opts),
      method: 'POST',
      path: this.collectionPath(obj),
      query: writeQuery(opts),
      body: this.withTypeMeta(obj),
    });
  }

  /** update replaces an object (PUT); `metadata.resourceVersion` guards against lost updates. */
  async update(obj: T, opts: WriteOptions = {}): Promise<Stored<T>> {
    return this.updateSubresource<T, Stored<T>>(this.nameOf(obj), '', obj, opts);
  }

  /** updateStatus replaces the object's status (PUT …/status). */
  async updateStatus(obj: T, opts: WriteOptions = {}): Promise<Stored<T>> {
    return this.updateSubresource<T, Stored<T>>(this.nameOf(obj), 'status', obj, opts);
  }

  /**
   * patch sends a merge, JSON, strategic-merge or apply patch, to the object
   * or to `opts.subresource`. A JSON patch body is an array of operations.
   */
  async patch<R = Stored<T>>(
    name: string,
    type: PatchType,
    body: unknown,
    opts: PatchOptions = {},
  ): Promise<R> {
    return this.patchIn(undefined, name, type, body, opts);
  }

  /** apply is server-side apply of `obj` (a PATCH of type apply) under `opts.fieldManager`. */
  async apply(obj: T, opts: ApplyOptions): Promise<Stored<T>> {
    return this.patchIn(this.nsOf(obj), this.nameOf(obj), 'apply', this.withTypeMeta(obj), opts);
  }

  /**
   * delete deletes one object. It resolves with the object when the server
   * still holds it (finalizers, graceful deletion), or undefined when the
   * server answered a success Status.
   */
  async delete(name: string, opts: DeleteCallOptions = {}): Promise<Stored<T> | undefined> {
    const answer = await this.rest.request<Stored<T> | unknown>({
      ...call(opts),
      method: 'DELETE',
      path: this.objectPath(name),
      body: deleteBody(opts),
    });
    return answer === undefined || isStatus(answer) ? undefined : (answer as Stored<T>);
  }

  /** deleteCollection deletes every object the list options select. */
  async deleteCollection(opts: ListOptions & DeleteCallOptions = {}): Promise<void> {
    await this.rest.request({
      ...call(opts),
      method: 'DELETE',
      path: this.collectionPath(),
      query: listQuery(opts),
      body: deleteBody(opts),
    });
  }

  /**
   * watch streams changes from `opts.resourceVersion` (from "now" when
   * absent) until the server ends the stream or `signal` aborts. An ERROR
   * event throws its StatusError: `isGone(e)` means relist.
   */
  watch(opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<Stored<T>>> {
    return this.rest.watch<Stored<T>>(
      {
        path: this.collectionPath(),
        query: {
          watch: true,
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          resourceVersion: opts.resourceVersion,
          resourceVersionMatch: opts.resourceVersionMatch,
          allowWatchBookmarks: opts.allowWatchBookmarks,
          timeoutSeconds: opts.timeoutSeconds,
        },
      },
      signal,
    );
  }

  /** getSubresource reads a subresource, e.g. `scale`. */
  async getSubresource<R>(
    name: string,
    subresource: string,
    opts: GetOptions & { query?: Record<string, QueryValue> } = {},
  ): Promise<R> {
    return this.rest.request<R>({
      ...call(opts),
      path: this.objectPath(name, subresource),
      query: { resourceVersion: opts.resourceVersion, ...opts.query },
    });
  }

  /** createSubresource posts to a subresource, e.g. `binding` or `eviction`. */
  async createSubresource<B, R = unknown>(
    name: string,
    subresource: string,
    body: B,
    opts: WriteOptions = {},
  ): Promise<R> {
    return this.rest.request<R>({
      ...call(opts),
      method: 'POST',
      path: this.objectPath(name, subresource, this.nsOf(body)),
      query: writeQuery(opts),
      body,
    });
  }

  /** updateSubresource replaces a subresource (PUT), e.g. `scale` or `status`; '' is the object. */
  async updateSubresource<B, R = B>(
    name: string,
    subresource: string,
    body: B,
    opts: WriteOptions = {},
  ): Promise<R> {
    const whole = subresource === '' || subresource === 'status';
    return this.rest.request<R>({
      ...call(opts),
      method: 'PUT',
      path: this.objectPath(name, subresource || undefined, this.nsOf(body)),
      query: writeQuery(opts),
      body: whole ? this.withTypeMeta(body) : body,
    });
  }

  /**
   * streamSubresource GETs a streaming subresource (`log` with `follow`) and
   * resolves with the 2xx response to read as text; destroy it to stop.
   */
  async streamSubresource(
    name: string,
    subresource: string,
    query: Record<string, QueryValue> = {},
    opts: CallOptions = {},
  ): Promise<IncomingMessage> {
    return this.rest.stream({
      ...call(opts),
      path: this.objectPath(name, subresource),
      query,
      accept: '*/*',
    });
  }

  private async patchIn<R>(
    ns: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts: PatchOptions,
  ): Promise<R> {
    if (type === 'apply' && !opts.fieldManager) {
      throw new TypeError('an apply patch needs opts.fieldManager');
    }
    return this.rest.request<R>({
      ...call(opts),
      method: 'PATCH',
      path: this.objectPath(name, opts.subresource, ns),
      query: { ...writeQuery(opts), force: opts.force },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      contentType: patchContentTypes[type],
    });
  }

  // nsOf reads metadata.namespace of a body, for calls not scoped by namespace().
  private nsOf(obj: unknown): string | undefined {
    const m: unknown = (obj as { metadata?: unknown } | null | undefined)?.metadata;
    const ns =
      typeof m === 'object' && m !== null ? (m as { namespace?: unknown }).namespace : undefined;
    return typeof ns === 'string' && ns !== '' ? ns : undefined;
  }

  private namespaceFor(explicit?: string): string | undefined {
    if (!this.info.namespaced) return undefined;
    return this.namespaceName ?? explicit;
  }

  private collectionPath(obj?: unknown): string {
    return resourcePath(this.info, { namespace: this.namespaceFor(this.nsOf(obj)) });
  }

  private objectPath(name: string, subresource?: string, ns?: string): string {
    if (!name) throw new TypeError(`${this.info.resource}: a name is required`);
    const namespace = this.namespaceFor(ns);
    if (this.info.namespaced && !namespace) {
      throw new TypeError(
        `${this.info.resource} is namespaced: use .namespace(ns) or set metadata.namespace`,
      );
    }
    return resourcePath(this.info, { namespace, name, subresource });
  }

  private nameOf(obj: T): string {
    const name = obj.metadata?.name;
    if (!name) throw new TypeError(`${this.info.resource}: metadata.name is required`);
    return name;
  }

  private withTypeMeta<B>(obj: B): B {
    const o = obj as KubeObject;
    if (o.apiVersion && o.kind) return obj;
    return {
      ...obj,
      apiVersion: o.apiVersion || apiVersionOf(this.info),
      kind: o.kind || this.info.kind,
    };
  }
}

function call(opts: CallOptions): CallOptions {
  const c: CallOptions = {};
  if (opts.signal) c.signal = opts.signal;
  if (opts.timeoutMs !== undefined) c.timeoutMs = opts.timeoutMs;
  return c;
}

function listQuery(opts: ListOptions): Record<string, QueryValue> {
  return {
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
    limit: opts.limit,
    continue: opts.continue,
    resourceVersion: opts.resourceVersion,
    resourceVersionMatch: opts.resourceVersionMatch,
    timeoutSeconds: opts.timeoutSeconds,
  };
}

function writeQuery(opts: WriteOptions): Record<string, QueryValue> {
  return {
    fieldManager: opts.fieldManager,
    fieldValidation: opts.fieldValidation,
    dryRun: opts.dryRun ? 'All' : undefined,
  };
}

function deleteBody(opts: DeleteCallOptions): DeleteOptions {
  const body: DeleteOptions = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
  if (opts.preconditions) body.preconditions = opts.preconditions;
  if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
  if (opts.orphanDependents !== undefined) body.orphanDependents = opts.orphanDependents;
  if (opts.dryRun) body.dryRun = ['All'];
  return body;
}
