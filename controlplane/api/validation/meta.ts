import { FieldPath, fieldErrors } from '../field-path.js';
import {
  isDns1123Label,
  isQualifiedName,
  validateAnnotations,
  validateLabels,
} from '../labels/index.js';
import type { ObjectMeta, OwnerReference } from '../meta.js';
import { immutable, isSet, nonNegative, type Errs } from './helpers.js';

/**
 * ObjectMeta validation (apimachinery ValidateObjectMeta and
 * ValidateObjectMetaUpdate): names, namespace, labels, annotations, owner
 * references, finalizers, and what may not change on update.
 */

/** NameCheck returns the problems of a name, none if valid (isDns1123Subdomain, …). */
export type NameCheck = (name: string) => string[];

const metaPath = FieldPath.root('metadata');
const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** maskTrailingDash lets generateName prefixes end in '-' (they get a random suffix). */
function maskTrailingDash(s: string): string {
  return s.length > 1 && s.endsWith('-') ? `${s.slice(0, -1)}a` : s;
}

function validateOwnerReferences(refs: OwnerReference[], path: FieldPath): Errs {
  const errs: Errs = [];
  const controllers: string[] = [];
  for (const r of refs) {
    const version = (r.apiVersion ?? '').split('/').pop() ?? '';
    if (!version)
      errs.push(
        fieldErrors.invalid(
          path.child('apiVersion'),
          r.apiVersion ?? '',
          'version must not be empty',
        ),
      );
    if (!r.kind)
      errs.push(fieldErrors.invalid(path.child('kind'), r.kind ?? '', 'kind must not be empty'));
    if (!r.name)
      errs.push(fieldErrors.invalid(path.child('name'), r.name ?? '', 'name must not be empty'));
    if (!r.uid)
      errs.push(fieldErrors.invalid(path.child('uid'), r.uid ?? '', 'uid must not be empty'));
    if (r.controller === true) controllers.push(`${r.kind}/${r.name}`);
  }
  if (controllers.length > 1) {
    errs.push(
      fieldErrors.invalid(
        path,
        refs,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`,
      ),
    );
  }
  return errs;
}

/** validateFinalizers checks finalizer names (qualified names) and the orphan/foreground conflict. */
export function validateFinalizers(finalizers: string[], path: FieldPath): Errs {
  const errs: Errs = [];
  const seen = new Set<string>();
  finalizers.forEach((f) => {
    for (const m of isQualifiedName(f)) errs.push(fieldErrors.invalid(path, f, m));
    if (seen.has(f)) errs.push(fieldErrors.duplicate(path, f));
    seen.add(f);
  });
  if (seen.has('orphan') && seen.has('foregroundDeletion')) {
    errs.push(
      fieldErrors.invalid(
        path,
        finalizers,
        'finalizer orphan and foregroundDeletion cannot be both set',
      ),
    );
  }
  return errs;
}

/** validateKubeFinalizerName is core's stricter rule for namespace spec.finalizers. */
export function validateKubeFinalizerName(f: string, path: FieldPath): Errs {
  const errs = isQualifiedName(f).map((m) => fieldErrors.invalid(path, f, m));
  if (!f.includes('/') && !standardFinalizers.has(f)) {
    errs.push(
      fieldErrors.invalid(
        path,
        f,
        'name is neither a standard finalizer name nor is it fully qualified',
      ),
    );
  }
  return errs;
}

/**
 * validateObjectMeta checks an object's metadata: a name or generateName
 * (checked with `nameCheck`), a namespace exactly when `namespaced`, labels,
 * annotations (keys and the 256 KiB total), owner references and finalizers.
 */
export function validateObjectMeta(
  meta: ObjectMeta | undefined,
  namespaced: boolean,
  nameCheck: NameCheck,
  path: FieldPath = metaPath,
): Errs {
  const m = meta ?? {};
  const errs: Errs = [];
  if (isSet(m.generateName)) {
    const g = m.generateName as string;
    for (const msg of nameCheck(maskTrailingDash(g))) {
      errs.push(fieldErrors.invalid(path.child('generateName'), g, msg));
    }
  }
  if (!isSet(m.name)) {
    if (!isSet(m.generateName)) {
      errs.push(fieldErrors.required(path.child('name'), 'name or generateName is required'));
    }
  } else {
    for (const msg of nameCheck(m.name as string)) {
      errs.push(fieldErrors.invalid(path.child('name'), m.name, msg));
    }
  }
  if (namespaced) {
    if (!isSet(m.namespace)) errs.push(fieldErrors.required(path.child('namespace')));
    else {
      for (const msg of isDns1123Label(m.namespace as string)) {
        errs.push(fieldErrors.invalid(path.child('namespace'), m.namespace, msg));
      }
    }
  } else if (isSet(m.namespace)) {
    errs.push(fieldErrors.forbidden(path.child('namespace'), 'not allowed on this type'));
  }
  errs.push(...nonNegative(m.generation, path.child('generation')));
  errs.push(...nonNegative(m.deletionGracePeriodSeconds, path.child('deletionGracePeriodSeconds')));
  errs.push(...validateLabels(m.labels, path.child('labels')));
  errs.push(...validateAnnotations(m.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences ?? [], path.child('ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers ?? [], path.child('finalizers')));
  return errs;
}

/**
 * validateObjectMetaUpdate checks what may not change on update: name,
 * namespace, uid, creationTimestamp, deletionTimestamp and its grace period;
 * and that no finalizer is added once deletion has begun.
 */
export function validateObjectMetaUpdate(
  meta: ObjectMeta | undefined,
  old: ObjectMeta | undefined,
  path: FieldPath = metaPath,
): Errs {
  const m = meta ?? {};
  const o = old ?? {};
  const errs: Errs = [];
  for (const k of [
    'name',
    'namespace',
    'uid',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
  ] as const) {
    errs.push(...immutable(m[k], o[k], path.child(k)));
  }
  if (isSet(o.deletionTimestamp)) {
    const before = new Set(o.finalizers ?? []);
    const added = (m.finalizers ?? []).filter((f) => !before.has(f));
    if (added.length > 0) {
      errs.push(
        fieldErrors.forbidden(
          path.child('finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
        ),
      );
    }
  }
  errs.push(...validateLabels(m.labels, path.child('labels')));
  errs.push(...validateAnnotations(m.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences ?? [], path.child('ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers ?? [], path.child('finalizers')));
  return errs;
}
