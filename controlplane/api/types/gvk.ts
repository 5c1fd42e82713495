import { groupVersion, parseApiVersion } from '../resources.js';

/**
 * GroupVersionKind names one kind at one version: `{group: 'apps', version:
 * 'v1', kind: 'Deployment'}`; the core group is `''`. A ResourceInfo from
 * resources.ts satisfies it, so callers can pass either.
 */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** gvkOf builds a GroupVersionKind from an object's `apiVersion` and `kind`. */
export function gvkOf(apiVersion: string, kind: string): GroupVersionKind {
  return { ...parseApiVersion(apiVersion), kind };
}

/** gvkString prints `apps/v1, Kind=Deployment` the way apimachinery does. */
export function gvkString(gvk: GroupVersionKind): string {
  return `${groupVersion(gvk.group, gvk.version)}, Kind=${gvk.kind}`;
}

/** gvkKey is a stable map key for a GroupVersionKind (`apps/v1/Deployment`, `/v1/Pod`). */
export function gvkKey(gvk: GroupVersionKind): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}`;
}

/** The kinds this package knows, as GroupVersionKinds, for callers and tests. */
export const kinds = {
  Namespace: { group: '', version: 'v1', kind: 'Namespace' },
  Pod: { group: '', version: 'v1', kind: 'Pod' },
  Node: { group: '', version: 'v1', kind: 'Node' },
  Service: { group: '', version: 'v1', kind: 'Service' },
  Endpoints: { group: '', version: 'v1', kind: 'Endpoints' },
  ConfigMap: { group: '', version: 'v1', kind: 'ConfigMap' },
  Secret: { group: '', version: 'v1', kind: 'Secret' },
  Event: { group: '', version: 'v1', kind: 'Event' },
  Binding: { group: '', version: 'v1', kind: 'Binding' },
  Deployment: { group: 'apps', version: 'v1', kind: 'Deployment' },
  ReplicaSet: { group: 'apps', version: 'v1', kind: 'ReplicaSet' },
  HorizontalPodAutoscaler: {
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
  },
  HorizontalPodAutoscalerV1: {
    group: 'autoscaling',
    version: 'v1',
    kind: 'HorizontalPodAutoscaler',
  },
  Scale: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  Lease: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' },
  Eviction: { group: 'policy', version: 'v1', kind: 'Eviction' },
  DeleteOptions: { group: 'meta.k8s.io', version: 'v1', kind: 'DeleteOptions' },
} as const satisfies Record<string, GroupVersionKind>;
