/**
 * The one module that owns etcd's key layout (STYLE.md): every object lives at
 * `/registry/{group}/{resource}/{namespace}/{name}` (cluster-scoped objects at
 * `/registry/{group}/{resource}/{name}`), the core group spelled `core`.
 * Nothing else glues keys by hand.
 */

export const REGISTRY_ROOT = '/registry/';

/** StorageResource identifies what is stored under one prefix: a group and a resource. */
export interface StorageResource {
  group: string;
  resource: string;
  namespaced: boolean;
}

function groupSegment(group: string): string {
  return group === '' ? 'core' : group;
}

/** resourcePrefix is the prefix of every object of a resource, ending in `/`. */
export function resourcePrefix(r: StorageResource): string {
  return `${REGISTRY_ROOT}${groupSegment(r.group)}/${r.resource}/`;
}

/**
 * listPrefix is the prefix to list: the whole resource, or one namespace of a
 * namespaced resource.
 */
export function listPrefix(r: StorageResource, namespace?: string): string {
  const base = resourcePrefix(r);
  return r.namespaced && namespace ? `${base}${namespace}/` : base;
}

/** keyFor is the key of one object. */
export function keyFor(r: StorageResource, namespace: string | undefined, name: string): string {
  if (r.namespaced) {
    if (!namespace) throw new Error(`keyFor: ${r.resource} is namespaced; a namespace is required`);
    return `${resourcePrefix(r)}${namespace}/${name}`;
  }
  return `${resourcePrefix(r)}${name}`;
}

/** ParsedKey is what a key says about its object. */
export interface ParsedKey {
  namespace?: string;
  name: string;
}

/** parseKey reads the namespace and name back out of a key of resource `r`; undefined if foreign. */
export function parseKey(r: StorageResource, key: string): ParsedKey | undefined {
  const prefix = resourcePrefix(r);
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  const parts = rest.split('/');
  if (r.namespaced) {
    if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
    return { namespace: parts[0], name: parts[1] };
  }
  if (parts.length !== 1 || !parts[0]) return undefined;
  return { name: parts[0] };
}

/** prefixEnd is the first key after every key that starts with `prefix` (etcd's range_end). */
export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const end = Buffer.from(b.subarray(0, i + 1));
      end[i] = b[i]! + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

/** allocationKey is where allocated service IPs and node ports are recorded. */
export function allocationKey(kind: 'serviceips' | 'servicenodeports', value: string): string {
  return `${REGISTRY_ROOT}ranges/${kind}/${value}`;
}
