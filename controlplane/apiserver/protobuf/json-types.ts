import type { Field } from 'protobufjs';

/** Json is a JSON value. */
export type Json = string | number | boolean | null | Json[] | JsonObject;

/** JsonObject is a JSON object. */
export interface JsonObject {
  [key: string]: Json;
}

const META = '.k8s.io.apimachinery.pkg.apis.meta.v1';

/** Well-known message names whose JSON form is not an object of their fields. */
export const TIME = `${META}.Time`;
export const MICRO_TIME = `${META}.MicroTime`;
export const FIELDS_V1 = `${META}.FieldsV1`;
export const QUANTITY = '.k8s.io.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = '.k8s.io.apimachinery.pkg.util.intstr.IntOrString';

/** IntOrString's `type` values. */
export const INT_TYPE = 0;
export const STRING_TYPE = 1;

/** Presence is how a field is declared in Go, from its schema options (see schema/README.md). */
export type Presence = 'omitempty' | 'ptr' | 'keep' | 'inline';

/** presenceOf reads a field's `(ptr)`, `(keep)` and `(inline)` options. */
export function presenceOf(field: Field): Presence {
  const o = field.options;
  if (o?.['(inline)'] === true) return 'inline';
  if (o?.['(ptr)'] === true) return 'ptr';
  if (o?.['(keep)'] === true) return 'keep';
  return 'omitempty';
}

/** INT64_TYPES are the scalar types protobufjs decodes as Long objects. */
export const INT64_TYPES: ReadonlySet<string> = new Set([
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
]);

/** MIN_SECONDS and MAX_SECONDS bound the years 0001–9999 that RFC 3339 can write. */
export const MIN_SECONDS = -62135596800;
export const MAX_SECONDS = 253402300799;
