import { newBadRequest, newNotFound, type StatusError } from '../../controlplane/api/errors.js';
import type { ContainerStatus, StoredPod } from '../../controlplane/api/types/index.js';

/**
 * Which runtime container a logs or exec request means, decided from the
 * pod's status as the agent last reported it, with kubelet's rules and
 * messages (kubelet `validateContainerLogStatus`, `findContainer`).
 */

/** PodLookup reads a pod bound to this node from the agent's cache. */
export type PodLookup = (namespace: string, name: string) => StoredPod | undefined;

/** runtimeId strips the `scheme://` of a status containerID. */
export function runtimeId(containerID: string | undefined): string {
  if (!containerID) return '';
  const i = containerID.indexOf('://');
  return i < 0 ? containerID : containerID.slice(i + 3);
}

/** findPod returns the pod, or throws NotFound as kubelet words it. */
export function findPod(lookup: PodLookup, namespace: string, name: string): StoredPod {
  const pod = lookup(namespace, name);
  if (!pod) {
    const e = newNotFound({ group: '', resource: 'pods' }, name);
    e.status.message = `pod "${name}" in namespace "${namespace}" not found on this node`;
    return throwIt(e);
  }
  return pod;
}

function throwIt(e: StatusError): never {
  throw e;
}

function statusOf(pod: StoredPod, container: string): ContainerStatus | undefined {
  const s = pod.status;
  return (
    s?.containerStatuses?.find((c) => c.name === container) ??
    s?.initContainerStatuses?.find((c) => c.name === container) ??
    s?.ephemeralContainerStatuses?.find((c) => c.name === container)
  );
}

function inSpec(pod: StoredPod, container: string): boolean {
  const sp = pod.spec;
  return [...(sp?.containers ?? []), ...(sp?.initContainers ?? [])].some(
    (c) => c.name === container,
  );
}

/**
 * logContainerId picks the runtime container whose log `previous` or the
 * current request means: the running instance; else a terminated one; for
 * `previous`, the last terminated instance. Throws a BadRequest StatusError
 * with kubelet's message when there is none (waiting to start, no previous).
 */
export function logContainerId(pod: StoredPod, container: string, previous: boolean): string {
  const podName = pod.metadata.name;
  if (!inSpec(pod, container)) {
    throw newBadRequest(`container ${container} is not valid for pod ${podName}`);
  }
  const st = statusOf(pod, container);
  if (!st) {
    throw newBadRequest(
      `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`,
    );
  }
  const lastTerminated = st.lastState?.terminated;
  const lastId = runtimeId(lastTerminated?.containerID);
  if (previous) {
    if (!lastId) {
      throw newBadRequest(
        `previous terminated container "${container}" in pod "${podName}" not found`,
      );
    }
    return lastId;
  }
  const state = st.state ?? {};
  if (state.running) {
    const id = runtimeId(st.containerID);
    if (id) return id;
  }
  if (state.terminated) {
    const id = runtimeId(state.terminated.containerID) || lastId;
    if (id) return id;
    throw newBadRequest(`container "${container}" in pod "${podName}" is terminated`);
  }
  if (lastId) return lastId;
  const reason = state.waiting?.reason;
  if (reason === 'ErrImagePull') {
    throw newBadRequest(
      `container "${container}" in pod "${podName}" is waiting to start: image can't be pulled`,
    );
  }
  if (reason === 'ImagePullBackOff') {
    throw newBadRequest(
      `container "${container}" in pod "${podName}" is waiting to start: trying and failing to pull image`,
    );
  }
  throw newBadRequest(
    `container "${container}" in pod "${podName}" is waiting to start${reason ? `: ${reason}` : ' - no logs yet'}`,
  );
}

/**
 * execContainerId is the running instance of `container`, or a BadRequest
 * (unknown container, or not running: exec needs a running container).
 */
export function execContainerId(pod: StoredPod, container: string): string {
  const podName = pod.metadata.name;
  if (!inSpec(pod, container)) {
    throw newBadRequest(`container ${container} is not valid for pod ${podName}`);
  }
  const st = statusOf(pod, container);
  const id = st?.state?.running ? runtimeId(st.containerID) : '';
  if (!id) {
    const why =
      st?.state?.waiting?.reason ?? (st?.state?.terminated ? 'terminated' : 'not started');
    throw newBadRequest(`container "${container}" in pod "${podName}" is not running (${why})`);
  }
  return id;
}
