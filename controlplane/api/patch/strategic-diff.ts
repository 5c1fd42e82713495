import { PatchApplyError, PatchFormatError } from './errors.js';
import {
  deepEqual,
  getKey,
  hasKey,
  isJsonObject,
  jsonType,
  setKey,
  sortKeysDeep,
  toJson,
} from './json.js';
import type { JsonObject, JsonValue } from './json.js';
import {
  DELETE_FROM_PRIMITIVE_PREFIX,
  DELETED,
  RETAIN_KEYS,
  SET_ORDER_PREFIX,
  mergeMap,
} from './strategic-apply.js';
import { fieldMeta } from './strategic-meta.js';
import type { PatchMeta } from './strategic-meta.js';
import {
  DIRECTIVE,
  dedupeScalars,
  elementKind,
  mergeKeyEntry,
  show,
  sortByOrder,
} from './strategic-order.js';

/*
 * Computing strategic merge patches, with the semantics of apimachinery's
 * strategicpatch.diffMaps: what `kubectl apply` (three-way) and controllers
 * (two-way) send.
 */

interface DiffOptions {
  /** setElementOrder adds `$setElementOrder/…` lists for merged lists that changed. */
  readonly setElementOrder: boolean;
  /** ignoreChangesAndAdditions leaves out fields that were added or changed. */
  readonly ignoreChangesAndAdditions: boolean;
  /** ignoreDeletions leaves out fields that were removed. */
  readonly ignoreDeletions: boolean;
  /** buildRetainKeys adds a `$retainKeys` list (for retainKeys maps). */
  readonly buildRetainKeys: boolean;
}

/** Go's %v of a scalar, which is how Kubernetes sorts and compares list items. */
const text = (v: JsonValue | undefined): string => (v === undefined ? '' : String(v));

const byText = (a: JsonValue, b: JsonValue): number => {
  const x = text(a);
  const y = text(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

function mergeKeyOf(item: JsonValue, mergeKey: string): JsonValue {
  if (!isJsonObject(item))
    throw new PatchApplyError(`expected a map in the list, but received ${show(item)}`);
  const v = getKey(item, mergeKey);
  if (v === undefined) {
    throw new PatchApplyError(
      `map: ${show(item)} does not contain declared merge key: ${mergeKey}`,
    );
  }
  return v;
}

function diffListsOfMaps(
  original: JsonValue[],
  modified: JsonValue[],
  meta: PatchMeta,
  mergeKey: string,
  opts: DiffOptions,
): { patch: JsonValue[]; deletions: JsonValue[] } {
  const sortByKey = (list: JsonValue[]): JsonValue[] =>
    [...list].sort((a, b) => byText(mergeKeyOf(a, mergeKey), mergeKeyOf(b, mergeKey)));
  const o = sortByKey(original);
  const m = sortByKey(modified);
  const patch: JsonValue[] = [];
  const deletions: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < o.length || j < m.length) {
    const ok = i < o.length ? text(mergeKeyOf(o[i] as JsonValue, mergeKey)) : undefined;
    const mk = j < m.length ? text(mergeKeyOf(m[j] as JsonValue, mergeKey)) : undefined;
    if (ok !== undefined && mk !== undefined && ok === mk) {
      const element = m[j] as JsonObject;
      const p = diffMaps(o[i] as JsonObject, element, meta, opts);
      if (Object.keys(p).length > 0) {
        setKey(p, mergeKey, element[mergeKey] as JsonValue);
        patch.push(p);
      }
      i++;
      j++;
    } else if (ok === undefined || (mk !== undefined && ok > mk)) {
      if (!opts.ignoreChangesAndAdditions) patch.push(m[j] as JsonValue);
      j++;
    } else {
      if (!opts.ignoreDeletions) {
        const d: JsonObject = {};
        setKey(d, mergeKey, mergeKeyOf(o[i] as JsonValue, mergeKey));
        d[DIRECTIVE] = 'delete';
        deletions.push(d);
      }
      i++;
    }
  }
  return { patch, deletions };
}

function diffListsOfScalars(
  original: JsonValue[],
  modified: JsonValue[],
  opts: DiffOptions,
): { additions: JsonValue[]; deletions: JsonValue[] } {
  const o = [...original].sort(byText);
  const m = [...modified].sort(byText);
  const additions: JsonValue[] = [];
  const deletions: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < o.length || j < m.length) {
    const ot = i < o.length ? text(o[i]) : undefined;
    const mt = j < m.length ? text(m[j]) : undefined;
    if (ot !== undefined && mt !== undefined && ot === mt) {
      i++;
      j++;
    } else if (ot === undefined || (mt !== undefined && ot > mt)) {
      if (!opts.ignoreChangesAndAdditions) additions.push(m[j] as JsonValue);
      j++;
    } else {
      if (!opts.ignoreDeletions) deletions.push(o[i] as JsonValue);
      i++;
    }
  }
  return { additions, deletions: dedupeScalars(deletions) };
}

function sameOrder(original: JsonValue[], modified: JsonValue[], mergeKey: string): boolean {
  return (
    original.length === modified.length &&
    modified.every(
      (v, i) => mergeKeyOf(original[i] as JsonValue, mergeKey) === mergeKeyOf(v, mergeKey),
    )
  );
}

/** diffLists diffs a list with merge strategy: the patch list, a deletion list, an order list. */
function diffLists(
  original: JsonValue[],
  modified: JsonValue[],
  meta: PatchMeta,
  mergeKey: string,
  opts: DiffOptions,
): { patch: JsonValue[]; deletions: JsonValue[]; order: JsonValue[] } {
  if (original.length === 0) {
    if (modified.length === 0 || opts.ignoreChangesAndAdditions) {
      return { patch: [], deletions: [], order: [] };
    }
    return { patch: modified, deletions: [], order: [] };
  }
  const kind = elementKind(original, modified) as NonNullable<ReturnType<typeof elementKind>>;
  if (kind === 'object') {
    if (!mergeKey) throw new PatchApplyError('cannot diff lists of maps without a merge key');
    const d = diffListsOfMaps(original, modified, meta, mergeKey, opts);
    const patch = [...sortByOrder(d.patch, modified, mergeKey, kind), ...d.deletions];
    const changed =
      (!opts.ignoreChangesAndAdditions &&
        (patch.length > 0 || !sameOrder(original, modified, mergeKey))) ||
      (!opts.ignoreDeletions && patch.length > 0);
    const order =
      opts.setElementOrder && changed
        ? modified.map((v) => mergeKeyEntry(v as JsonObject, mergeKey))
        : [];
    return { patch, deletions: [], order };
  }
  const d = diffListsOfScalars(original, modified, opts);
  const patch = sortByOrder(d.additions, modified, '', kind);
  const changed =
    (!opts.ignoreDeletions && d.deletions.length > 0) ||
    (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified));
  return { patch, deletions: d.deletions, order: opts.setElementOrder && changed ? modified : [] };
}

function diffMaps(
  original: JsonObject,
  modified: JsonObject,
  meta: PatchMeta,
  opts: DiffOptions,
): JsonObject {
  const patch: JsonObject = {};
  const retainKeys: string[] = [];
  for (const key of Object.keys(modified).sort()) {
    const modifiedV = modified[key] as JsonValue;
    if (opts.buildRetainKeys && modifiedV !== null) retainKeys.push(key);
    const originalV = getKey(original, key);
    if (originalV === undefined) {
      if (!opts.ignoreChangesAndAdditions) setKey(patch, key, modifiedV);
      continue;
    }
    if (key === DIRECTIVE) {
      if (typeof originalV !== 'string' || typeof modifiedV !== 'string') {
        throw new PatchFormatError(`invalid value for special key: ${DIRECTIVE}`);
      }
      if (originalV !== modifiedV) patch[DIRECTIVE] = modifiedV;
      continue;
    }
    if (jsonType(originalV) !== jsonType(modifiedV)) {
      if (!opts.ignoreChangesAndAdditions) setKey(patch, key, modifiedV);
      continue;
    }
    const sub = fieldMeta(meta, key);
    if (isJsonObject(originalV)) {
      if (sub.strategy === 'replace') {
        if (!opts.ignoreChangesAndAdditions) setKey(patch, key, modifiedV);
        continue;
      }
      const p = diffMaps(originalV, modifiedV as JsonObject, sub, {
        ...opts,
        buildRetainKeys: sub.retainKeys === true,
      });
      if (Object.keys(p).length > 0) setKey(patch, key, p);
    } else if (Array.isArray(originalV) && sub.strategy === 'merge') {
      const d = diffLists(originalV, modifiedV as JsonValue[], sub, sub.mergeKey ?? '', {
        ...opts,
        buildRetainKeys: sub.retainKeys === true,
      });
      if (d.patch.length > 0) setKey(patch, key, d.patch);
      if (d.deletions.length > 0)
        setKey(patch, `${DELETE_FROM_PRIMITIVE_PREFIX}/${key}`, d.deletions);
      if (d.order.length > 0) setKey(patch, `${SET_ORDER_PREFIX}/${key}`, d.order);
    } else if (!opts.ignoreChangesAndAdditions && !deepEqual(originalV, modifiedV)) {
      setKey(patch, key, modifiedV);
    }
  }
  if (!opts.ignoreDeletions) {
    for (const key of Object.keys(original)) if (!hasKey(modified, key)) setKey(patch, key, null);
  }
  const clearsSomething = Object.entries(original).some(
    ([k, v]) => v !== null && !hasKey(modified, k),
  );
  if (retainKeys.length > 0 && (Object.keys(patch).length > 0 || clearsSomething)) {
    patch[RETAIN_KEYS] = retainKeys;
  }
  return patch;
}

function objectArg(v: unknown, what: string): JsonObject {
  if (v === undefined || v === null) return {};
  const j = toJson(v, what);
  if (!isJsonObject(j)) throw new PatchFormatError(`${what} is not a JSON object`);
  return j;
}

/**
 * createTwoWayMergePatch computes the strategic merge patch that turns
 * `original` into `modified` (CreateTwoWayMergePatch): added and changed
 * fields, `null` for removed ones, `$patch: delete` elements for removed
 * items of keyed lists, `$deleteFromPrimitiveList/…` for removed items of
 * primitive sets, `$setElementOrder/…` for merged lists that changed, and
 * `$retainKeys` for union types. Keys come out sorted, as kubectl sends them.
 */
export function createTwoWayMergePatch(
  original: unknown,
  modified: unknown,
  meta: PatchMeta,
): JsonObject {
  const patch = diffMaps(
    objectArg(original, 'the original'),
    objectArg(modified, 'the modified object'),
    meta,
    {
      setElementOrder: true,
      ignoreChangesAndAdditions: false,
      ignoreDeletions: false,
      buildRetainKeys: false,
    },
  );
  return sortKeysDeep(patch) as JsonObject;
}

/**
 * createThreeWayMergePatch computes the patch `kubectl apply` sends
 * (CreateThreeWayMergePatch with overwrite): every difference from `current`
 * (the live object) to `modified` (the new manifest) except deletions, plus
 * the deletions from `lastApplied` (the last-applied-configuration
 * annotation; undefined on first use) to `modified`. So fields removed from
 * the manifest are deleted, while fields others set that the manifest never
 * had are kept.
 */
export function createThreeWayMergePatch(
  lastApplied: unknown,
  modified: unknown,
  current: unknown,
  meta: PatchMeta,
): JsonObject {
  const o = objectArg(lastApplied, 'the last applied configuration');
  const m = objectArg(modified, 'the modified object');
  const c = objectArg(current, 'the current object');
  const delta = diffMaps(c, m, meta, {
    setElementOrder: true,
    ignoreChangesAndAdditions: false,
    ignoreDeletions: true,
    buildRetainKeys: false,
  });
  const deletions = diffMaps(o, m, meta, {
    setElementOrder: true,
    ignoreChangesAndAdditions: true,
    ignoreDeletions: false,
    buildRetainKeys: false,
  });
  const patch = mergeMap(deletions, delta, meta, {
    mergeParallelList: false,
    ignoreUnmatchedNulls: false,
  });
  return sortKeysDeep(patch === DELETED ? {} : patch) as JsonObject;
}
