import { PatchApplyError, PatchFormatError } from './errors.js';
import { clone, deepEqual, getKey, hasKey, isJsonObject, setKey, toJson } from './json.js';
import type { JsonObject, JsonValue } from './json.js';
import { arrayIndex, parsePointer } from './json-pointer.js';

/** JsonPatchOperation is one operation of a JSON patch (RFC 6902). */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: JsonValue }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

const ops = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/**
 * parseJsonPatch checks that a decoded `application/json-patch+json` body is
 * an array of well-formed operations: a known `op`, a `path` (and `from`)
 * that are JSON pointers, a `value` where the op needs one. It throws
 * PatchFormatError (400) naming the operation otherwise.
 */
export function parseJsonPatch(doc: unknown): JsonPatchOperation[] {
  if (!Array.isArray(doc)) {
    throw new PatchFormatError('a JSON patch must be an array of operations');
  }
  return doc.map((raw: unknown, i) => {
    const where = `json patch operation ${i}`;
    if (!isJsonObject(raw)) throw new PatchFormatError(`${where} is not an object`);
    const op = raw.op;
    if (typeof op !== 'string' || !ops.has(op)) {
      throw new PatchFormatError(`${where} has an unknown op ${JSON.stringify(op ?? null)}`);
    }
    const path = raw.path;
    if (typeof path !== 'string') throw new PatchFormatError(`${where} (${op}) has no path`);
    parsePointer(path, `${where} (${op}) path`);
    switch (op) {
      case 'add':
      case 'replace':
      case 'test':
        if (!hasKey(raw, 'value')) {
          throw new PatchFormatError(`${where} (${op} ${path}) has no value`);
        }
        return { op, path, value: toJson(raw.value, where) };
      case 'move':
      case 'copy': {
        const from = raw.from;
        if (typeof from !== 'string') {
          throw new PatchFormatError(`${where} (${op} ${path}) has no from`);
        }
        parsePointer(from, `${where} (${op}) from`);
        if (op === 'move' && path.startsWith(`${from}/`)) {
          throw new PatchFormatError(
            `${where} (move ${from} to ${path}) cannot move a value into one of its own children`,
          );
        }
        return { op, from, path };
      }
      default:
        return { op: 'remove', path };
    }
  });
}

/** Failure carries what went wrong inside one operation; the caller names the operation. */
class Failure extends Error {}

function describe(v: JsonValue): string {
  return Array.isArray(v)
    ? 'an array'
    : v === null
      ? 'null'
      : typeof v === 'object'
        ? 'an object'
        : `a ${typeof v}`;
}

/** resolve walks tokens from the root; undefined when something on the way is missing. */
function resolve(doc: JsonValue, tokens: readonly string[]): JsonValue | undefined {
  let cur: JsonValue | undefined = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(t);
      cur = i === undefined ? undefined : cur[i];
    } else if (isJsonObject(cur)) {
      cur = getKey(cur, t);
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

function parentOf(doc: JsonValue, tokens: readonly string[]): JsonValue[] | JsonObject {
  const parent = resolve(doc, tokens.slice(0, -1));
  if (parent === undefined) throw new Failure('doc is missing path');
  if (!Array.isArray(parent) && !isJsonObject(parent)) {
    throw new Failure(`the parent is ${describe(parent)}, not an object or array`);
  }
  return parent;
}

function index(arr: JsonValue[], token: string, max: number): number {
  const i = arrayIndex(token);
  if (i === undefined) throw new Failure(`${JSON.stringify(token)} is not an array index`);
  if (i > max) throw new Failure(`index ${i} is out of bounds (array length ${arr.length})`);
  return i;
}

function add(doc: JsonValue, tokens: readonly string[], value: JsonValue): JsonValue {
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) {
    if (last === '-') parent.push(value);
    else parent.splice(index(parent, last, parent.length), 0, value);
  } else {
    setKey(parent, last, value);
  }
  return doc;
}

function remove(doc: JsonValue, tokens: readonly string[]): { doc: JsonValue; removed: JsonValue } {
  if (tokens.length === 0) throw new Failure('cannot remove the whole document');
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) {
    const i = index(parent, last, parent.length - 1);
    const [removed] = parent.splice(i, 1);
    return { doc, removed: removed as JsonValue };
  }
  const removed = getKey(parent, last);
  if (removed === undefined) throw new Failure(`doc is missing key ${JSON.stringify(last)}`);
  delete parent[last];
  return { doc, removed };
}

function replace(doc: JsonValue, tokens: readonly string[], value: JsonValue): JsonValue {
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) {
    parent[index(parent, last, parent.length - 1)] = value;
  } else {
    if (!hasKey(parent, last)) throw new Failure(`doc is missing key ${JSON.stringify(last)}`);
    setKey(parent, last, value);
  }
  return doc;
}

function apply(doc: JsonValue, op: JsonPatchOperation): JsonValue {
  const path = parsePointer(op.path);
  switch (op.op) {
    case 'add':
      return add(doc, path, clone(op.value));
    case 'remove':
      return remove(doc, path).doc;
    case 'replace':
      return replace(doc, path, clone(op.value));
    case 'test': {
      const got = resolve(doc, path);
      if (got === undefined) throw new Failure('doc is missing path');
      if (!deepEqual(got, op.value)) throw new Failure('test failed: the value differs');
      return doc;
    }
    case 'copy': {
      const v = resolve(doc, parsePointer(op.from));
      if (v === undefined) throw new Failure(`doc is missing from path ${JSON.stringify(op.from)}`);
      return add(doc, path, clone(v));
    }
    case 'move': {
      const from = parsePointer(op.from);
      if (resolve(doc, from) === undefined) {
        throw new Failure(`doc is missing from path ${JSON.stringify(op.from)}`);
      }
      if (op.from === op.path) return doc;
      const { doc: after, removed } = remove(doc, from);
      return add(after, path, removed);
    }
  }
}

/**
 * applyJsonPatch applies a JSON patch (RFC 6902, `application/json-patch+json`)
 * to a copy of `target` and returns it; `target` is never modified, and a
 * failure part-way leaves nothing half-applied. `ops` is the decoded body:
 * a malformed one throws PatchFormatError (400); an operation that does not
 * apply (missing path, index out of bounds, failed test) throws
 * PatchApplyError (422) naming the operation and its path.
 */
export function applyJsonPatch(target: unknown, ops: unknown): JsonValue {
  const operations = parseJsonPatch(ops);
  let doc = toJson(target, 'the object');
  operations.forEach((op, i) => {
    try {
      doc = apply(doc, op);
    } catch (e) {
      if (!(e instanceof Failure)) throw e;
      const target = op.op === 'move' || op.op === 'copy' ? `${op.from} to ${op.path}` : op.path;
      throw new PatchApplyError(
        `json patch operation ${i} (${op.op} ${target}) does not apply: ${e.message}`,
        { cause: e },
      );
    }
  });
  return doc;
}
