import { clone, deepEqual, getKey, hasKey, isJsonObject, setKey, toJson } from './json.js';
import type { JsonObject, JsonValue } from './json.js';

function merge(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return clone(patch);
  const out: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setKey(out, k, merge(getKey(out, k), v));
  }
  return out;
}

/**
 * applyMergePatch applies a JSON merge patch (RFC 7386,
 * `application/merge-patch+json`): objects merge recursively, `null` deletes
 * a key, arrays and scalars replace, and a patch that is not an object
 * replaces the whole document. Neither argument is modified.
 */
export function applyMergePatch(target: unknown, patch: unknown): JsonValue {
  return merge(toJson(target, 'the object'), toJson(patch, 'the patch'));
}

function diff(original: JsonObject, modified: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const k of Object.keys(original)) {
    if (!hasKey(modified, k)) setKey(patch, k, null);
  }
  for (const [k, m] of Object.entries(modified)) {
    const o = getKey(original, k);
    if (o === undefined) {
      setKey(patch, k, m);
    } else if (isJsonObject(o) && isJsonObject(m)) {
      const sub = diff(o, m);
      if (Object.keys(sub).length > 0) setKey(patch, k, sub);
    } else if (!deepEqual(o, m)) {
      setKey(patch, k, m);
    }
  }
  return patch;
}

/**
 * createMergePatch computes the JSON merge patch that turns `original` into
 * `modified`: removed keys become `null`, changed objects recurse, anything
 * else changed is sent whole. Equal documents give `{}`; when either is not an
 * object the patch is `modified` itself.
 */
export function createMergePatch(original: unknown, modified: unknown): JsonValue {
  const o = toJson(original, 'the original');
  const m = toJson(modified, 'the modified object');
  if (!isJsonObject(o) || !isJsonObject(m)) return deepEqual(o, m) ? {} : m;
  return diff(o, m);
}
