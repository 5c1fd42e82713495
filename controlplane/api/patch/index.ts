/**
 * The three patch formats of the Kubernetes API, as pure functions on JSON
 * values: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic
 * merge patch with per-kind patch metadata, including the two- and three-way
 * patches kubectl computes. Failures are PatchFormatError (400) or
 * PatchApplyError (422).
 */
export {
  PatchApplyError,
  PatchError,
  PatchFormatError,
  isPatchApplyError,
  isPatchError,
  isPatchFormatError,
  patchErrorToStatus,
} from './errors.js';
export { deepEqual, type JsonObject, type JsonValue } from './json.js';
export { applyMergePatch, createMergePatch } from './merge-patch.js';
export { applyJsonPatch, parseJsonPatch, type JsonPatchOperation } from './json-patch.js';
export { parsePointer } from './json-pointer.js';
export {
  fieldMeta,
  mergeList,
  noPatchMeta,
  primitiveSet,
  retainKeysMap,
  struct,
  type PatchMeta,
} from './strategic-meta.js';
export { objectMetaPatchMeta, patchMetaFor } from './strategic-kinds.js';
export { applyStrategicMergePatch } from './strategic-apply.js';
export { createThreeWayMergePatch, createTwoWayMergePatch } from './strategic-diff.js';
