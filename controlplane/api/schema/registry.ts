import { gvkKey, type GroupVersionKind } from '../types/gvk.js';
import { containerDefs } from './defs-container.js';
import { coreDefs } from './defs-core.js';
import { appsDefs, autoscalingV1Defs, autoscalingV2Defs, miscDefs } from './defs-groups.js';
import { metaDefs } from './defs-meta.js';
import { podDefs } from './defs-pod.js';
import type { Definition, Definitions, Shape } from './dsl.js';

/**
 * The registry joins every definition and maps each served kind to the
 * definition of its top-level object. It is immutable data built at import.
 */

/** allDefinitions is every struct definition, by OpenAPI name. */
export const allDefinitions: Readonly<Definitions> = {
  ...metaDefs,
  ...containerDefs,
  ...podDefs,
  ...coreDefs,
  ...appsDefs,
  ...autoscalingV2Defs,
  ...autoscalingV1Defs,
  ...miscDefs,
};

const rootByKind = new Map<string, string>();
for (const [name, d] of Object.entries(allDefinitions)) {
  for (const g of d.gvk ?? []) rootByKind.set(gvkKey(g), name);
}

/** rootDefinitionName is the definition of a kind's top-level object, or undefined for unknown kinds. */
export function rootDefinitionName(gvk: GroupVersionKind): string | undefined {
  return rootByKind.get(gvkKey(gvk));
}

/** definition looks a definition up by name; it throws on a name no definition has (a bug here). */
export function definition(name: string): Definition {
  const d = allDefinitions[name];
  if (!d) throw new Error(`schema: no definition named ${name}`);
  return d;
}

/** knownKinds lists every kind that has a schema. */
export function knownKinds(): GroupVersionKind[] {
  const out: GroupVersionKind[] = [];
  for (const d of Object.values(allDefinitions)) out.push(...(d.gvk ?? []));
  return out;
}

/** shortName is the Go type name a definition stands for: `io.k8s.api.core.v1.PodSpec` → `PodSpec`. */
export function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** goPackage is the Go package alias of a definition: `v1`, `resource`, `intstr`. */
function goPackage(name: string): string {
  const parts = name.split('.');
  return parts[parts.length - 2] ?? '';
}

/** goTypeName names a shape as encoding/json's errors print Go types (`int32`, `[]v1.Container`). */
export function goTypeName(shape: Shape): string {
  switch (shape.t) {
    case 'string':
      if (shape.format === 'date-time') return 'v1.Time';
      return shape.format === 'byte' ? '[]uint8' : 'string';
    case 'integer':
      return shape.format;
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'intOrString':
      return 'intstr.IntOrString';
    case 'quantity':
      return 'resource.Quantity';
    case 'array':
      return `[]${goTypeName(shape.items)}`;
    case 'map':
      return `map[string]${goTypeName(shape.values)}`;
    case 'ref':
      return `${goPackage(shape.name)}.${shortName(shape.name)}`;
    case 'any':
      return 'interface {}';
  }
}
