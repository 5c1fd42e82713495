import type { OwnerReference } from '../../api/meta.js';
import type { Pod, PodCondition } from '../../api/types/index.js';

/**
 * Facts about pods that the workload controllers share, as Kubernetes'
 * `podutil` and `controller` packages define them.
 */

/** PodLike is the least of a pod these helpers read; cached pods and test pods both fit. */
export type PodLike = Pick<Pod, 'spec' | 'status'> & {
  metadata: NonNullable<Pod['metadata']>;
};

/** isPodActive: not Succeeded, not Failed, and not being deleted (FilterActivePods). */
export function isPodActive(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** podReadyCondition returns the pod's `Ready` condition, if it has one. */
export function podReadyCondition(pod: PodLike): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** isPodReady: the pod's `Ready` condition is True. */
export function isPodReady(pod: PodLike): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** parseTime reads a Kubernetes timestamp into milliseconds; undefined when absent or bad. */
export function parseTime(t: string | null | undefined): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** formatTime writes milliseconds as a Kubernetes Time (RFC 3339, whole seconds). */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** podReadyTime is when the pod last became ready, or undefined if it is not ready. */
export function podReadyTime(pod: PodLike): number | undefined {
  const c = podReadyCondition(pod);
  return c?.status === 'True' ? parseTime(c.lastTransitionTime) : undefined;
}

/**
 * isPodAvailable: ready, and ready for at least `minReadySeconds` before
 * `nowMs` (podutil.IsPodAvailable: strictly longer, and a ready condition
 * without a transition time is never available once minReadySeconds > 0).
 */
export function isPodAvailable(pod: PodLike, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadyTime(pod);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}

/**
 * maxContainerRestarts returns the highest restart count among the regular
 * containers, and among the sidecars (init containers that restart Always).
 */
export function maxContainerRestarts(pod: PodLike): { regular: number; sidecar: number } {
  let regular = 0;
  for (const c of pod.status?.containerStatuses ?? []) regular = Math.max(regular, c.restartCount);
  const sidecars = new Set(
    (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name),
  );
  let sidecar = 0;
  for (const c of pod.status?.initContainerStatuses ?? []) {
    if (sidecars.has(c.name)) sidecar = Math.max(sidecar, c.restartCount);
  }
  return { regular, sidecar };
}

/** controllerOf returns the owner reference with `controller: true`, if any (metav1.GetControllerOf). */
export function controllerOf(obj: {
  metadata: { ownerReferences?: OwnerReference[] };
}): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** newControllerRef is the owner reference a controller puts on what it creates or adopts. */
export function newControllerRef(
  owner: { metadata: { name: string; uid: string } },
  apiVersion: string,
  kind: string,
): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
