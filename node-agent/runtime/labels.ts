/**
 * Labels and annotations the agent puts on sandboxes and containers, with
 * kubelet's names, so that the runtime's own records say which pod and
 * container spec each object belongs to. They are what lets a restarted
 * agent adopt what is running instead of starting it again.
 */

/** POD_NAME_LABEL … are set on every sandbox and container. */
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
/** CONTAINER_NAME_LABEL is set on containers: the name in the pod spec. */
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';
/** MANAGED_LABEL marks objects made by a Tugboat agent. */
export const MANAGED_LABEL = 'io.tugboat.managed';

/** CONTAINER_HASH_ANNOTATION is a hash of the container spec the container was made from. */
export const CONTAINER_HASH_ANNOTATION = 'io.kubernetes.container.hash';
/** CONTAINER_KIND_ANNOTATION is `init` or `app`. */
export const CONTAINER_KIND_ANNOTATION = 'io.tugboat.container.kind';
/**
 * GRACE_ANNOTATION (on sandboxes) is the pod's termination grace period in
 * seconds, for stopping a pod whose API object is already gone.
 */
export const GRACE_ANNOTATION = 'io.kubernetes.pod.terminationGracePeriod';

/** podLabels are the labels of a pod's sandbox. */
export function podLabels(pod: {
  name: string;
  namespace: string;
  uid: string;
}): Record<string, string> {
  return {
    [POD_NAME_LABEL]: pod.name,
    [POD_NAMESPACE_LABEL]: pod.namespace,
    [POD_UID_LABEL]: pod.uid,
    [MANAGED_LABEL]: 'true',
  };
}
