import { findResource } from '../api/resources.js';
import type { Binding, Pod, PodCondition, StoredPod } from '../api/types/index.js';
import type { RestClient } from '../client/index.js';

/**
 * SchedulerClient is everything the scheduler writes to the API server:
 * bindings and the PodScheduled condition. Calls reject with the REST
 * client's errors (StatusError: 409 Conflict when the pod is already bound
 * or being deleted, 404 when it is gone). Tests use a recording fake.
 */
export interface SchedulerClient {
  /** bind assigns `pod` to `nodeName` through the pods/binding subresource. */
  bind(pod: StoredPod, nodeName: string, signal?: AbortSignal): Promise<void>;
  /** setPodScheduledCondition writes the PodScheduled condition into the pod's status. */
  setPodScheduledCondition(
    pod: StoredPod,
    condition: PodCondition,
    signal?: AbortSignal,
  ): Promise<void>;
}

const podsInfo = findResource('', 'v1', 'pods')!;

/** restSchedulerClient is the SchedulerClient over a RestClient. */
export function restSchedulerClient(rest: RestClient): SchedulerClient {
  const pods = rest.resource<Pod>(podsInfo);
  return {
    async bind(pod, nodeName, signal) {
      const ns = pod.metadata.namespace ?? 'default';
      const binding: Binding = {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod.metadata.name, namespace: ns, uid: pod.metadata.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      };
      await pods
        .namespace(ns)
        .createSubresource(pod.metadata.name, 'binding', binding, signal ? { signal } : {});
    },
    async setPodScheduledCondition(pod, condition, signal) {
      // A strategic merge patch merges conditions by type, leaving the others alone.
      await pods
        .namespace(pod.metadata.namespace ?? 'default')
        .patch(
          pod.metadata.name,
          'strategic',
          { status: { conditions: [condition] } },
          { subresource: 'status', ...(signal ? { signal } : {}) },
        );
    },
  };
}
