import { PatchApplyError } from './errors.js';
import { deepEqual, getKey, hasKey, isJsonObject, jsonType } from './json.js';
import type { JsonObject, JsonType, JsonValue } from './json.js';

/*
 * List helpers of the strategic merge patch: element kinds, lookups by merge
 * key, and the ordering rules Kubernetes applies to merged lists
 * ($setElementOrder first, then the order in the patch, then the live order;
 * see the "preserve order in strategic merge patch" design proposal).
 */

/** DIRECTIVE is the key of `$patch: replace|delete|merge`. */
export const DIRECTIVE = '$patch';

/** sameValue compares merge-key values (scalars in practice, JSON equality in general). */
export function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return a !== undefined && b !== undefined && (a === b || deepEqual(a, b));
}

/** show prints a value for an error message. */
export function show(v: JsonValue | undefined): string {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

/**
 * elementKind is the JSON type shared by every element of the lists, or
 * undefined when all are empty. Mixed types and lists of lists are errors,
 * as in Kubernetes.
 */
export function elementKind(...lists: (readonly JsonValue[])[]): JsonType | undefined {
  let kind: JsonType | undefined;
  for (const list of lists) {
    for (const v of list) {
      const t = jsonType(v);
      if (kind === undefined) {
        if (t === 'array') throw new PatchApplyError('lists of lists are not supported');
        kind = t;
      } else if (t !== kind) {
        throw new PatchApplyError(
          `list element types are not identical: ${lists.map((l) => JSON.stringify(l)).join(', ')}`,
        );
      }
    }
  }
  return kind;
}

/** keyOf is what identifies a list element: its merge key's value for maps, itself otherwise. */
function keyOf(item: JsonValue, mergeKey: string, kind: JsonType): JsonValue | undefined {
  if (kind !== 'object') return item;
  return isJsonObject(item) ? getKey(item, mergeKey) : undefined;
}

/** indexIn finds an element (by merge key for maps) in a list; -1 if absent. */
export function indexIn(
  list: readonly JsonValue[],
  item: JsonValue,
  mergeKey: string,
  kind: JsonType,
): number {
  const want = keyOf(item, mergeKey, kind);
  return list.findIndex((v) => sameValue(keyOf(v, mergeKey, kind), want));
}

/** findByKey finds the map in `list` whose `mergeKey` equals `value`. */
export function findByKey(list: readonly JsonValue[], mergeKey: string, value: JsonValue): number {
  return list.findIndex((v) => isJsonObject(v) && sameValue(getKey(v, mergeKey), value));
}

/** requireMergeKeys checks every element is a map with its merge key (the live object's side). */
function requireMergeKeys(mergeKey: string, ...lists: (readonly JsonValue[])[]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isJsonObject(item)) {
        throw new PatchApplyError(`expected a map in the list, but received ${show(item)}`);
      }
      if (!hasKey(item, mergeKey)) {
        throw new PatchApplyError(
          `map: ${show(item)} does not contain declared merge key: ${mergeKey}`,
        );
      }
    }
  }
}

const isDeleteElement = (v: JsonValue): boolean =>
  isJsonObject(v) && getKey(v, DIRECTIVE) === 'delete';

/**
 * sortByOrder orders `toSort` by the position of each element in `order`
 * (stable; elements absent from `order` keep their place at the end), with
 * `$patch: delete` elements last.
 */
export function sortByOrder(
  toSort: readonly JsonValue[],
  order: readonly JsonValue[],
  mergeKey: string,
  kind: JsonType,
): JsonValue[] {
  let items = [...toSort];
  let deletes: JsonValue[] = [];
  if (kind === 'object') {
    requireMergeKeys(mergeKey, toSort, order);
    deletes = items.filter(isDeleteElement);
    items = items.filter((v) => !isDeleteElement(v));
  }
  const pos = (v: JsonValue): number => {
    const i = indexIn(order, v, mergeKey, kind);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  const sorted = items
    .map((v, i) => ({ v, i, p: pos(v) }))
    .sort((a, b) => (a.p === b.p ? a.i - b.i : a.p < b.p ? -1 : 1))
    .map(({ v }) => v);
  return [...sorted, ...deletes];
}

/**
 * mergeSorted interleaves two ordered lists keeping each one's order: an
 * element of `left` (server-only items) goes before the next element of
 * `right` (patch items) when both appear in `serverOrder` and it comes first
 * there; otherwise the `right` element goes first. This is Kubernetes' rule,
 * which puts new patch items ahead of the server-only items that follow them.
 */
export function mergeSorted(
  left: readonly JsonValue[],
  right: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: string,
  kind: JsonType,
): JsonValue[] {
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) {
      out.push(left[i++] as JsonValue);
    } else if (i >= left.length) {
      out.push(right[j++] as JsonValue);
    } else {
      const li = indexIn(serverOrder, left[i] as JsonValue, mergeKey, kind);
      const ri = indexIn(serverOrder, right[j] as JsonValue, mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++] as JsonValue);
      else out.push(right[j++] as JsonValue);
    }
  }
  return out;
}

/**
 * normalizeElementOrder sorts the patch items by `patchOrder` and the
 * server-only items by `serverOrder`, then interleaves them (mergeSorted).
 */
export function normalizeElementOrder(
  patchItems: readonly JsonValue[],
  serverOnly: readonly JsonValue[],
  patchOrder: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: string,
  kind: JsonType,
): JsonValue[] {
  const p = sortByOrder(patchItems, patchOrder, mergeKey, kind);
  const s = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSorted(s, p, serverOrder, mergeKey, kind);
}

/** partition splits `items` into those present in `by` (by merge key for maps) and the rest. */
export function partition(
  items: readonly JsonValue[],
  by: readonly JsonValue[],
  mergeKey: string,
  kind: JsonType,
): [JsonValue[], JsonValue[]] {
  if (kind === 'object') requireMergeKeys(mergeKey, items);
  const present: JsonValue[] = [];
  const rest: JsonValue[] = [];
  for (const v of items) (indexIn(by, v, mergeKey, kind) >= 0 ? present : rest).push(v);
  return [present, rest];
}

/** dedupeScalars drops repeated primitives, keeping the first of each. */
export function dedupeScalars(items: readonly JsonValue[]): JsonValue[] {
  const out: JsonValue[] = [];
  for (const v of items) if (!out.some((x) => x === v)) out.push(v);
  return out;
}

/** mergeKeyEntry is the `{mergeKey: value}` map kubectl puts in $setElementOrder lists. */
export function mergeKeyEntry(item: JsonObject, mergeKey: string): JsonObject {
  const out: JsonObject = {};
  const v = getKey(item, mergeKey);
  if (v !== undefined) out[mergeKey] = v;
  return out;
}
