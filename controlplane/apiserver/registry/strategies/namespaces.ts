import type { Strategy } from '../strategy.js';
import type { ApiObject } from '../types.js';

type NamespaceLike = ApiObject & { spec?: { finalizers?: string[] }; status?: { phase?: string } };

/**
 * namespaceStrategy: a namespace is Active when made; deleting it marks it
 * Terminating and it stays until its spec.finalizers are cleared through
 * the `finalize` subresource (by the namespace controller, once its content
 * is gone). Main-resource updates can't change spec.finalizers.
 */
export const namespaceStrategy: Strategy = {
  prepareForCreate(obj) {
    const ns = obj as NamespaceLike;
    ns.status = { phase: 'Active' };
  },
  prepareForUpdate(obj, old) {
    const ns = obj as NamespaceLike;
    const prev = old as NamespaceLike;
    ns.spec = { ...(ns.spec ?? {}) };
    if (prev.spec?.finalizers) ns.spec.finalizers = prev.spec.finalizers;
    else delete ns.spec.finalizers;
  },
  fields(obj) {
    return { 'status.phase': (obj as NamespaceLike).status?.phase ?? '' };
  },
  pendingFinalizers(obj) {
    return (obj as NamespaceLike).spec?.finalizers ?? [];
  },
  onDeletionMarked(obj) {
    const ns = obj as NamespaceLike;
    ns.status = { ...(ns.status ?? {}), phase: 'Terminating' };
  },
};
