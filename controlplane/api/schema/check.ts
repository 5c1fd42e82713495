import type { ErrorObject } from 'ajv';
import { fieldErrors, type FieldError } from '../field-path.js';
import type { GroupVersionKind } from '../types/gvk.js';
import { quantityPattern, validatorFor } from './ajv.js';
import { goTypeName, rootDefinitionName } from './registry.js';
import { locate, pointerSegments, valueAt, withoutNulls, type Located } from './walk.js';

/**
 * What Go's JSON decoder would reject or drop in a request body: values of the
 * wrong JSON type (answered 400 like Kubernetes' "cannot be handled as"
 * errors) and fields the kind does not have (`?fieldValidation=Strict|Warn`).
 */

interface Analysis {
  typeErrors: FieldError[];
  unknown: { path: string; segments: string[] }[];
}

/** hasSchema tells whether this package has a schema for the kind. */
export function hasSchema(gvk: GroupVersionKind): boolean {
  return rootDefinitionName(gvk) !== undefined;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

function goDecodeDetail(at: Located, value: unknown): string {
  const what =
    typeof value === 'number' && at.shape?.t === 'integer'
      ? `number ${String(value)}`
      : jsonType(value);
  const type = at.shape ? goTypeName(at.shape) : 'unknown';
  const field = at.goField ? `Go struct field ${at.struct}.${at.goField}` : 'Go value';
  return `json: cannot unmarshal ${what} into ${field} of type ${type}`;
}

function formatDetail(format: unknown, value: unknown): string {
  const s = typeof value === 'string' ? value : '';
  switch (format) {
    case 'byte': {
      const clean = s.replace(/[\r\n]/g, '');
      const bad = clean.search(/[^A-Za-z0-9+/=]/);
      return `illegal base64 data at input byte ${bad >= 0 ? bad : clean.length - (clean.length % 4)}`;
    }
    case 'quantity':
      return `quantities must match the regular expression '${quantityPattern}'`;
    default:
      return `parsing time ${JSON.stringify(s)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(s)} as RFC 3339`;
  }
}

function analyze(gvk: GroupVersionKind, obj: unknown): Analysis {
  const root = rootDefinitionName(gvk);
  const out: Analysis = { typeErrors: [], unknown: [] };
  if (!root) return out;
  const data = withoutNulls(obj);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    out.typeErrors.push(
      fieldErrors.typeInvalid(
        '',
        data,
        `json: cannot unmarshal ${jsonType(data)} into Go value of type struct`,
      ),
    );
    return out;
  }
  const validate = validatorFor(root);
  if (validate(data)) return out;
  const seenType = new Set<string>();
  for (const e of (validate.errors ?? []) as ErrorObject[]) {
    const segs = pointerSegments(e.instancePath);
    if (e.keyword === 'additionalProperties') {
      const prop = String((e.params as { additionalProperty?: unknown }).additionalProperty);
      const at = locate(root, [...segs, prop]);
      out.unknown.push({ path: at.path.toString(), segments: [...segs, prop] });
      continue;
    }
    // One error per location: a union type reports `type` once, but ranges add more.
    if (seenType.has(e.instancePath)) continue;
    seenType.add(e.instancePath);
    const at = locate(root, segs);
    const value = valueAt(data, segs);
    if (e.keyword === 'format') {
      const detail = formatDetail((e.params as { format?: unknown }).format, value);
      const err = fieldErrors.invalid(at.path, value, detail);
      // Secret bytes are not echoed back.
      if ((e.params as { format?: unknown }).format === 'byte') err.badValue = '<redacted>';
      out.typeErrors.push(err);
    } else {
      out.typeErrors.push(fieldErrors.typeInvalid(at.path, value, goDecodeDetail(at, value)));
    }
  }
  return out;
}

/**
 * checkTypes lists the values of `obj` whose JSON type does not fit kind
 * `gvk` (a string for `spec.replicas`, an object for `containers`), plus
 * decode-time format errors (base64 data, timestamps, quantity syntax). Each
 * error has an apimachinery field path and a detail in encoding/json's words.
 * JSON nulls count as absent. Pure: `obj` is not changed. Unknown kinds give [].
 */
export function checkTypes(gvk: GroupVersionKind, obj: unknown): FieldError[] {
  return analyze(gvk, obj).typeErrors;
}

/**
 * findUnknownFields lists every field of `obj` that kind `gvk` does not have,
 * as paths like `spec.replicass` or `spec.template.spec.containers[0].imagee`,
 * in schema order. Free-keyed maps (labels, data, resources.limits…) accept
 * any key. Pure. Unknown kinds give [].
 */
export function findUnknownFields(gvk: GroupVersionKind, obj: unknown): string[] {
  return analyze(gvk, obj).unknown.map((u) => u.path);
}

/**
 * pruneUnknownFields deletes, in place, every field findUnknownFields would
 * report — what Kubernetes does when fieldValidation is Ignore or Warn, since
 * unknown fields are never stored. Returns the removed paths. Idempotent.
 */
export function pruneUnknownFields(gvk: GroupVersionKind, obj: unknown): string[] {
  const { unknown } = analyze(gvk, obj);
  for (const u of unknown) {
    const parent = valueAt(obj, u.segments.slice(0, -1));
    const last = u.segments[u.segments.length - 1];
    if (typeof parent === 'object' && parent !== null && last !== undefined) {
      delete (parent as Record<string, unknown>)[last];
    }
  }
  return unknown.map((u) => u.path);
}

/**
 * decodeErrorMessage is the 400 message Kubernetes gives for the first type
 * error: `Deployment in version "v1" cannot be handled as a Deployment: json: …`.
 */
export function decodeErrorMessage(gvk: GroupVersionKind, errs: readonly FieldError[]): string {
  const first = errs[0];
  const why = first?.detail ?? 'invalid object';
  return `${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: ${why}`;
}

/**
 * strictDecodingMessage is the 400 message for `fieldValidation=Strict`:
 * `strict decoding error: unknown field "spec.replicass", unknown field "…"`.
 */
export function strictDecodingMessage(paths: readonly string[]): string {
  return `strict decoding error: ${paths.map((p) => `unknown field "${p}"`).join(', ')}`;
}
