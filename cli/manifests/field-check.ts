import { applyDefaults } from '../../controlplane/api/defaults/index.js';
import { newInvalid } from '../../controlplane/api/errors.js';
import type { ResourceInfo } from '../../controlplane/api/resources.js';
import {
  checkTypes,
  decodeErrorMessage,
  findUnknownFields,
  strictDecodingMessage,
} from '../../controlplane/api/schema/index.js';
import { gvkOf } from '../../controlplane/api/types/index.js';
import { validate } from '../../controlplane/api/validation/index.js';
import type { Obj } from '../resources/fetch.js';
import type { FieldChecker, ValidationMode } from './validate.js';

// Loaded on demand (by apply, create, replace): the schemas, defaults and
// validation cost about a tenth of a second to load, which `get` need not pay.

/**
 * checkFields runs, on a copy of `obj`, what the server would: JSON types,
 * unknown fields (an error when strict, warnings otherwise) and Kubernetes'
 * validation after defaulting. Returns kubectl-style error text naming the
 * file and field path, or undefined when the object is valid.
 */
export const checkFields: FieldChecker = (
  source: string,
  obj: Obj,
  info: ResourceInfo,
  name: string,
  warnings: string[],
  mode: ValidationMode,
): string | undefined => {
  const gvk = gvkOf(info.group ? `${info.group}/${info.version}` : info.version, info.kind);
  const at = `error validating "${source}": `;
  const unknown = findUnknownFields(gvk, obj);
  if (unknown.length > 0) {
    if (mode === 'strict')
      return `${at}${info.kind} ${JSON.stringify(name)}: ${strictDecodingMessage(unknown)}`;
    warnings.push(...unknown.map((u) => `unknown field "${u}"`));
  }
  const typeErrs = checkTypes(gvk, obj);
  if (typeErrs.length > 0) return `${at}${decodeErrorMessage(gvk, typeErrs)}`;
  // Validate what the server would: unknown fields dropped, defaults filled in.
  const copy = structuredClone(obj);
  for (const u of unknown) deletePath(copy, u);
  applyDefaults(gvk, copy);
  const errs = validate(gvk, copy);
  if (errs.length === 0) return undefined;
  return `${at}${newInvalid({ group: info.group, kind: info.kind }, name, errs).message}`;
};

// deletePath removes a field named by a path such as `spec.template.spec.containers[0].imagee`.
function deletePath(obj: unknown, path: string): void {
  const parts = path.match(/[^.[\]]+/g) ?? [];
  let cur: unknown = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    if (typeof cur !== 'object' || cur === null) return;
    cur = (cur as Record<string, unknown>)[parts[i] as string];
  }
  if (typeof cur === 'object' && cur !== null)
    delete (cur as Record<string, unknown>)[parts[parts.length - 1] as string];
}
