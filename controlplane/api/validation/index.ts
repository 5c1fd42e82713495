import { fieldErrors, type FieldError } from '../field-path.js';
import type { DeleteOptions } from '../meta.js';
import { checkTypes } from '../schema/index.js';
import { gvkKey, kinds, type GroupVersionKind } from '../types/gvk.js';
import type * as T from '../types/index.js';
import {
  validateConfigMap,
  validateDeleteOptions,
  validateEvent,
  validateNamespace,
  validateNamespaceStatusUpdate,
  validateSecret,
} from './config.js';
import { ipErrors } from './helpers.js';
import { validateHpa, validateHpaStatusUpdate, validateHpaV1 } from './hpa.js';
import { validateObjectMetaUpdate } from './meta.js';
import {
  validateBinding,
  validateEviction,
  validateLease,
  validateNode,
  validateScale,
} from './node-lease.js';
import { validatePod, validatePodStatusUpdate, validatePodUpdate } from './pod.js';
import { validateEndpoints, validateService, validateServiceUpdate } from './service.js';
import {
  validateDeployment,
  validateDeploymentStatusUpdate,
  validateDeploymentUpdate,
  validateReplicaSet,
  validateReplicaSetStatusUpdate,
  validateReplicaSetUpdate,
} from './workloads.js';

/**
 * Validation of every served kind with apimachinery's field paths, cause
 * types and messages, for the API server's strategies (422 Invalid).
 */

/** ValidateOptions says which write is being validated. */
export interface ValidateOptions {
  /** old is the stored object an update replaces; absent on create. */
  old?: unknown;
  /** subresource is set for writes to a subresource (`status`); the main resource otherwise. */
  subresource?: 'status' | 'scale' | 'binding' | 'eviction';
}

type Obj = Record<string, unknown>;
type Validator = (obj: Obj, old: Obj | undefined, status: boolean) => FieldError[];

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function serviceStatusUpdate(s: T.Service, old: T.Service): FieldError[] {
  const errs = validateObjectMetaUpdate(s.metadata, old.metadata);
  (s.status?.loadBalancer?.ingress ?? []).forEach((ing, i) => {
    if (ing.ip === undefined) return;
    for (const m of ipErrors(ing.ip)) {
      errs.push(fieldErrors.invalid(`status.loadBalancer.ingress[${i}].ip`, ing.ip, m));
    }
  });
  return errs;
}

const validators = new Map<string, Validator>([
  [
    gvkKey(kinds.Pod),
    (o, old, status) =>
      !old
        ? validatePod(o as T.Pod)
        : status
          ? validatePodStatusUpdate(o as T.Pod, old as T.Pod)
          : validatePodUpdate(o as T.Pod, old as T.Pod),
  ],
  [
    gvkKey(kinds.Deployment),
    (o, old, status) =>
      !old
        ? validateDeployment(o as T.Deployment)
        : status
          ? validateDeploymentStatusUpdate(o as T.Deployment, old as T.Deployment)
          : validateDeploymentUpdate(o as T.Deployment, old as T.Deployment),
  ],
  [
    gvkKey(kinds.ReplicaSet),
    (o, old, status) =>
      !old
        ? validateReplicaSet(o as T.ReplicaSet)
        : status
          ? validateReplicaSetStatusUpdate(o as T.ReplicaSet, old as T.ReplicaSet)
          : validateReplicaSetUpdate(o as T.ReplicaSet, old as T.ReplicaSet),
  ],
  [
    gvkKey(kinds.Service),
    (o, old, status) =>
      !old
        ? validateService(o as T.Service)
        : status
          ? serviceStatusUpdate(o as T.Service, old as T.Service)
          : validateServiceUpdate(o as T.Service, old as T.Service),
  ],
  [
    gvkKey(kinds.Endpoints),
    (o, old) => validateEndpoints(o as T.Endpoints, old as T.Endpoints | undefined),
  ],
  [
    gvkKey(kinds.ConfigMap),
    (o, old) => validateConfigMap(o as T.ConfigMap, old as T.ConfigMap | undefined),
  ],
  [gvkKey(kinds.Secret), (o, old) => validateSecret(o as T.Secret, old as T.Secret | undefined)],
  [
    gvkKey(kinds.Namespace),
    (o, old, status) =>
      old && status
        ? validateNamespaceStatusUpdate(o as T.Namespace, old as T.Namespace)
        : validateNamespace(o as T.Namespace, old as T.Namespace | undefined),
  ],
  [gvkKey(kinds.Node), (o, old) => validateNode(o as T.Node, old as T.Node | undefined)],
  [
    gvkKey(kinds.Event),
    (o, old) => validateEvent(o as unknown as T.Event, old as unknown as T.Event | undefined),
  ],
  [gvkKey(kinds.Lease), (o, old) => validateLease(o as T.Lease, old as T.Lease | undefined)],
  [
    gvkKey(kinds.HorizontalPodAutoscaler),
    (o, old, status) =>
      old && status
        ? validateHpaStatusUpdate(o as T.HorizontalPodAutoscaler, old as T.HorizontalPodAutoscaler)
        : validateHpa(o as T.HorizontalPodAutoscaler, old as T.HorizontalPodAutoscaler | undefined),
  ],
  [
    gvkKey(kinds.HorizontalPodAutoscalerV1),
    (o, old, status) =>
      old && status
        ? validateHpaStatusUpdate(
            o as T.HorizontalPodAutoscalerV1,
            old as T.HorizontalPodAutoscalerV1,
          )
        : validateHpaV1(
            o as T.HorizontalPodAutoscalerV1,
            old as T.HorizontalPodAutoscalerV1 | undefined,
          ),
  ],
  [gvkKey(kinds.Scale), (o) => validateScale(o as T.Scale)],
  [gvkKey(kinds.Binding), (o) => validateBinding(o as unknown as T.Binding)],
  [gvkKey(kinds.Eviction), (o) => validateEviction(o as T.Eviction)],
  [gvkKey(kinds.DeleteOptions), (o) => validateDeleteOptions(o as DeleteOptions)],
]);

/**
 * validate checks `obj`, an object of kind `gvk`, as Kubernetes' validation
 * does after defaulting: on create without `opts.old`; on update with it
 * (metadata immutability and each kind's update rules: pod spec, selectors,
 * cluster IPs…); for `subresource: 'status'` the status rules. It first runs
 * checkTypes and returns those errors alone when the JSON types are wrong.
 * Returns [] when valid. Pure; never throws on malformed input. Kinds without
 * a schema give [].
 */
export function validate(
  gvk: GroupVersionKind,
  obj: unknown,
  opts: ValidateOptions = {},
): FieldError[] {
  const typeErrs = checkTypes(gvk, obj);
  if (typeErrs.length > 0) return typeErrs;
  if (!isObj(obj)) return [];
  const v = validators.get(gvkKey(gvk));
  if (!v) return [];
  const status = opts.subresource === 'status';
  let old = isObj(opts.old) && checkTypes(gvk, opts.old).length === 0 ? opts.old : undefined;
  // A status write always replaces something; without the stored object, compare with itself.
  if (status && !old) old = obj;
  return v(obj, old, status);
}

export { updatablePodFields } from './pod.js';
export { maxDataSize } from './config.js';
