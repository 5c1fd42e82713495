import type { FieldError } from '../../api/field-path.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { ApiObject } from './types.js';

/**
 * Machinery is what the registry needs from the API's schema layer
 * (controlplane/api: defaults, validation, type checks, unknown fields),
 * injected so the store's logic is testable on its own.
 */
export interface Machinery {
  /**
   * applyDefaults fills server-side defaults in place; idempotent. Some are
   * made only on create (pod tolerations, a namespace's finalizer).
   */
  applyDefaults(info: ResourceInfo, obj: ApiObject, operation: 'create' | 'update'): void;
  /** validate checks an object (an update when `old` is given; a status write when subresource is 'status'). */
  validate(info: ResourceInfo, obj: ApiObject, old?: ApiObject, subresource?: string): FieldError[];
}

/** Selection decides which objects a list or watch returns. */
export interface Selection {
  /** empty is true when nothing is filtered out. */
  readonly empty: boolean;
  matches(obj: ApiObject): boolean;
}

/** matchAll is the Selection of everything. */
export const matchAll: Selection = { empty: true, matches: () => true };
