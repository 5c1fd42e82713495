import type { GroupVersionKind } from '../types/gvk.js';

/**
 * A small description language for the API's object shapes. Every served kind
 * is written once in it (the defs-*.ts files); from that one description we
 * derive the ajv schemas that type-check requests and find unknown fields, the
 * OpenAPI v3 schemas kubectl reads, and the walkers that find quantity fields.
 */

export type Shape =
  | { t: 'string'; format?: 'byte' | 'date-time' }
  | { t: 'integer'; format: 'int32' | 'int64' }
  | { t: 'number' }
  | { t: 'boolean' }
  /** intOrString: a JSON integer or a string (intstr.IntOrString). */
  | { t: 'intOrString' }
  /** quantity: resource.Quantity, a string or a bare JSON number. */
  | { t: 'quantity' }
  | { t: 'array'; items: Shape; list?: ListMeta }
  /** map: an object with free keys, every value of one shape. */
  | { t: 'map'; values: Shape }
  /** ref: a named struct definition. */
  | { t: 'ref'; name: string }
  /** any: arbitrary JSON (RawExtension, managedFields' fieldsV1). */
  | { t: 'any' };

/** ListMeta carries the list semantics kubectl's strategic merge patch reads. */
export interface ListMeta {
  /** mergeKey makes the list a map keyed by that field (x-kubernetes-patch-merge-key). */
  mergeKey?: string;
  /** keys are the list-map keys for server-side apply (x-kubernetes-list-map-keys). */
  keys?: string[];
  /** set marks a list of unique scalars merged as a set. */
  set?: boolean;
}

/** Definition is one named struct: its fields, which are required, and the kinds it is the root of. */
export interface Definition {
  properties: Record<string, Shape>;
  required?: string[];
  description?: string;
  /** gvk lists the kinds whose top-level object this is. */
  gvk?: GroupVersionKind[];
}

/** Definitions maps OpenAPI definition names (`io.k8s.api.core.v1.Pod`) to definitions. */
export type Definitions = Record<string, Definition>;

export const str: Shape = { t: 'string' };
export const int32: Shape = { t: 'integer', format: 'int32' };
export const int64: Shape = { t: 'integer', format: 'int64' };
export const num: Shape = { t: 'number' };
export const bool: Shape = { t: 'boolean' };
export const intOrString: Shape = { t: 'intOrString' };
export const quantity: Shape = { t: 'quantity' };
export const time: Shape = { t: 'string', format: 'date-time' };
export const bytes: Shape = { t: 'string', format: 'byte' };
export const anyJson: Shape = { t: 'any' };
export const strings: Shape = { t: 'array', items: str };
export const stringMap: Shape = { t: 'map', values: str };
export const resourceList: Shape = { t: 'map', values: quantity };

/** arr is a list of `items`; pass `mergeKey` for lists that merge by a field. */
export function arr(items: Shape, list?: ListMeta): Shape {
  return list ? { t: 'array', items, list } : { t: 'array', items };
}

/** mapOf is an object with free keys whose values have one shape. */
export function mapOf(values: Shape): Shape {
  return { t: 'map', values };
}

/** ref points at a named definition. */
export function ref(name: string): Shape {
  return { t: 'ref', name };
}

/** byKey is the list metadata of a list of structs merged by one key field. */
export function byKey(key: string): ListMeta {
  return { mergeKey: key, keys: [key] };
}

/** def builds a Definition; `required` names the fields Kubernetes' OpenAPI marks required. */
export function def(properties: Record<string, Shape>, required?: string[]): Definition {
  return required ? { properties, required } : { properties };
}

/** Name prefixes of the definition families, as in Kubernetes' OpenAPI. */
export const ns = {
  core: 'io.k8s.api.core.v1.',
  apps: 'io.k8s.api.apps.v1.',
  autoscalingV1: 'io.k8s.api.autoscaling.v1.',
  autoscalingV2: 'io.k8s.api.autoscaling.v2.',
  coordination: 'io.k8s.api.coordination.v1.',
  policy: 'io.k8s.api.policy.v1.',
  meta: 'io.k8s.apimachinery.pkg.apis.meta.v1.',
} as const;

/** kindRoot builds the definition of a top-level kind: apiVersion, kind, metadata plus `fields`. */
export function kindRoot(
  gvk: GroupVersionKind,
  fields: Record<string, Shape>,
  required?: string[],
): Definition {
  const d = def(
    {
      apiVersion: str,
      kind: str,
      metadata: ref(`${ns.meta}ObjectMeta`),
      ...fields,
    },
    required,
  );
  d.gvk = [gvk];
  return d;
}
