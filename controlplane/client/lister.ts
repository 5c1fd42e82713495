import { keyOf, type MetaObject } from './keys.js';
import { NamespaceIndex, type Indexer } from './store.js';

/**
 * LabelMatcher decides whether an object's labels match a selector: a
 * function (`(l) => l['app'] === 'web'`) or anything with a `matches`
 * method, such as `Selector` from `controlplane/api/labels`.
 */
export type LabelMatcher =
  | ((labels: Readonly<Record<string, string>>) => boolean)
  | { matches(labels: Readonly<Record<string, string>>): boolean };

const noLabels: Readonly<Record<string, string>> = Object.freeze({});

function filter<O extends MetaObject>(objs: O[], selector?: LabelMatcher): O[] {
  if (!selector) return objs;
  const match =
    typeof selector === 'function'
      ? selector
      : (l: Readonly<Record<string, string>>) => selector.matches(l);
  return objs.filter((o) => match(o.metadata.labels ?? noLabels));
}

/** NamespaceLister reads one namespace of an informer's cache. */
export interface NamespaceLister<O> {
  get(name: string): O | undefined;
  list(selector?: LabelMatcher): O[];
}

/**
 * Lister is a read-only, typed view of an informer's cache (client-go's
 * generated listers). Reads are synchronous and never touch the network;
 * a missing object is `undefined`. The objects returned are the cached ones:
 * never mutate them.
 */
export class Lister<O extends MetaObject> {
  constructor(private readonly store: Indexer<O>) {}

  /** get reads a cluster-scoped object by name, or a namespaced one by namespace and name. */
  get(name: string): O | undefined;
  get(namespace: string, name: string): O | undefined;
  get(a: string, b?: string): O | undefined {
    return b === undefined ? this.store.get(a) : this.store.get(keyOf(a, b));
  }

  /** getByKey reads an object by its `namespace/name` (or `name`) key. */
  getByKey(key: string): O | undefined {
    return this.store.get(key);
  }

  /** list returns every cached object whose labels match `selector` (all when absent). */
  list(selector?: LabelMatcher): O[] {
    return filter(this.store.list(), selector);
  }

  /** byIndex returns the objects an index maps `value` to; RangeError for an unknown index. */
  byIndex(index: string, value: string): O[] {
    return this.store.byIndex(index, value);
  }

  /** namespace scopes the lister to one namespace. */
  namespace(ns: string): NamespaceLister<O> {
    return {
      get: (name) => this.store.get(keyOf(ns, name)),
      list: (selector) => {
        const inNs = this.store.indexNames().includes(NamespaceIndex)
          ? this.store.byIndex(NamespaceIndex, ns)
          : this.store.list().filter((o) => (o.metadata.namespace ?? '') === ns);
        return filter(inNs, selector);
      },
    };
  }
}
