import type { FieldError } from '../../api/field-path.js';
import type { LabelSelector } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { Selection } from '../registry/machinery.js';
import type { Strategy } from '../registry/strategy.js';
import type { ApiObject } from '../registry/types.js';
import type { TablePrinter } from './table.js';

export type PatchType = 'json' | 'merge' | 'strategic';

/**
 * Edge is what the HTTP handlers need from the API layer
 * (controlplane/api): decoding checks, version conversion, patches,
 * selectors and printing. Injected, so handlers are testable and the
 * API layer stays free of HTTP.
 */
export interface Edge {
  /** checkTypes finds values of the wrong JSON type (a 400 when any). */
  checkTypes(info: ResourceInfo, obj: object): FieldError[];
  /** unknownFields lists fields the kind doesn't have, as paths (`spec.replicass`). */
  unknownFields(info: ResourceInfo, obj: object): string[];
  /** pruneUnknownFields removes fields the kind doesn't have and returns their paths. */
  pruneUnknownFields(info: ResourceInfo, obj: object): string[];
  /** toStorage converts an object of `info`'s version to its storage version. */
  toStorage(info: ResourceInfo, obj: ApiObject): ApiObject;
  /** fromStorage converts a stored object to `info`'s version. */
  fromStorage(info: ResourceInfo, obj: ApiObject): ApiObject;
  /** applyPatch applies a patch document (400 when malformed, 422 when it can't apply). */
  applyPatch(info: ResourceInfo, type: PatchType, current: object, patch: unknown): unknown;
  /** selection parses label and field selectors (400 when malformed or a field isn't supported). */
  selection(
    info: ResourceInfo,
    strategy: Strategy,
    labelSelector?: string,
    fieldSelector?: string,
  ): Selection;
  /** selectorString prints a LabelSelector the way the scale subresource reports it. */
  selectorString(sel: LabelSelector | undefined): string;
  printer?: TablePrinter;
}
