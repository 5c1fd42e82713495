import { PatchFormatError } from './errors.js';

/** JsonValue is any value JSON can hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** JsonObject is a JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** JsonType names the JSON kind of a value, the way patches compare "same type". */
export type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

/** jsonType gives the JSON kind of a value. */
export function jsonType(v: JsonValue): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as 'boolean' | 'number' | 'string' | 'object';
}

/** isJsonObject tells whether a value is a JSON object (not null, not an array). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** hasKey tells whether an object has `key` as its own property (never an inherited one). */
export function hasKey(o: JsonObject, key: string): boolean {
  return Object.hasOwn(o, key);
}

/** getKey reads an own property, or undefined (so `__proto__` or `constructor` never leak in). */
export function getKey(o: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** setKey sets an own property, also for the key `__proto__`, which plain assignment would not. */
export function setKey(o: JsonObject, key: string, v: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(o, key, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    o[key] = v;
  }
}

/**
 * toJson deep-copies a value into plain JSON as JSON.stringify would see it:
 * object properties that are undefined are dropped, `toJSON()` is honoured;
 * anything JSON cannot hold throws PatchFormatError naming `what`.
 */
export function toJson(v: unknown, what: string): JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new PatchFormatError(`${what} holds a non-finite number`);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : toJson(x, what)));
  if (typeof v === 'object') {
    // Values that know their JSON form (a Quantity, a Date) are stored as that form.
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toJson(toJSON.call(v) as unknown, what);
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x !== undefined) setKey(out, k, toJson(x, what));
    }
    return out;
  }
  throw new PatchFormatError(`${what} is not a JSON value (found ${typeof v})`);
}

/** clone deep-copies a JSON value. */
export function clone<T extends JsonValue>(v: T): T {
  return toJson(v, 'value') as T;
}

/** deepEqual compares JSON values structurally (object key order does not matter). */
export function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => hasKey(b, k) && deepEqual(a[k], b[k]));
}

/** sortKeysDeep returns a copy with object keys in sorted order, as Go's JSON encoder writes maps. */
export function sortKeysDeep(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) setKey(out, k, sortKeysDeep(v[k] as JsonValue));
  return out;
}
