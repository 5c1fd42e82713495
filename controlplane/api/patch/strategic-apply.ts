import { PatchApplyError, PatchFormatError } from './errors.js';
import { deepEqual, getKey, hasKey, isJsonObject, jsonType, setKey, toJson } from './json.js';
import type { JsonObject, JsonValue } from './json.js';
import { fieldMeta } from './strategic-meta.js';
import type { PatchMeta } from './strategic-meta.js';
import {
  DIRECTIVE,
  dedupeScalars,
  elementKind,
  findByKey,
  normalizeElementOrder,
  partition,
  sameValue,
  show,
} from './strategic-order.js';

/*
 * Applying a strategic merge patch, with the semantics of apimachinery's
 * strategicpatch.mergeMap. The same code also merges two patches into one
 * (mergeParallelList off), which is how the three-way patch of `kubectl apply`
 * is assembled.
 */

export const RETAIN_KEYS = '$retainKeys';
export const SET_ORDER_PREFIX = '$setElementOrder';
export const DELETE_FROM_PRIMITIVE_PREFIX = '$deleteFromPrimitiveList';

/** MergeOptions are apimachinery's: the server applies with both on; patch composition with both off. */
export interface MergeOptions {
  /** mergeParallelList applies $setElementOrder, $deleteFromPrimitiveList and $retainKeys instead of carrying them. */
  readonly mergeParallelList: boolean;
  /** ignoreUnmatchedNulls drops `null`s that delete nothing instead of keeping them. */
  readonly ignoreUnmatchedNulls: boolean;
}

/** SERVER_OPTIONS is how the API server applies a patch to an object. */
export const SERVER_OPTIONS: MergeOptions = { mergeParallelList: true, ignoreUnmatchedNulls: true };

/** DELETED is what a map carrying `$patch: delete` merges to. */
export const DELETED = Symbol('deleted');

const errPrimitiveList = 'invalid patch format of primitive list';
const errRetainKeys = 'invalid patch format of retainKeys';
const errSetOrder = 'invalid patch format of setElementOrder list';

/** directiveTarget reads the field a `$prefix/field` directive key names. */
function directiveTarget(key: string, prefix: string, error: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix || slash === key.length - 1) {
    throw new PatchFormatError(error);
  }
  return key.slice(slash + 1);
}

/** removeDirectives drops every map holding `$patch` from a value (kept as Kubernetes does when carrying a patch). */
function removeDirectives(v: JsonValue): JsonValue | undefined {
  if (Array.isArray(v)) {
    const out: JsonValue[] = [];
    for (const x of v) {
      const y = removeDirectives(x);
      if (y !== undefined) out.push(y);
    }
    return out;
  }
  if (!isJsonObject(v)) return v;
  if (hasKey(v, DIRECTIVE)) return undefined;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    const y = removeDirectives(x);
    if (y !== undefined) setKey(out, k, y);
  }
  return out;
}

/**
 * fresh is a patch value for a field the object does not have (or has with
 * another type). The server applies it to nothing, so its nulls vanish and
 * its directives take effect instead of being stored; undefined means the
 * value deleted itself.
 */
function fresh(v: JsonValue, meta: PatchMeta, opts: MergeOptions): JsonValue | undefined {
  if (!opts.mergeParallelList) return removeDirectives(v);
  if (isJsonObject(v)) {
    const r = mergeMap({}, v, meta, opts);
    return r === DELETED ? undefined : r;
  }
  if (Array.isArray(v)) {
    const out: JsonValue[] = [];
    for (const x of v) {
      if (isJsonObject(x) && hasKey(x, DIRECTIVE)) continue;
      const y = fresh(x, meta, opts);
      if (y !== undefined) out.push(y);
    }
    return out;
  }
  return v;
}

function assign(o: JsonObject, k: string, v: JsonValue | undefined): void {
  if (v === undefined) delete o[k];
  else setKey(o, k, v);
}

function applyRetainKeys(original: JsonObject, patch: JsonObject, opts: MergeOptions): void {
  const retain = getKey(patch, RETAIN_KEYS);
  if (retain === undefined) return;
  delete patch[RETAIN_KEYS];
  if (!opts.mergeParallelList) {
    const existing = getKey(original, RETAIN_KEYS);
    if (existing !== undefined && !deepEqual(existing, retain)) {
      throw new PatchApplyError(`${show(existing)} and ${show(retain)} are not deep equal`);
    }
    setKey(original, RETAIN_KEYS, retain);
    return;
  }
  if (!Array.isArray(retain)) throw new PatchFormatError(errRetainKeys);
  const keep = new Set(retain.filter((x): x is string => typeof x === 'string'));
  for (const [k, v] of Object.entries(patch)) {
    if (
      v === null ||
      k.startsWith(DELETE_FROM_PRIMITIVE_PREFIX) ||
      k.startsWith(SET_ORDER_PREFIX)
    ) {
      continue;
    }
    if (!keep.has(k)) throw new PatchFormatError(errRetainKeys);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

function mergeKeyValueEqual(patchItem: JsonValue, orderItem: JsonValue, mergeKey: string): boolean {
  if (!mergeKey) return sameValue(patchItem, orderItem);
  for (const item of [patchItem, orderItem]) {
    if (!isJsonObject(item) || !hasKey(item, mergeKey)) {
      throw new PatchFormatError(
        `map: ${show(item)} does not contain declared merge key: ${mergeKey}`,
      );
    }
  }
  return sameValue(
    getKey(patchItem as JsonObject, mergeKey),
    getKey(orderItem as JsonObject, mergeKey),
  );
}

/** checkOrderList verifies the patch list's items appear in the $setElementOrder list, in that order. */
function checkOrderList(patchList: JsonValue[], order: JsonValue[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey) {
    for (const v of patchList) {
      if (!isJsonObject(v)) throw new PatchFormatError(`expected a map in ${show(patchList)}`);
    }
    items = patchList.filter((v) => getKey(v as JsonObject, DIRECTIVE) !== 'delete');
  }
  let pi = 0;
  let si = 0;
  while (pi < items.length && si < order.length) {
    const item = items[pi] as JsonValue;
    if (isJsonObject(item) && hasKey(item, DIRECTIVE)) {
      pi++;
      continue;
    }
    if (mergeKeyValueEqual(item, order[si] as JsonValue, mergeKey)) pi++;
    si++;
  }
  if (pi < items.length) {
    throw new PatchFormatError(
      `The order in patch list:\n${show(patchList)}\n doesn't match ${SET_ORDER_PREFIX} list:\n${show(order)}\n`,
    );
  }
}

/** applySetElementOrder merges each list named by a `$setElementOrder/list` directive and orders it. */
function applySetElementOrder(
  original: JsonObject,
  patch: JsonObject,
  meta: PatchMeta,
  opts: MergeOptions,
): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER_PREFIX)) continue;
    const order = patch[key] as JsonValue;
    if (!opts.mergeParallelList) {
      const existing = getKey(original, key);
      if (existing !== undefined && !deepEqual(existing, order)) {
        throw new PatchFormatError(errSetOrder);
      }
      setKey(original, key, order);
    }
    delete patch[key];
    if (!Array.isArray(order)) throw new PatchFormatError(errSetOrder);
    const listKey = directiveTarget(key, SET_ORDER_PREFIX, errSetOrder);
    const originalList = getKey(original, listKey);
    const patchList = getKey(patch, listKey);
    if (originalList !== undefined && !Array.isArray(originalList)) {
      throw new PatchApplyError(
        `${listKey}: expected a list in the object, found ${show(originalList)}`,
      );
    }
    if (patchList !== undefined && !Array.isArray(patchList)) {
      throw new PatchFormatError(
        `${listKey}: expected a list in the patch, found ${show(patchList)}`,
      );
    }
    const sub = fieldMeta(meta, listKey);
    const mergeKey = sub.mergeKey ?? '';
    if (mergeKey) {
      for (const v of order) {
        if (!isJsonObject(v) || !hasKey(v, mergeKey)) {
          throw new PatchFormatError(
            `map: ${show(v)} does not contain declared merge key: ${mergeKey}`,
          );
        }
      }
    }
    checkOrderList(patchList ?? [], order, mergeKey);

    if (originalList === undefined && patchList === undefined) continue;
    let merged: JsonValue[];
    if (patchList === undefined) {
      merged = originalList as JsonValue[];
    } else if (originalList !== undefined && sub.strategy === 'merge') {
      merged = mergeSlice(originalList, patchList, sub, listKey, opts, false);
    } else {
      merged = (fresh(patchList, sub, opts) ?? []) as JsonValue[];
    }

    const kind = elementKind(originalList ?? [], patchList ?? []);
    if (kind === undefined || merged.length === 0) {
      setKey(original, listKey, merged);
    } else {
      const [inOrder, serverOnly] = partition(merged, order, mergeKey, kind);
      setKey(
        original,
        listKey,
        normalizeElementOrder(inOrder, serverOnly, order, originalList ?? [], mergeKey, kind),
      );
    }
    delete patch[listKey];
  }
}

/** mergeSlice merges a list with merge strategy: by merge key for maps, as a set for primitives. */
function mergeSlice(
  original: JsonValue[],
  patch: JsonValue[],
  meta: PatchMeta,
  field: string,
  opts: MergeOptions,
  isDeleteList: boolean,
): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch) as NonNullable<ReturnType<typeof elementKind>>;
  if (kind !== 'object') {
    if (opts.mergeParallelList && isDeleteList) {
      return original.filter((v) => !patch.some((d) => d === v));
    }
    const merged = dedupeScalars([...original, ...patch]);
    const [inPatch, serverOnly] = partition(merged, patch, '', kind);
    return normalizeElementOrder(inPatch, serverOnly, patch, original, '', kind);
  }
  const mergeKey = meta.mergeKey;
  if (!mergeKey) throw new PatchApplyError(`cannot merge lists without merge key for ${field}`);

  // Directive elements first: `$patch: delete` removes by key, `$patch: replace` drops the live list.
  let base = original;
  let rest: JsonObject[] = [];
  let replace = false;
  for (const v of patch as JsonObject[]) {
    if (!hasKey(v, DIRECTIVE)) {
      rest.push(v);
      continue;
    }
    const directive = v[DIRECTIVE];
    if (directive === 'delete') {
      if (!hasKey(v, mergeKey)) {
        throw new PatchFormatError(
          `map: ${show(v)} does not contain declared merge key: ${mergeKey}`,
        );
      }
      base = base.filter((o) => !(isJsonObject(o) && sameValue(getKey(o, mergeKey), v[mergeKey])));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      // Merging is what a list with merge strategy does anyway; keep the element as an ordinary one.
      const { [DIRECTIVE]: _, ...element } = v;
      if (hasKey(element, mergeKey)) rest.push(element);
    } else {
      throw new PatchFormatError(`unknown patch type: ${show(directive)} in map: ${show(v)}`);
    }
  }
  if (replace) {
    base = rest.map((e) => (opts.mergeParallelList ? (fresh(e, meta, opts) ?? {}) : e));
    rest = [];
  }

  const merged = [...base];
  for (const v of rest) {
    if (!hasKey(v, mergeKey)) {
      throw new PatchFormatError(
        `map: ${show(v)} does not contain declared merge key: ${mergeKey}`,
      );
    }
    const i = findByKey(merged, mergeKey, v[mergeKey] as JsonValue);
    if (i >= 0) {
      const r = mergeMap(merged[i] as JsonObject, v, meta, opts);
      merged[i] = r === DELETED ? {} : r;
    } else {
      merged.push(opts.mergeParallelList ? (fresh(v, meta, opts) ?? {}) : v);
    }
  }
  const [inPatch, serverOnly] = partition(merged, rest, mergeKey, kind);
  return normalizeElementOrder(inPatch, serverOnly, rest, base, mergeKey, kind);
}

/**
 * mergeMap merges `patch` into `original` (both are consumed: pass copies).
 * It returns the merged map, or DELETED for a `$patch: delete` map.
 */
export function mergeMap(
  original: JsonObject,
  patch: JsonObject,
  meta: PatchMeta,
  opts: MergeOptions,
): JsonObject | typeof DELETED {
  if (hasKey(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'delete') return DELETED;
    if (directive === 'replace') {
      delete patch[DIRECTIVE];
      if (!opts.mergeParallelList) return patch;
      const r = mergeMap({}, patch, meta, opts);
      return r === DELETED ? {} : r;
    }
    if (directive !== 'merge') {
      throw new PatchFormatError(`unknown patch type: ${show(directive)} in map: ${show(patch)}`);
    }
    delete patch[DIRECTIVE];
  }
  applyRetainKeys(original, patch, opts);
  applySetElementOrder(original, patch, meta, opts);

  const keys = Object.keys(patch);
  const deletions = keys.filter((k) => k.startsWith(DELETE_FROM_PRIMITIVE_PREFIX));
  for (const rawKey of [...keys.filter((k) => !deletions.includes(k)), ...deletions]) {
    const patchV = patch[rawKey] as JsonValue;
    let k = rawKey;
    let isDeleteList = false;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_PREFIX)) {
      if (!opts.mergeParallelList) {
        setKey(original, k, patchV);
        continue;
      }
      k = directiveTarget(k, DELETE_FROM_PRIMITIVE_PREFIX, errPrimitiveList);
      if (!Array.isArray(patchV) || patchV.some((x) => isJsonObject(x) || Array.isArray(x))) {
        throw new PatchFormatError(errPrimitiveList);
      }
      isDeleteList = true;
    } else if (k.startsWith('$')) {
      throw new PatchFormatError(`unknown strategic merge patch directive ${JSON.stringify(k)}`);
    }

    if (patchV === null) {
      delete original[k];
      if (opts.ignoreUnmatchedNulls) continue;
    }
    const sub = fieldMeta(meta, k);
    const originalV = getKey(original, k);
    if (originalV === undefined || jsonType(originalV) !== jsonType(patchV)) {
      if (!isDeleteList) assign(original, k, fresh(patchV, sub, opts));
      continue;
    }
    if (isJsonObject(originalV)) {
      const r =
        sub.strategy === 'replace'
          ? (fresh(patchV, sub, opts) ?? DELETED)
          : mergeMap(originalV, patchV as JsonObject, sub, opts);
      if (r !== DELETED) setKey(original, k, r);
      else if (opts.mergeParallelList) delete original[k];
      else setKey(original, k, {});
    } else if (Array.isArray(originalV)) {
      if (sub.strategy === 'merge' || isDeleteList) {
        setKey(
          original,
          k,
          mergeSlice(originalV, patchV as JsonValue[], sub, k, opts, isDeleteList),
        );
      } else {
        assign(original, k, fresh(patchV, sub, opts));
      }
    } else {
      setKey(original, k, patchV);
    }
  }
  return original;
}

/**
 * applyStrategicMergePatch applies a strategic merge patch
 * (`application/strategic-merge-patch+json`) to an object as the API server
 * does, using `meta` (see patchMetaFor) to know which lists merge by which
 * key: maps merge recursively; `null` deletes; lists of maps with a merge key
 * merge element by element (new elements are added, `$patch: delete`
 * elements remove theirs); primitive lists with merge strategy are unioned;
 * other lists are replaced; `$patch: replace|delete|merge`,
 * `$setElementOrder/…`, `$deleteFromPrimitiveList/…` and `$retainKeys`
 * directives are honoured and never stored. Neither argument is modified.
 * Throws PatchFormatError (400) for a malformed patch or bad directive and
 * PatchApplyError (422) when the patch does not fit the object.
 */
export function applyStrategicMergePatch(
  original: unknown,
  patch: unknown,
  meta: PatchMeta,
): JsonObject {
  const o = toJson(original, 'the object');
  if (!isJsonObject(o)) throw new PatchApplyError('the object to patch is not a JSON object');
  const p = toJson(patch, 'the patch');
  if (!isJsonObject(p)) throw new PatchFormatError('a strategic merge patch must be a JSON object');
  const r = mergeMap(o, p, meta, SERVER_OPTIONS);
  return r === DELETED ? {} : r;
}
