import { podQosClass } from '../../../api/defaults/index.js';
import type { PodSpec, PodStatus } from '../../../api/types/index.js';
import type { Strategy } from '../strategy.js';
import type { ApiObject, DeleteOptions } from '../types.js';

type PodLike = ApiObject & { spec?: PodSpec; status?: PodStatus };

/**
 * podStrategy: a new pod starts Pending with its QoS class; deleting a pod
 * bound to a node is graceful (its agent stops it, then deletes it with grace
 * 0); an unbound or finished pod goes at once.
 */
export const podStrategy: Strategy = {
  prepareForCreate(obj) {
    const pod = obj as PodLike;
    pod.status = { phase: 'Pending', qosClass: podQosClass(pod.spec) };
  },
  fields(obj) {
    const pod = obj as PodLike;
    return {
      'spec.nodeName': pod.spec?.nodeName ?? '',
      'spec.restartPolicy': pod.spec?.restartPolicy,
      'spec.schedulerName': pod.spec?.schedulerName,
      'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
      'spec.hostNetwork': String(pod.spec?.hostNetwork ?? false),
      'status.phase': pod.status?.phase ?? '',
      'status.podIP': pod.status?.podIP ?? '',
      'status.nominatedNodeName': pod.status?.nominatedNodeName ?? '',
    };
  },
  deleteGracePeriod(obj, opts: DeleteOptions) {
    const pod = obj as PodLike;
    if (!pod.spec?.nodeName) return 0;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    return opts.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  },
};
