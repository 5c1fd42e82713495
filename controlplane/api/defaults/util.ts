/**
 * Guards for defaulting code that reads bodies which passed type checks but
 * may still miss any field: descend only into real objects and arrays.
 */

/** rec returns `v` as a record when it is a plain JSON object, else undefined. */
export function rec<T extends object = Record<string, unknown>>(v: unknown): T | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as T) : undefined;
}

/** list returns `v` as an array of records (non-objects skipped), or [] when it is not an array. */
export function list<T extends object = Record<string, unknown>>(v: unknown): T[] {
  if (!Array.isArray(v)) return [];
  return v.filter((x): x is T => rec(x) !== undefined);
}

/** child returns `o[k]` as a record, creating `{}` there when it is missing. */
export function child<T extends object>(o: object, k: string): T {
  const r = o as Record<string, unknown>;
  const existing = rec<T>(r[k]);
  if (existing) return existing;
  const made = {} as T;
  r[k] = made;
  return made;
}

/** isEmptyValue is true for undefined, '' and 0: the values Go's defaulters treat as unset. */
export function isUnset(v: unknown): boolean {
  return v === undefined || v === '' || v === 0;
}
