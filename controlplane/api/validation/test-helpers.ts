import { applyDefaults } from '../defaults/index.js';
import { formatFieldError } from '../field-path.js';
import type { GroupVersionKind } from '../types/gvk.js';
import { validate, type ValidateOptions } from './index.js';

/** Helpers shared by the validation tests. */

/** Json is a decoded JSON object. */
export type Json = Record<string, unknown>;

/** prepared defaults a fresh example as the API server would before validating. */
export function prepared<T>(gvk: GroupVersionKind, make: () => T): T {
  const o = make();
  applyDefaults(gvk, o);
  return o;
}

/** summary validates and prints each error as kubectl shows it. */
export const summary = (gvk: GroupVersionKind, obj: unknown, opts?: ValidateOptions): string[] =>
  validate(gvk, obj, opts).map(formatFieldError);

/** Case is one invalid-input row: a name, how to break the object, the errors expected. */
export type Case = [name: string, mutate: (o: Json) => void, expected: string[]];

/** spec, tpl and ctr reach into objects under test. */
export const spec = (o: Json): Json => o.spec as Json;
export const tpl = (o: Json): Json => (spec(o).template as Json).spec as Json;
export const ctr = (o: Json, i = 0): Json => (tpl(o).containers as Json[])[i]!;
