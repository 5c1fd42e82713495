import { newBadRequest } from '../api/errors.js';
import { isInvalidFieldSelector, parseFieldSelector } from '../api/fields/index.js';
import { isInvalidSelector, parseSelector } from '../api/labels/index.js';
import type { ResourceInfo } from '../api/resources.js';
import type { Selection } from './registry/machinery.js';
import { matchAll } from './registry/machinery.js';
import type { Strategy } from './registry/strategy.js';
import type { ApiObject } from './registry/types.js';

/** objectFields are the selectable fields of an object: metadata.name/namespace plus its strategy's. */
export function objectFields(
  info: ResourceInfo,
  strategy: Strategy,
  obj: ApiObject,
): Record<string, string | undefined> {
  return {
    'metadata.name': obj.metadata.name,
    ...(info.namespaced ? { 'metadata.namespace': obj.metadata.namespace ?? '' } : {}),
    ...(strategy.fields?.(obj) ?? {}),
  };
}

/**
 * buildSelection parses a list's or watch's label and field selectors into a
 * Selection. A malformed selector, or a field the resource doesn't offer, is
 * a 400 (as kube-apiserver: `field label not supported: …`).
 */
export function buildSelection(
  info: ResourceInfo,
  strategy: Strategy,
  labelSelector?: string,
  fieldSelector?: string,
): Selection {
  if (!labelSelector && !fieldSelector) return matchAll;
  let labels;
  let fields;
  try {
    labels = parseSelector(labelSelector ?? '');
  } catch (e) {
    if (isInvalidSelector(e)) throw newBadRequest(`unable to parse requirement: ${e.message}`);
    throw e;
  }
  try {
    fields = parseFieldSelector(fieldSelector ?? '');
  } catch (e) {
    if (isInvalidFieldSelector(e)) throw newBadRequest(e.message);
    throw e;
  }
  // Which fields this resource offers: ask its field function with a blank object.
  const sample = objectFields(info, strategy, {
    apiVersion: '',
    kind: info.kind,
    metadata: { name: '', namespace: '', uid: '', resourceVersion: '', creationTimestamp: '' },
  });
  for (const f of fields.fields()) {
    if (!Object.hasOwn(sample, f)) throw newBadRequest(`field label not supported: ${f}`);
  }
  const l = labels;
  const f = fields;
  return {
    empty: l.empty() && f.empty(),
    matches(obj) {
      if (!l.matches(obj.metadata.labels ?? {})) return false;
      if (f.empty()) return true;
      const values = objectFields(info, strategy, obj);
      return f.matches((name) => values[name] ?? '');
    },
  };
}
