import protobuf from 'protobufjs';
import type { Field, Type } from 'protobufjs';
import {
  FIELDS_V1,
  INT64_TYPES,
  INT_OR_STRING,
  INT_TYPE,
  MICRO_TIME,
  QUANTITY,
  STRING_TYPE,
  TIME,
  presenceOf,
} from './json-types.js';

/** A plain object `Type.fromObject` accepts. */
type Plain = Record<string, unknown>;

function isPlainObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: string, why: string): never {
  throw new TypeError(`${path || '<root>'}: ${why}`);
}

function timeFromJson(v: unknown, micro: boolean, path: string): Plain {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) fail(path, `not an RFC 3339 time: ${JSON.stringify(v)}`);
  const seconds = Math.floor(ms / 1000);
  if (!micro) return { seconds };
  const frac = /\.(\d+)/.exec(v as string)?.[1] ?? '';
  const nanos = Number((frac + '000000000').slice(0, 9));
  return { seconds, nanos: nanos - (nanos % 1000) };
}

function intOrStringFromJson(v: unknown, path: string): Plain {
  if (typeof v === 'number') return { type: INT_TYPE, intVal: v, strVal: '' };
  if (typeof v === 'string') return { type: STRING_TYPE, intVal: 0, strVal: v };
  return fail(path, 'an IntOrString must be a number or a string');
}

/** zeroOf is what Go writes for a non-pointer scalar left at its zero value. */
function zeroOf(field: Field): unknown {
  const t = field.resolvedType;
  if (t instanceof protobuf.Type) {
    return t.fullName === INT_OR_STRING ? { type: INT_TYPE, intVal: 0, strVal: '' } : undefined;
  }
  if (field.type === 'string') return '';
  if (field.type === 'bool') return false;
  if (field.type === 'bytes') return undefined;
  return 0;
}

function valueFromJson(field: Field, v: unknown, path: string): unknown {
  const t = field.resolvedType;
  if (t instanceof protobuf.Type) {
    switch (t.fullName) {
      case TIME:
        return timeFromJson(v, false, path);
      case MICRO_TIME:
        return timeFromJson(v, true, path);
      case QUANTITY:
        if (typeof v !== 'string' && typeof v !== 'number') fail(path, 'a quantity is a string');
        return { string: String(v) };
      case INT_OR_STRING:
        return intOrStringFromJson(v, path);
      case FIELDS_V1:
        return { Raw: Buffer.from(JSON.stringify(v)) };
      default:
        if (!isPlainObject(v)) fail(path, 'expected an object');
        return messageFromJson(t, v, path);
    }
  }
  if (field.type === 'bytes') {
    if (typeof v !== 'string') fail(path, 'bytes are a base64 string');
    return Buffer.from(v, 'base64');
  }
  if (field.type === 'string' && typeof v !== 'string') fail(path, 'expected a string');
  if (field.type === 'bool' && typeof v !== 'boolean') fail(path, 'expected a boolean');
  if (field.type !== 'string' && field.type !== 'bool') {
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, `expected an integer`);
    if (!INT64_TYPES.has(field.type) && (v < -(2 ** 31) || v >= 2 ** 31)) {
      fail(path, `${v} does not fit a ${field.type}`);
    }
  }
  return v;
}

/** jsonKeys are the JSON keys a message reads, inline fields' keys included. */
function jsonKeys(type: Type, into = new Set<string>()): Set<string> {
  for (const f of type.fieldsArray) {
    const t = f.resolvedType;
    if (presenceOf(f) === 'inline' && t instanceof protobuf.Type) jsonKeys(t, into);
    else into.add(f.name);
  }
  return into;
}

/**
 * messageFromJson is the inverse of messageToJson: it builds, from an
 * object's Kubernetes JSON, the plain object `type.fromObject` encodes, the
 * way Kubernetes' Go encoder would write it (non-pointer scalars written even
 * when zero, inline structs nested again). It throws TypeError, naming the
 * path, for a JSON key the schema lacks or a value of the wrong type, so a
 * gap in the schema shows instead of silently losing data.
 */
export function messageFromJson(type: Type, json: Plain, path = ''): Plain {
  const known = jsonKeys(type);
  for (const k of Object.keys(json)) {
    if (!known.has(k)) fail(path ? `${path}.${k}` : k, `no field in ${type.fullName}`);
  }
  const out: Plain = {};
  for (const field of type.fieldsArray) {
    const name = field.name;
    const p = path ? `${path}.${name}` : name;
    const presence = presenceOf(field);
    const t = field.resolvedType;
    if (presence === 'inline' && t instanceof protobuf.Type) {
      const inner: Plain = {};
      for (const k of jsonKeys(t)) if (json[k] !== undefined) inner[k] = json[k];
      out[name] = messageFromJson(t, inner, path);
      continue;
    }
    const v = json[name];
    if (v === undefined || v === null) {
      if (field.repeated || field.map || presence === 'ptr') continue;
      const zero = zeroOf(field);
      if (zero !== undefined) out[name] = zero;
      continue;
    }
    if (field.map) {
      if (!isPlainObject(v)) fail(p, 'expected an object');
      out[name] = Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, valueFromJson(field, x, `${p}[${k}]`)]),
      );
    } else if (field.repeated) {
      if (!Array.isArray(v)) fail(p, 'expected an array');
      out[name] = v.map((x: unknown, i) => valueFromJson(field, x, `${p}[${i}]`));
    } else {
      out[name] = valueFromJson(field, v, p);
    }
  }
  return out;
}
