import { isQuantityError, quantityFromJson } from '../quantity/index.js';
import { deleteNulls, mapQuantities } from '../schema/index.js';
import { gvkKey, kinds, type GroupVersionKind } from '../types/gvk.js';
import type {
  Deployment,
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerV1,
  Namespace,
  Node,
  Pod,
  ReplicaSet,
  Secret,
  Service,
} from '../types/index.js';
import {
  defaultDeployment,
  defaultEndpoints,
  defaultHpa,
  defaultHpaV1,
  defaultNamespace,
  defaultNode,
  defaultReplicaSet,
  defaultSecret,
  defaultService,
} from './kinds.js';
import { defaultPod } from './pod.js';
import { rec } from './util.js';

/**
 * Server-side defaults: what Kubernetes fills in when it accepts an object,
 * so that `kubectl get -o yaml` and `describe` show what Kubernetes users
 * expect.
 */

/** DefaultsOptions says which write the defaults are for. */
export interface DefaultsOptions {
  /**
   * operation is 'create' (the default) or 'update'. Create-time additions
   * made in Kubernetes by admission or the create strategy — pod
   * tolerations, serviceAccountName and priority, the namespace `kubernetes`
   * finalizer — are made only on create.
   */
  operation?: 'create' | 'update';
}

function canonical(q: string | number): string {
  try {
    return quantityFromJson(q).toString();
  } catch (e) {
    // Validation reports bad quantities; defaulting leaves them as written.
    if (isQuantityError(e)) return typeof q === 'string' ? q : String(q);
    throw e;
  }
}

type Defaulter = (obj: Record<string, unknown>, create: boolean) => void;

const defaulters = new Map<string, Defaulter>([
  [gvkKey(kinds.Pod), (o, create) => defaultPod(o as Pod, create)],
  [gvkKey(kinds.Deployment), (o) => defaultDeployment(o as Deployment)],
  [gvkKey(kinds.ReplicaSet), (o) => defaultReplicaSet(o as ReplicaSet)],
  [gvkKey(kinds.Service), (o) => defaultService(o as Service)],
  [gvkKey(kinds.Endpoints), (o) => defaultEndpoints(o.subsets)],
  [gvkKey(kinds.Secret), (o) => defaultSecret(o as Secret)],
  [gvkKey(kinds.Namespace), (o, create) => defaultNamespace(o as Namespace, create)],
  [gvkKey(kinds.Node), (o) => defaultNode(o as Node)],
  [gvkKey(kinds.HorizontalPodAutoscaler), (o) => defaultHpa(o as HorizontalPodAutoscaler)],
  [gvkKey(kinds.HorizontalPodAutoscalerV1), (o) => defaultHpaV1(o as HorizontalPodAutoscalerV1)],
]);

/**
 * applyDefaults fills Kubernetes' server-side defaults into `obj`, an object
 * of kind `gvk`, in place: JSON nulls are dropped (Go decodes them as unset),
 * quantities are rewritten in canonical form (`0.5` → `500m`), then the kind's
 * defaults are set (see defaults/pod.ts and kinds.ts). Idempotent: applying
 * twice changes nothing more. Call it after checkTypes (it skips, never throws
 * on, values of the wrong type) and before validate. Kinds without defaults
 * (ConfigMap, Event, Lease, Scale, Binding, Eviction) only get the first two.
 */
export function applyDefaults(
  gvk: GroupVersionKind,
  obj: unknown,
  opts: DefaultsOptions = {},
): void {
  const o = rec(obj);
  if (!o) return;
  deleteNulls(o);
  mapQuantities(gvk, o, canonical);
  defaulters.get(gvkKey(gvk))?.(o, (opts.operation ?? 'create') === 'create');
}

export { imagePullPolicyFor, defaultTolerationSeconds } from './pod.js';
export { podQosClass } from './qos.js';
export { preserveServiceAllocations } from './service-update.js';
export { defaultCpuUtilization, scaleDownRules, scaleUpRules } from './kinds.js';
