import type { Clock } from '../../../lib/time.js';
import type { Logger } from '../../../lib/log.js';
import {
  newAlreadyExists,
  newBadRequest,
  newConflict,
  newInvalid,
  newNotFound,
  type GroupResource,
} from '../../api/errors.js';
import type { FieldError } from '../../api/field-path.js';
import type { DeleteOptions, ObjectMeta } from '../../api/meta.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import type { EtcdStorage, Guard, KV, Write } from '../storage/etcd-storage.js';
import { isKeyExists, isRevisionConflict } from '../storage/errors.js';
import { keyFor, listPrefix, type StorageResource } from '../storage/keys.js';
import type { WatchCache } from '../storage/watch-cache.js';
import {
  decode,
  deepCopy,
  encode,
  generateNameSuffix,
  newUid,
  rfc3339,
  sameJson,
} from './codec.js';
import type { Machinery } from './machinery.js';
import { emptyAllocation, type Allocation, type Strategy } from './strategy.js';
import type { ApiObject, DeleteResult, GetOptions, WriteOptions } from './types.js';
import { toStatusError } from './status-errors.js';

/** NamespaceGate checks that a namespace exists and accepts new objects. */
export interface NamespaceGate {
  /** admit throws NotFound (namespace missing) or Forbidden (terminating). */
  admit(namespace: string, gr: GroupResource, name: string): Promise<void>;
}

export interface StoreDeps {
  storage: EtcdStorage;
  cache: WatchCache<ApiObject>;
  machinery: Machinery;
  clock: Clock;
  logger: Logger;
  namespaces?: NamespaceGate;
}

/** UpdateFn computes the new object from the current one (a patch, a scale, a binding). */
export type UpdateFn = (current: ApiObject) => ApiObject | Promise<ApiObject>;

export interface UpdateOptions extends WriteOptions {
  /** subresource 'status' writes only status; other subresources are computed by UpdateFn. */
  subresource?: string;
  /** resourceVersion, when set, must still be the current one (else 409 Conflict). */
  resourceVersion?: string;
  uid?: string;
}

const maxRetries = 8;

/**
 * Store is the generic REST storage of one resource (apiserver's
 * genericregistry.Store): create, get, update (guaranteed, with optimistic
 * concurrency on etcd revisions), delete with graceful deletion and
 * finalizers. Kind-specific behaviour comes from its Strategy.
 */
export class Store {
  readonly gr: GroupResource;
  readonly storageResource: StorageResource;

  constructor(
    readonly info: ResourceInfo,
    readonly strategy: Strategy,
    private readonly deps: StoreDeps,
  ) {
    this.gr = { group: info.group, resource: info.resource };
    this.storageResource = {
      group: info.group,
      resource: info.resource,
      namespaced: info.namespaced,
    };
  }

  get cache(): WatchCache<ApiObject> {
    return this.deps.cache;
  }

  key(namespace: string | undefined, name: string): string {
    return keyFor(this.storageResource, namespace, name);
  }

  prefix(namespace?: string): string {
    return listPrefix(this.storageResource, namespace);
  }

  private now(): string {
    return rfc3339(this.deps.clock.now());
  }

  private invalid(name: string, errs: FieldError[]): Error {
    return newInvalid({ group: this.info.group, kind: this.info.kind }, name, errs);
  }

  /** read gets the current stored object (quorum read), or undefined. */
  private async read(key: string): Promise<{ obj: ApiObject; kv: KV } | undefined> {
    const kv = await this.deps.storage.get(key);
    if (!kv) return undefined;
    return { obj: decode(kv.value, kv.modRevision), kv };
  }

  /**
   * get returns one object. resourceVersion unset reads etcd; "0" reads the
   * watch cache; any other value reads the cache once it is at least that new.
   */
  async get(
    namespace: string | undefined,
    name: string,
    opts: GetOptions = {},
  ): Promise<ApiObject> {
    return this.wrap(async () => {
      const key = this.key(namespace, name);
      if (opts.resourceVersion) {
        const rv = Number(opts.resourceVersion);
        if (!Number.isInteger(rv) || rv < 0)
          throw newBadRequest(`invalid resourceVersion "${opts.resourceVersion}"`);
        await this.deps.cache.waitForRevision(rv);
        const obj = this.deps.cache.get(key);
        if (!obj) throw newNotFound(this.gr, name);
        return deepCopy(obj);
      }
      const cur = await this.read(key);
      if (!cur) throw newNotFound(this.gr, name);
      return cur.obj;
    });
  }

  /**
   * create stores a new object: defaults, server-owned metadata, validation,
   * the namespace check, allocations, then one guarded etcd transaction.
   * With `generateName`, a name collision is retried with a new suffix.
   */
  async create(
    namespace: string | undefined,
    input: ApiObject,
    opts: WriteOptions = {},
  ): Promise<ApiObject> {
    return this.wrap(async () => {
      const obj = deepCopy(input);
      obj.apiVersion = apiVersionOf({ ...this.info, version: this.info.storageVersion });
      obj.kind = this.info.kind;
      // The input's metadata is a user's: everything server-owned is (re)set here.
      const meta: ObjectMeta = obj.metadata;
      if (this.info.namespaced) meta.namespace = namespace;
      else delete meta.namespace;
      this.deps.machinery.applyDefaults(this.info, obj, 'create');
      delete meta.resourceVersion;
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
      meta.uid = newUid();
      meta.creationTimestamp = this.now();
      if (this.strategy.tracksGeneration) meta.generation = 1;
      else delete meta.generation;
      delete meta.managedFields;
      this.strategy.prepareForCreate?.(obj);
      const generated = !meta.name && !!meta.generateName;
      if (generated) meta.name = `${meta.generateName}${generateNameSuffix()}`;
      const errs = [
        ...this.deps.machinery.validate(this.info, obj),
        ...(this.strategy.validate?.(obj) ?? []),
      ];
      if (errs.length) throw this.invalid(meta.name ?? meta.generateName ?? '', errs);
      if (this.info.namespaced && namespace)
        await this.deps.namespaces?.admit(namespace, this.gr, meta.name ?? '');
      for (let attempt = 0; ; attempt++) {
        // Each attempt allocates afresh on a copy: a lost race must not look like a user's choice.
        const attemptObj = deepCopy(obj);
        const alloc =
          (await this.strategy.allocate?.(attemptObj, undefined, this.allocationContext())) ??
          emptyAllocation();
        if (opts.dryRun) return attemptObj;
        try {
          const rev = await this.commitCreate(attemptObj, alloc);
          attemptObj.metadata.resourceVersion = String(rev);
          return attemptObj;
        } catch (e) {
          if (!isKeyExists(e)) throw e;
          if (e.key === this.key(namespace, obj.metadata.name)) {
            if (generated && attempt < maxRetries) {
              obj.metadata.name = `${meta.generateName}${generateNameSuffix()}`;
              continue;
            }
            throw newAlreadyExists(this.gr, obj.metadata.name);
          }
          // An allocation raced with another writer: allocate again.
          if (attempt >= maxRetries) {
            throw newConflict(this.gr, obj.metadata.name, 'could not allocate, try again');
          }
        }
      }
    });
  }

  private async commitCreate(obj: ApiObject, alloc: Allocation): Promise<number> {
    const key = this.key(obj.metadata.namespace, obj.metadata.name);
    const write: Write = { key, value: encode(obj), ...this.lease() };
    return this.deps.storage.create(write, { guards: alloc.guards, writes: alloc.writes });
  }

  private lease(): { leaseTtlSeconds?: number } {
    return this.strategy.leaseTtlSeconds ? { leaseTtlSeconds: this.strategy.leaseTtlSeconds } : {};
  }

  private allocationContext() {
    return {
      allocatedKeys: async (prefix: string): Promise<string[]> => {
        const keys: string[] = [];
        let startKey: string | undefined;
        for (;;) {
          const page = await this.deps.storage.list(prefix, {
            ...(startKey ? { startKey } : {}),
            limit: 5000,
          });
          keys.push(...page.kvs.map((kv) => kv.key));
          const last = page.kvs[page.kvs.length - 1];
          if (!page.more || !last) return keys;
          startKey = last.key + '\u0000';
        }
      },
    };
  }

  /**
   * update replaces an object (PUT). The body's resourceVersion, when set, is a
   * precondition. The main resource keeps the current status; the status
   * subresource keeps everything but status.
   */
  async update(
    namespace: string | undefined,
    name: string,
    input: ApiObject,
    opts: UpdateOptions = {},
  ): Promise<{ obj: ApiObject; created: boolean }> {
    if (input.metadata.name !== undefined && input.metadata.name !== name) {
      throw newBadRequest(
        `the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    if (
      this.info.namespaced &&
      input.metadata.namespace !== undefined &&
      input.metadata.namespace !== namespace
    ) {
      throw newBadRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const precondition = input.metadata.resourceVersion || opts.resourceVersion;
    const uid = input.metadata.uid || opts.uid;
    return this.wrap(async () => {
      const key = this.key(namespace, name);
      const cur = await this.read(key);
      if (!cur) {
        if (!this.strategy.allowCreateOnUpdate || opts.subresource)
          throw newNotFound(this.gr, name);
        const created = await this.create(
          namespace,
          { ...input, metadata: { ...input.metadata, name } },
          opts,
        );
        return { obj: created, created: true };
      }
      const obj = await this.guaranteedUpdate(
        namespace,
        name,
        () => deepCopy(input),
        {
          ...opts,
          ...(precondition ? { resourceVersion: precondition } : {}),
          ...(uid ? { uid } : {}),
        },
        cur,
      );
      return { obj, created: false };
    });
  }

  /**
   * guaranteedUpdate reads the current object, computes the new one with
   * `fn`, and writes it guarded on the revision it read, retrying on a
   * conflict unless the caller gave a resourceVersion precondition. A write
   * that changes nothing is not made. An object whose deletion is pending and
   * whose last finalizer the update removes is deleted.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    fn: UpdateFn,
    opts: UpdateOptions = {},
    first?: { obj: ApiObject; kv: KV },
  ): Promise<ApiObject> {
    return this.wrap(async () => {
      const key = this.key(namespace, name);
      let cur = first;
      for (let attempt = 0; ; attempt++) {
        cur ??= await this.read(key);
        if (!cur) throw newNotFound(this.gr, name);
        const current = cur.obj;
        if (opts.resourceVersion && opts.resourceVersion !== current.metadata.resourceVersion) {
          throw newConflict(this.gr, name);
        }
        if (opts.uid && opts.uid !== current.metadata.uid) {
          throw newConflict(
            this.gr,
            name,
            `Precondition failed: UID in precondition: ${opts.uid}, UID in object meta: ${current.metadata.uid}`,
          );
        }
        const next = this.prepareUpdate(await fn(deepCopy(current)), current, opts.subresource);
        if (sameJson(next, current)) return current;
        // A binding is checked by its handler; pod spec immutability would refuse it.
        const errs =
          opts.subresource === 'binding'
            ? []
            : [
                ...this.deps.machinery.validate(this.info, next, current, opts.subresource),
                ...(opts.subresource === 'status'
                  ? []
                  : (this.strategy.validate?.(next, current) ?? [])),
              ];
        if (errs.length) throw this.invalid(name, errs);
        if (opts.dryRun) return next;
        try {
          if (this.readyToGo(next)) {
            const rev = await this.deps.storage.delete(key, cur.kv.modRevision, {
              deletes: this.strategy.release?.(next) ?? [],
            });
            next.metadata.resourceVersion = String(rev);
            return next;
          }
          const alloc =
            opts.subresource === 'status' || opts.subresource === 'binding'
              ? emptyAllocation()
              : ((await this.strategy.allocate?.(next, current, this.allocationContext())) ??
                emptyAllocation());
          const r = await this.deps.storage.commit(
            [{ key, modRevision: cur.kv.modRevision }, ...alloc.guards],
            [{ key, value: encode(next), ...this.lease() }, ...alloc.writes],
            alloc.deletes,
          );
          if (r.succeeded) {
            next.metadata.resourceVersion = String(r.revision);
            return next;
          }
          const actual = r.actual.get(key) ?? 0;
          if (actual === 0) throw newNotFound(this.gr, name);
        } catch (e) {
          if (!isRevisionConflict(e)) throw e;
        }
        if (opts.resourceVersion || attempt >= maxRetries) throw newConflict(this.gr, name);
        cur = undefined;
      }
    });
  }

  /** prepareUpdate merges a proposed object with the current one per the update rules. */
  private prepareUpdate(proposed: ApiObject, current: ApiObject, subresource?: string): ApiObject {
    let next: ApiObject;
    const hasStatus = this.info.subresources.some((s) => s.name === 'status');
    if (subresource === 'status') {
      // A status write changes status only (ResetObjectMetaForStatus).
      next = { ...deepCopy(current), status: proposed['status'] };
      if (proposed['status'] === undefined) delete next['status'];
      next.metadata.resourceVersion = current.metadata.resourceVersion;
      return next;
    }
    next = proposed;
    if (subresource === 'binding') {
      // A binding sets what its handler computed (spec.nodeName, the PodScheduled condition).
      next.metadata = {
        ...deepCopy(current.metadata),
        ...(proposed.metadata.annotations ? { annotations: proposed.metadata.annotations } : {}),
      };
      return next;
    }
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    this.deps.machinery.applyDefaults(this.info, next, 'update');
    if (hasStatus) {
      if (current['status'] === undefined) delete next['status'];
      else next['status'] = deepCopy(current['status']);
    }
    const m = next.metadata;
    const c = current.metadata;
    m.name = c.name;
    if (c.namespace !== undefined) m.namespace = c.namespace;
    m.uid = c.uid;
    m.creationTimestamp = c.creationTimestamp;
    m.resourceVersion = c.resourceVersion;
    if (c.deletionTimestamp) m.deletionTimestamp = c.deletionTimestamp;
    else delete m.deletionTimestamp;
    if (c.deletionGracePeriodSeconds !== undefined)
      m.deletionGracePeriodSeconds = c.deletionGracePeriodSeconds;
    else delete m.deletionGracePeriodSeconds;
    if (m.generateName === undefined && c.generateName !== undefined)
      m.generateName = c.generateName;
    delete m.managedFields;
    if (this.strategy.tracksGeneration) {
      m.generation = (c.generation ?? 1) + (specChanged(next, current) ? 1 : 0);
    } else if (c.generation !== undefined) {
      m.generation = c.generation;
    } else {
      delete m.generation;
    }
    // finalize writes only spec.finalizers, which a namespace's main-resource rules keep.
    if (subresource !== 'finalize') this.strategy.prepareForUpdate?.(next, current);
    return next;
  }

  /** readyToGo: deletion was requested and no finalizer holds the object any more. */
  private readyToGo(obj: ApiObject): boolean {
    if (!obj.metadata.deletionTimestamp) return false;
    if ((obj.metadata.finalizers ?? []).length > 0) return false;
    if ((this.strategy.pendingFinalizers?.(obj) ?? []).length > 0) return false;
    // A graceful pod deletion is finished by its node agent (delete with grace 0), not by updates.
    return (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0;
  }

  /**
   * delete removes an object, or marks it: with a grace period (pods) or
   * while finalizers remain (including those the propagation policy adds),
   * it sets deletionTimestamp and stays until they are done.
   */
  async delete(
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<DeleteResult> {
    return this.wrap(async () => {
      const key = this.key(namespace, name);
      for (let attempt = 0; ; attempt++) {
        const cur = await this.read(key);
        if (!cur) throw newNotFound(this.gr, name);
        const obj = cur.obj;
        const pre = opts.preconditions;
        if (pre?.uid && pre.uid !== obj.metadata.uid) {
          throw newConflict(
            this.gr,
            name,
            `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`,
          );
        }
        if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
          throw newConflict(
            this.gr,
            name,
            `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`,
          );
        }
        const marked = this.markForDeletion(obj, opts);
        const dry = (opts.dryRun ?? []).includes('All');
        if (marked) {
          if (dry || sameJson(marked, obj)) return { obj: marked, deleted: false };
          const r = await this.deps.storage.commit(
            [{ key, modRevision: cur.kv.modRevision }],
            [{ key, value: encode(marked), ...this.lease() }],
          );
          if (r.succeeded) {
            marked.metadata.resourceVersion = String(r.revision);
            return { obj: marked, deleted: false };
          }
        } else {
          if (dry) return { obj, deleted: true };
          const r = await this.deps.storage.commit(
            [{ key, modRevision: cur.kv.modRevision }],
            [],
            [key, ...(this.strategy.release?.(obj) ?? [])],
          );
          if (r.succeeded) {
            obj.metadata.resourceVersion = String(r.revision);
            return { obj, deleted: true };
          }
        }
        if (attempt >= maxRetries) throw newConflict(this.gr, name);
      }
    });
  }

  /** markForDeletion returns the marked object, or undefined when it goes at once. */
  private markForDeletion(obj: ApiObject, opts: DeleteOptions): ApiObject | undefined {
    const m = obj.metadata;
    const grace = this.strategy.deleteGracePeriod?.(obj, opts) ?? 0;
    const finalizers = [...(m.finalizers ?? [])];
    const policy = opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : undefined);
    if (!m.deletionTimestamp) {
      if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
      if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion'))
        finalizers.push('foregroundDeletion');
    }
    const pending = this.strategy.pendingFinalizers?.(obj) ?? [];
    if (grace <= 0 && finalizers.length === 0 && pending.length === 0) return undefined;
    const next = deepCopy(obj);
    const nm = next.metadata;
    if (finalizers.length) nm.finalizers = finalizers;
    const nowMs = this.deps.clock.now();
    if (grace > 0) {
      // Graceful: the deadline only ever moves closer (a second delete may shorten it).
      const deadline = nowMs + grace * 1000;
      const existing = nm.deletionTimestamp ? Date.parse(nm.deletionTimestamp) : Infinity;
      if (deadline < existing || nm.deletionGracePeriodSeconds === undefined) {
        nm.deletionTimestamp = rfc3339(deadline);
        nm.deletionGracePeriodSeconds = grace;
        if (this.strategy.tracksGeneration) nm.generation = (nm.generation ?? 1) + 1;
      }
    } else if (!nm.deletionTimestamp) {
      nm.deletionTimestamp = rfc3339(nowMs);
      nm.deletionGracePeriodSeconds = 0;
      if (this.strategy.tracksGeneration) nm.generation = (nm.generation ?? 1) + 1;
    } else if ((nm.deletionGracePeriodSeconds ?? 0) > 0) {
      // A graceful deletion forced with grace 0 while finalizers remain.
      nm.deletionTimestamp = rfc3339(nowMs);
      nm.deletionGracePeriodSeconds = 0;
    }
    this.strategy.onDeletionMarked?.(next);
    return next;
  }

  /** wrap turns storage failures into Status errors. */
  private async wrap<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toStatusError(e, this.gr);
    }
  }

  /** decodeKV is for list paths: a stored value as an object. */
  decodeKV(kv: KV): ApiObject | undefined {
    try {
      return decode(kv.value, kv.modRevision);
    } catch (e) {
      this.deps.logger.error('cannot decode stored object; skipping it', { key: kv.key, err: e });
      return undefined;
    }
  }

  /** guard is a helper for strategies that write other keys. */
  static absent(key: string): Guard {
    return { key, modRevision: 0 };
  }
}

const metaKeys = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/** specChanged tells whether anything but metadata and status differs (that bumps generation). */
function specChanged(a: ApiObject, b: ApiObject): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (metaKeys.has(k)) continue;
    if (!sameJson(a[k], b[k])) return true;
  }
  return false;
}
