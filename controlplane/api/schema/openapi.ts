import { resources } from '../resources.js';
import type { GroupVersionKind } from '../types/gvk.js';
import { ns, type Definition, type ListMeta, type Shape } from './dsl.js';
import { allDefinitions, knownKinds, rootDefinitionName } from './registry.js';

/**
 * OpenAPI v3 schemas in the form Kubernetes publishes under /openapi/v3:
 * `components.schemas` entries whose references are
 * `#/components/schemas/<name>`, struct fields wrapped in `allOf`, list
 * semantics as `x-kubernetes-*` extensions and each kind's root marked with
 * `x-kubernetes-group-version-kind`. kubectl reads these for `apply`.
 */

export type OpenApiSchema = Record<string, unknown>;

const intOrStringName = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const quantityName = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const refTo = (name: string): OpenApiSchema => ({ $ref: `#/components/schemas/${name}` });

function listExtensions(list: ListMeta | undefined): OpenApiSchema {
  if (list?.mergeKey) {
    return {
      'x-kubernetes-list-map-keys': list.keys ?? [list.mergeKey],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-patch-merge-key': list.mergeKey,
      'x-kubernetes-patch-strategy': 'merge',
    };
  }
  if (list?.set) return { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' };
  return { 'x-kubernetes-list-type': 'atomic' };
}

function emit(shape: Shape): OpenApiSchema {
  switch (shape.t) {
    case 'string':
      return shape.format ? { type: 'string', format: shape.format } : { type: 'string' };
    case 'integer':
      return { type: 'integer', format: shape.format };
    case 'number':
      return { type: 'number', format: 'double' };
    case 'boolean':
      return { type: 'boolean' };
    case 'intOrString':
      return { allOf: [refTo(intOrStringName)] };
    case 'quantity':
      return { allOf: [refTo(quantityName)] };
    case 'array':
      return { type: 'array', items: emit(shape.items), ...listExtensions(shape.list) };
    case 'map':
      return { type: 'object', additionalProperties: emit(shape.values) };
    case 'ref':
      return { allOf: [refTo(shape.name)] };
    case 'any':
      return { type: 'object' };
  }
}

function emitDefinition(d: Definition): OpenApiSchema {
  const properties: Record<string, OpenApiSchema> = {};
  for (const [k, s] of Object.entries(d.properties)) properties[k] = emit(s);
  const out: OpenApiSchema = { type: 'object', properties };
  if (d.required?.length) out.required = [...d.required];
  if (d.gvk) {
    out['x-kubernetes-group-version-kind'] = d.gvk.map((g) => ({
      group: g.group,
      kind: g.kind,
      version: g.version,
    }));
  }
  return out;
}

function collectRefs(shape: Shape, into: Set<string>): void {
  if (shape.t === 'ref') addDefinition(shape.name, into);
  else if (shape.t === 'array') collectRefs(shape.items, into);
  else if (shape.t === 'map') collectRefs(shape.values, into);
}

function addDefinition(name: string, into: Set<string>): void {
  if (into.has(name)) return;
  into.add(name);
  const d = allDefinitions[name];
  for (const s of Object.values(d?.properties ?? {})) collectRefs(s, into);
}

/** rootKindsOf lists the kinds a group-version document describes, subresource bodies included. */
function rootKindsOf(group: string, version: string): GroupVersionKind[] {
  const out = knownKinds().filter((k) => k.group === group && k.version === version);
  for (const r of resources) {
    if (r.group !== group || r.version !== version) continue;
    for (const s of r.subresources) out.push({ group: s.group, version: s.version, kind: s.kind });
  }
  return out;
}

/**
 * openApiSchemas returns `{ [definitionName]: schema }` for one group-version
 * (`''`/`v1` for core, `apps`/`v1`, …): the kinds it serves, the bodies of
 * their subresources (Scale, Binding, Eviction), DeleteOptions and Status, and
 * every definition those reach. Empty for a group-version with no kinds.
 * Returns fresh objects on every call.
 */
export function openApiSchemas(group: string, version: string): Record<string, OpenApiSchema> {
  const names = new Set<string>();
  const roots = rootKindsOf(group, version)
    .map((k) => rootDefinitionName(k))
    .filter((n): n is string => n !== undefined);
  if (roots.length === 0) return {};
  for (const n of [...roots, `${ns.meta}DeleteOptions`, `${ns.meta}Status`]) {
    addDefinition(n, names);
  }
  const out: Record<string, OpenApiSchema> = {};
  for (const n of [...names].sort()) {
    const d = allDefinitions[n];
    if (d) out[n] = emitDefinition(d);
  }
  out[intOrStringName] = { type: 'string', format: 'int-or-string' };
  out[quantityName] = { type: 'string' };
  return out;
}

/**
 * listMeta tells how the list at `fields` (property names from the kind's
 * root, array steps implied: `['spec','template','spec','containers']`)
 * merges: its merge key, list-map keys or set-ness. Undefined when the path is
 * not a list or the list is atomic.
 */
export function listMeta(gvk: GroupVersionKind, fields: readonly string[]): ListMeta | undefined {
  const root = rootDefinitionName(gvk);
  if (!root) return undefined;
  let shape: Shape | undefined = { t: 'ref', name: root };
  for (const f of fields) {
    while (shape?.t === 'array') shape = shape.items;
    if (shape?.t === 'ref') shape = allDefinitions[shape.name]?.properties[f];
    else if (shape?.t === 'map') shape = shape.values;
    else return undefined;
  }
  return shape?.t === 'array' ? shape.list : undefined;
}
