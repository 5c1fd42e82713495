import type { ResourceInfo } from '../../controlplane/api/resources.js';
import { jsonText } from './jsonpath/index.js';
import { toYaml } from './yaml.js';

/** toJson prints a value as kubectl's `-o json`: 4-space indent, keys sorted, a final newline. */
export function toJson(value: unknown): string {
  return `${jsonText(value, '    ')}\n`;
}

export { toYaml };

/**
 * kindName is how kubectl names a resource in messages and `-o name`:
 * the lower-case kind, then `.group` unless core (`deployment.apps`,
 * `service`, `horizontalpodautoscaler.autoscaling`).
 */
export function kindName(info: Pick<ResourceInfo, 'kind' | 'group'>): string {
  const k = info.kind.toLowerCase();
  return info.group ? `${k}.${info.group}` : k;
}

/** objectName is `-o name`'s `deployment.apps/web`. */
export function objectName(info: Pick<ResourceInfo, 'kind' | 'group'>, name: string): string {
  return `${kindName(info)}/${name}`;
}

/** asList wraps objects in the `v1 List` kubectl prints for several objects. */
export function asList(items: unknown[]): Record<string, unknown> {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}
