import type { ObjectMeta } from '../api/meta.js';

/** MetaObject is the least an object needs to live in a cache: metadata. */
export interface MetaObject {
  metadata: ObjectMeta;
}

/** ObjectRef names an object: a namespace (absent for cluster-scoped) and a name. */
export interface ObjectRef {
  namespace?: string;
  name: string;
}

/**
 * objectKey is the cache and workqueue key of an object: `namespace/name`,
 * or `name` for cluster-scoped objects (client-go `MetaNamespaceKeyFunc`).
 * Names and namespaces cannot contain `/`, so the key is unambiguous.
 */
export function objectKey(obj: { metadata?: ObjectMeta }): string {
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

/** keyOf builds the key of `namespace`/`name` the same way as objectKey. */
export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * splitKey inverts objectKey (client-go `SplitMetaNamespaceKey`). It throws a
 * RangeError for a key with more than one `/` or an empty part.
 */
export function splitKey(key: string): ObjectRef {
  const parts = key.split('/');
  if (parts.length === 1 && parts[0]) return { name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  throw new RangeError(`unexpected key format: ${JSON.stringify(key)}`);
}
