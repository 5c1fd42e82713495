import { objectKey, type MetaObject } from './keys.js';

/** IndexFunc lists the index values of an object (none, one or several). */
export type IndexFunc<O> = (obj: O) => string[];

/** Indexers names index functions: `{ 'spec.nodeName': (pod) => [...] }`. */
export type Indexers<O> = Record<string, IndexFunc<O>>;

/** NamespaceIndex names the index of objects by `metadata.namespace` ('' for cluster-scoped). */
export const NamespaceIndex = 'namespace';
/** ControllerUidIndex names the index by the uid of the owner reference with `controller: true`. */
export const ControllerUidIndex = 'controller-uid';
/** OwnerUidIndex names the index by the uid of every owner reference (what GC walks). */
export const OwnerUidIndex = 'owner-uid';
/** NodeNameIndex names the index by `spec.nodeName` (pods bound to a node). */
export const NodeNameIndex = 'spec.nodeName';

/** indexByNamespace is the NamespaceIndex function. */
export function indexByNamespace(obj: MetaObject): string[] {
  return [obj.metadata.namespace ?? ''];
}

/** indexByControllerUid is the ControllerUidIndex function. */
export function indexByControllerUid(obj: MetaObject): string[] {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  return ref ? [ref.uid] : [];
}

/** indexByOwnerUid is the OwnerUidIndex function. */
export function indexByOwnerUid(obj: MetaObject): string[] {
  return (obj.metadata.ownerReferences ?? []).map((r) => r.uid);
}

/** indexByNodeName is the NodeNameIndex function; objects without a string `spec.nodeName` are not indexed. */
export function indexByNodeName(obj: MetaObject): string[] {
  const spec = (obj as { spec?: unknown }).spec;
  const node =
    typeof spec === 'object' && spec !== null
      ? (spec as { nodeName?: unknown }).nodeName
      : undefined;
  return typeof node === 'string' && node !== '' ? [node] : [];
}

/** defaultIndexers are the indexes every informer keeps. */
export function defaultIndexers<O extends MetaObject>(): Indexers<O> {
  return {
    [NamespaceIndex]: indexByNamespace,
    [ControllerUidIndex]: indexByControllerUid,
    [OwnerUidIndex]: indexByOwnerUid,
    [NodeNameIndex]: indexByNodeName,
  };
}

/**
 * Indexer is the informer's cache (client-go `cache.Indexer`): objects by key
 * (`objectKey`), plus indexes from index values to keys, kept in step on
 * every write. Objects handed out are the cached ones: never mutate them
 * (copy with `structuredClone` first). An index function that throws is
 * treated as yielding no values, so one bad object cannot break the cache.
 */
export class Indexer<O extends MetaObject> {
  private readonly items = new Map<string, O>();
  private readonly indexers = new Map<string, IndexFunc<O>>();
  // index name → index value → keys
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Indexers<O> = {}) {
    this.addIndexers(indexers);
  }

  get size(): number {
    return this.items.size;
  }

  /**
   * addIndexers adds index functions and indexes the objects already cached.
   * It throws a RangeError for a name already in use.
   */
  addIndexers(indexers: Indexers<O>): void {
    for (const name of Object.keys(indexers)) {
      if (this.indexers.has(name)) throw new RangeError(`indexer ${name} already exists`);
    }
    for (const [name, fn] of Object.entries(indexers)) {
      this.indexers.set(name, fn);
      this.indices.set(name, new Map());
      for (const [key, obj] of this.items) this.indexOne(name, fn, key, obj);
    }
  }

  /** indexNames lists the index names. */
  indexNames(): string[] {
    return [...this.indexers.keys()];
  }

  /** upsert stores `obj` under its key and returns the object it replaced, if any. */
  upsert(obj: O): O | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) this.indexOne(name, fn, key, obj);
    return old;
  }

  /** delete removes the object under `key` and returns it, if there was one. */
  delete(key: string): O | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  /** replace swaps the whole content for `objs`. */
  replace(objs: Iterable<O>): void {
    this.items.clear();
    for (const idx of this.indices.values()) idx.clear();
    for (const obj of objs) this.upsert(obj);
  }

  get(key: string): O | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  list(): O[] {
    return [...this.items.values()];
  }

  /** byIndex lists the objects whose index `name` yields `value`; RangeError for an unknown index. */
  byIndex(name: string, value: string): O[] {
    const keys = this.indexKeys(name, value);
    const out: O[] = [];
    for (const k of keys) {
      const o = this.items.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /** indexKeys lists the keys whose index `name` yields `value`. */
  indexKeys(name: string, value: string): string[] {
    const idx = this.indices.get(name);
    if (!idx) throw new RangeError(`index ${name} does not exist`);
    return [...(idx.get(value) ?? [])];
  }

  /** indexValues lists the values index `name` currently holds. */
  indexValues(name: string): string[] {
    const idx = this.indices.get(name);
    if (!idx) throw new RangeError(`index ${name} does not exist`);
    return [...idx.keys()];
  }

  private values(fn: IndexFunc<O>, obj: O): string[] {
    try {
      return fn(obj);
    } catch {
      return [];
    }
  }

  private indexOne(name: string, fn: IndexFunc<O>, key: string, obj: O): void {
    const idx = this.indices.get(name) as Map<string, Set<string>>;
    for (const v of this.values(fn, obj)) {
      let set = idx.get(v);
      if (!set) idx.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private unindex(key: string, obj: O): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name) as Map<string, Set<string>>;
      for (const v of this.values(fn, obj)) {
        const set = idx.get(v);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) idx.delete(v);
      }
    }
  }
}
