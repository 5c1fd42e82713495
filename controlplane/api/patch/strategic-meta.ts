/**
 * Patch metadata: the part of Kubernetes' Go struct tags
 * (`patchStrategy`, `patchMergeKey`) a strategic merge patch needs. A
 * PatchMeta describes one field and, through `fields`, the fields of the map
 * it holds or of each element of the list it holds. Fields without metadata
 * behave as untagged ones do in Kubernetes: maps merge, lists are replaced.
 */
export interface PatchMeta {
  /**
   * strategy is `merge` for lists merged element by element (by `mergeKey`
   * for lists of maps; as a set union for lists of primitives), `replace`
   * for a map sent whole. Absent: maps merge, lists replace.
   */
  readonly strategy?: 'merge' | 'replace';
  /** mergeKey identifies elements of a merged list of maps (`name`, `containerPort`). */
  readonly mergeKey?: string;
  /**
   * retainKeys marks a map (or the elements of a merged list) whose keys not
   * listed in a patch's `$retainKeys` are cleared: union types such as a
   * Deployment's strategy or a volume's source.
   */
  readonly retainKeys?: boolean;
  /** fields describes the fields of the map, or of each list element. */
  readonly fields?: Readonly<Record<string, PatchMeta>>;
}

/** noPatchMeta is the metadata of a field with no tags (and of unknown kinds). */
export const noPatchMeta: PatchMeta = Object.freeze({});

/** fieldMeta looks up the metadata of one field; unknown fields (and inherited names) get none. */
export function fieldMeta(meta: PatchMeta, key: string): PatchMeta {
  const fields = meta.fields;
  if (!fields || !Object.hasOwn(fields, key)) return noPatchMeta;
  return fields[key] ?? noPatchMeta;
}

/** struct describes a map's fields (no strategy of its own). */
export function struct(fields: Readonly<Record<string, PatchMeta>>): PatchMeta {
  return { fields };
}

/** mergeList describes a list merged by `mergeKey` whose elements have `fields`. */
export function mergeList(
  mergeKey: string,
  fields?: Readonly<Record<string, PatchMeta>>,
  opts: { retainKeys?: boolean } = {},
): PatchMeta {
  return {
    strategy: 'merge',
    mergeKey,
    ...(opts.retainKeys ? { retainKeys: true } : {}),
    ...(fields ? { fields } : {}),
  };
}

/** primitiveSet describes a list of primitives merged as a set (`finalizers`, `podCIDRs`). */
export const primitiveSet: PatchMeta = Object.freeze({ strategy: 'merge' });

/** retainKeysMap describes a union-type map (`patchStrategy:"retainKeys"`). */
export function retainKeysMap(fields?: Readonly<Record<string, PatchMeta>>): PatchMeta {
  return { retainKeys: true, ...(fields ? { fields } : {}) };
}
