/**
 * Reading `-f` manifests (files, folders, stdin; multi-document YAML and
 * JSON; Lists), checking them before anything is sent, and the
 * last-applied-configuration bookkeeping of client-side apply.
 */
export { parseManifests, readManifests, type Manifest } from './read.js';
export {
  fieldValidationFor,
  parseValidationMode,
  resolveManifest,
  type FieldChecker,
  type ResolveOptions,
  type ResolvedManifest,
  type ValidationMode,
} from './validate.js';
export {
  applyPatch,
  isEmptyPatch,
  lastAppliedAnnotation,
  lastAppliedOf,
  withLastApplied,
} from './last-applied.js';
