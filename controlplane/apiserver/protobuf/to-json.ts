import protobuf from 'protobufjs';
import type { Field, Type } from 'protobufjs';
import { ProtobufDecodeError } from './errors.js';
import {
  FIELDS_V1,
  INT64_TYPES,
  INT_OR_STRING,
  INT_TYPE,
  MAX_SECONDS,
  MICRO_TIME,
  MIN_SECONDS,
  QUANTITY,
  STRING_TYPE,
  TIME,
  presenceOf,
  type Json,
  type JsonObject,
} from './json-types.js';

type Decoded = Record<string, unknown>;

const has = (m: Decoded, k: string): boolean => Object.hasOwn(m, k);

function fail(path: string, why: string): never {
  throw new ProtobufDecodeError(`${path || '<root>'}: ${why}`);
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** toNumber reads an integer protobufjs may hand over as a Long. */
function toNumber(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'toNumber' in v && typeof v.toNumber === 'function') {
    const n = (v as { toNumber(): number }).toNumber();
    if (!Number.isSafeInteger(n)) fail(path, `integer ${String(v)} is out of range`);
    return n;
  }
  return fail(path, `expected an integer, got ${typeof v}`);
}

function isZero(v: Json): boolean {
  return v === '' || v === 0 || v === false;
}

/**
 * timeToJson writes a meta.v1 Time (whole seconds, as Kubernetes reads it)
 * or MicroTime (microseconds). An empty message is Go's zero time, which JSON
 * writes as null; it is left out instead, which means the same.
 */
function timeToJson(m: Decoded, micro: boolean, path: string): string | undefined {
  if (!has(m, 'seconds') && !has(m, 'nanos')) return undefined;
  const seconds = has(m, 'seconds') ? toNumber(m['seconds'], path) : 0;
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS)
    fail(path, `time ${seconds}s is out of range`);
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (!micro) return `${base}Z`;
  const nanos = has(m, 'nanos') ? toNumber(m['nanos'], path) : 0;
  if (nanos < 0 || nanos > 999_999_999) fail(path, `nanos ${nanos} is out of range`);
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function intOrStringToJson(m: Decoded, path: string): number | string {
  const type = has(m, 'type') ? toNumber(m['type'], path) : INT_TYPE;
  if (type === INT_TYPE) return has(m, 'intVal') ? toNumber(m['intVal'], path) : 0;
  if (type === STRING_TYPE) return has(m, 'strVal') ? String(m['strVal']) : '';
  return fail(path, `IntOrString has unknown type ${type}`);
}

function fieldsV1ToJson(m: Decoded, path: string): Json | undefined {
  const raw = m['Raw'];
  if (!(raw instanceof Uint8Array) || raw.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8')) as Json;
  } catch (e) {
    throw new ProtobufDecodeError(`${path}: FieldsV1 is not JSON`, { cause: e });
  }
}

/** valueToJson converts one value of `field` (an element, for repeated and map fields). */
function valueToJson(field: Field, v: unknown, path: string): Json | undefined {
  const t = field.resolvedType;
  if (t instanceof protobuf.Type) {
    if (typeof v !== 'object' || v === null) return fail(path, 'expected a message');
    const m = v as Decoded;
    switch (t.fullName) {
      case TIME:
        return timeToJson(m, false, path);
      case MICRO_TIME:
        return timeToJson(m, true, path);
      case QUANTITY:
        return has(m, 'string') ? String(m['string']) : '0';
      case INT_OR_STRING:
        return intOrStringToJson(m, path);
      case FIELDS_V1:
        return fieldsV1ToJson(m, path);
      default:
        return messageToJson(t, m, path);
    }
  }
  if (t instanceof protobuf.Enum) {
    // Kubernetes' enums are Go strings, never proto enums; read a number as its name anyway.
    const n = toNumber(v, path);
    return t.valuesById[n] ?? n;
  }
  if (field.type === 'bytes') {
    if (!(v instanceof Uint8Array)) return fail(path, 'expected bytes');
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  }
  if (INT64_TYPES.has(field.type)) return toNumber(v, path);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return fail(path, `unexpected ${typeof v} for a ${field.type}`);
}

/**
 * messageToJson converts a message decoded by protobufjs into the JSON a
 * Kubernetes server would write for the same Go object: JSON field names,
 * zero values dropped where Go's `omitempty` drops them, inline structs
 * lifted, and the well-known types in their JSON forms. Absent fields stay
 * absent. It throws ProtobufDecodeError, naming the field path, for a value
 * with no JSON form (a time out of range, an IntOrString of unknown type).
 */
export function messageToJson(type: Type, m: Decoded, path = ''): JsonObject {
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    const name = field.name;
    if (!has(m, name) || m[name] === null || m[name] === undefined) continue;
    const v = m[name];
    const p = join(path, name);
    if (field.map) {
      const entries = Object.entries(v as Decoded);
      if (entries.length === 0) continue;
      const obj: JsonObject = {};
      for (const [k, x] of entries) {
        const j = valueToJson(field, x, `${p}[${k}]`);
        if (j !== undefined) obj[k] = j;
      }
      out[name] = obj;
      continue;
    }
    if (field.repeated) {
      if (!Array.isArray(v) || v.length === 0) continue;
      out[name] = v.map((x: unknown, i) => valueToJson(field, x, `${p}[${i}]`) ?? null);
      continue;
    }
    const presence = presenceOf(field);
    if (presence === 'inline') {
      const t = field.resolvedType;
      if (!(t instanceof protobuf.Type)) fail(p, 'an inline field must be a message');
      Object.assign(out, messageToJson(t, v as Decoded, path));
      continue;
    }
    const j = valueToJson(field, v, p);
    if (j === undefined) continue;
    if (presence === 'omitempty' && isZero(j) && isScalarLike(field)) continue;
    out[name] = j;
  }
  return out;
}

/**
 * isScalarLike: fields whose zero value `omitempty` drops. IntOrString counts:
 * Go's JSON writes a zero one (`"targetPort": 0`), but Kubernetes reads 0 and
 * "" as unset (a Service's targetPort then defaults to its port), and leaving
 * it out lets this server's defaulting see it the same way.
 */
function isScalarLike(field: Field): boolean {
  const t = field.resolvedType;
  return !(t instanceof protobuf.Type) || t.fullName === INT_OR_STRING;
}
