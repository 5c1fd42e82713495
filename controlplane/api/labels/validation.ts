import { fieldErrors, type FieldError, type FieldPath } from '../field-path.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

/** TOTAL_ANNOTATION_SIZE_LIMIT_BYTES caps the sum of annotation key and value sizes (256 KiB). */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

const sortedKeys = (m: Readonly<Record<string, string>>): string[] => Object.keys(m).sort();

/** validateLabelName reports a label key that is not a qualified name, at `path`. */
export function validateLabelName(name: string, path: FieldPath | string): FieldError[] {
  return isQualifiedName(name).map((msg) => fieldErrors.invalid(path, name, msg));
}

/**
 * validateLabels checks every key and value of a label map (metadata.labels,
 * a selector's matchLabels), reporting at `path` as Kubernetes does. Keys are
 * checked in sorted order so the errors come out the same each time.
 */
export function validateLabels(
  labels: Readonly<Record<string, string>> | undefined,
  path: FieldPath | string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!labels) return errs;
  for (const k of sortedKeys(labels)) {
    errs.push(...validateLabelName(k, path));
    const v = labels[k];
    if (typeof v !== 'string') {
      errs.push(fieldErrors.typeInvalid(path, v, 'label values must be strings'));
      continue;
    }
    for (const msg of isValidLabelValue(v)) errs.push(fieldErrors.invalid(path, v, msg));
  }
  return errs;
}

/**
 * validateAnnotations checks annotation keys (qualified names, case-insensitive)
 * and the 256 KiB total size of keys and values.
 */
export function validateAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  path: FieldPath | string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!annotations) return errs;
  let total = 0;
  for (const k of sortedKeys(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase()))
      errs.push(fieldErrors.invalid(path, k, msg));
    const v = annotations[k];
    if (typeof v !== 'string') {
      errs.push(fieldErrors.typeInvalid(path, v, 'annotation values must be strings'));
      continue;
    }
    total += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8');
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) {
    errs.push(fieldErrors.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  }
  return errs;
}
