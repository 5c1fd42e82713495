import { mergeList, noPatchMeta, primitiveSet, retainKeysMap, struct } from './strategic-meta.js';
import type { PatchMeta } from './strategic-meta.js';

/*
 * Patch metadata of the kinds Tugboat serves, transcribed from the
 * `patchStrategy`/`patchMergeKey` tags of k8s.io/api (core/v1, apps/v1,
 * autoscaling/v2, coordination/v1) and metav1.ObjectMeta. Only tagged fields
 * and the paths leading to them are listed; everything else merges (maps) or
 * is replaced (lists), as untagged fields are in Kubernetes.
 */

const objectMeta = struct({
  finalizers: primitiveSet,
  ownerReferences: mergeList('uid'),
});

const conditionsByType = mergeList('type');

/** Container and EphemeralContainer share these list tags. */
const container: Readonly<Record<string, PatchMeta>> = {
  ports: mergeList('containerPort'),
  env: mergeList('name'),
  volumeMounts: mergeList('mountPath'),
  volumeDevices: mergeList('devicePath'),
  // resizePolicy is listType=atomic without patch tags: it is replaced whole.
};

const podSpec = struct({
  volumes: mergeList('name', undefined, { retainKeys: true }),
  initContainers: mergeList('name', container),
  containers: mergeList('name', container),
  ephemeralContainers: mergeList('name', container),
  imagePullSecrets: mergeList('name'),
  hostAliases: mergeList('ip'),
  topologySpreadConstraints: mergeList('topologyKey'),
  schedulingGates: mergeList('name'),
  resourceClaims: mergeList('name', undefined, { retainKeys: true }),
});

const podStatus = struct({
  conditions: conditionsByType,
  podIPs: mergeList('ip'),
  hostIPs: mergeList('ip'),
  resourceClaimStatuses: mergeList('name', undefined, { retainKeys: true }),
});

const podTemplateSpec = struct({ metadata: objectMeta, spec: podSpec });

const withMeta = (fields: Readonly<Record<string, PatchMeta>> = {}): PatchMeta =>
  struct({ metadata: objectMeta, ...fields });

const byKind: ReadonlyMap<string, PatchMeta> = new Map<string, PatchMeta>([
  ['/Pod', withMeta({ spec: podSpec, status: podStatus })],
  ['/PodTemplate', withMeta({ template: podTemplateSpec })],
  [
    'apps/Deployment',
    withMeta({
      spec: struct({ template: podTemplateSpec, strategy: retainKeysMap() }),
      status: struct({ conditions: conditionsByType }),
    }),
  ],
  [
    'apps/ReplicaSet',
    withMeta({
      spec: struct({ template: podTemplateSpec }),
      status: struct({ conditions: conditionsByType }),
    }),
  ],
  [
    '/Service',
    withMeta({
      spec: struct({ ports: mergeList('port') }),
      status: struct({ conditions: conditionsByType }),
    }),
  ],
  ['/Endpoints', withMeta()],
  ['/ConfigMap', withMeta()],
  ['/Secret', withMeta()],
  [
    '/Node',
    withMeta({
      spec: struct({ podCIDRs: primitiveSet }),
      status: struct({ conditions: conditionsByType, addresses: mergeList('type') }),
    }),
  ],
  ['/Namespace', withMeta({ status: struct({ conditions: conditionsByType }) })],
  ['/Event', withMeta()],
  ['events.k8s.io/Event', withMeta()],
  [
    'autoscaling/HorizontalPodAutoscaler',
    withMeta({ status: struct({ conditions: conditionsByType }) }),
  ],
  ['autoscaling/Scale', withMeta()],
  ['coordination.k8s.io/Lease', withMeta()],
]);

/** objectMetaPatchMeta is the metadata of any object's `metadata` (finalizers, ownerReferences). */
export const objectMetaPatchMeta: PatchMeta = objectMeta;

/**
 * patchMetaFor returns the strategic-merge metadata of a kind (`''` is the
 * core group). Unknown kinds, as custom resources, get metadata for
 * `metadata` only: their lists are replaced.
 */
export function patchMetaFor(group: string, kind: string): PatchMeta {
  return byKind.get(`${group}/${kind}`) ?? withMeta();
}

export { noPatchMeta };
