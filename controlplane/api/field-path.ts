import type { CauseType, StatusCause } from './meta.js';

/**
 * FieldPath names a field inside an object the way apimachinery prints it:
 * `spec.template.spec.containers[0].image`, `metadata.labels[app]`.
 * It is immutable; `child`, `index` and `key` return new paths.
 */
export class FieldPath {
  private constructor(private readonly text: string) {}

  /** root starts a path at a top-level field (`root('spec')`), or the empty path. */
  static root(name = ''): FieldPath {
    return new FieldPath(name);
  }

  child(...names: string[]): FieldPath {
    let t = this.text;
    for (const n of names) t = t === '' ? n : `${t}.${n}`;
    return new FieldPath(t);
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }

  toString(): string {
    return this.text;
  }
}

/** FieldError is one validation failure at one path (apimachinery field.Error). */
export interface FieldError {
  type: CauseType;
  field: string;
  /** badValue is printed in the message for Invalid/NotSupported/Duplicate. */
  badValue?: unknown;
  detail?: string;
}

const typeText: Partial<Record<CauseType, string>> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
  InternalError: 'Internal error',
};

const valueTypes: CauseType[] = [
  'FieldValueInvalid',
  'FieldValueNotSupported',
  'FieldValueDuplicate',
  'FieldValueNotFound',
  'FieldValueTypeInvalid',
];

function printValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'null';
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

/** errorBody is the message without the field: `Invalid value: -1: must be …`. */
export function errorBody(e: FieldError): string {
  let s = typeText[e.type] ?? e.type;
  if (valueTypes.includes(e.type)) s += `: ${printValue(e.badValue)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** formatFieldError prints the whole error: `spec.replicas: Invalid value: -1: must be …`. */
export function formatFieldError(e: FieldError): string {
  return e.field ? `${e.field}: ${errorBody(e)}` : errorBody(e);
}

/** toCause turns a FieldError into a Status cause. */
export function toCause(e: FieldError): StatusCause {
  return { reason: e.type, message: errorBody(e), field: e.field };
}

const p = (path: FieldPath | string): string => path.toString();

export const fieldErrors = {
  required: (path: FieldPath | string, detail?: string): FieldError => ({
    type: 'FieldValueRequired',
    field: p(path),
    ...(detail ? { detail } : {}),
  }),
  invalid: (path: FieldPath | string, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueInvalid',
    field: p(path),
    badValue: value,
    detail,
  }),
  notSupported: (
    path: FieldPath | string,
    value: unknown,
    valid: readonly string[],
  ): FieldError => ({
    type: 'FieldValueNotSupported',
    field: p(path),
    badValue: value,
    detail: `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}`,
  }),
  duplicate: (path: FieldPath | string, value: unknown): FieldError => ({
    type: 'FieldValueDuplicate',
    field: p(path),
    badValue: value,
  }),
  forbidden: (path: FieldPath | string, detail: string): FieldError => ({
    type: 'FieldValueForbidden',
    field: p(path),
    detail,
  }),
  tooLong: (path: FieldPath | string, max: number): FieldError => ({
    type: 'FieldValueTooLong',
    field: p(path),
    detail: `must have at most ${max} bytes`,
  }),
  typeInvalid: (path: FieldPath | string, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueTypeInvalid',
    field: p(path),
    badValue: value,
    detail,
  }),
};
