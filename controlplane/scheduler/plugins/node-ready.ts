import type { Taint } from '../../api/types/index.js';
import { success, unresolvable, type FilterPlugin } from '../framework/index.js';
import { taintReason, tolerated } from './tolerations.js';

/** NOT_READY_TAINT_KEY and UNREACHABLE_TAINT_KEY are the taints Kubernetes puts on unhealthy nodes. */
export const NOT_READY_TAINT_KEY = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT_KEY = 'node.kubernetes.io/unreachable';

/**
 * nodeReady rejects a node whose Ready condition is not True. Kubernetes does
 * this through taints — the node lifecycle controller puts
 * `node.kubernetes.io/not-ready:NoSchedule` on a node that reports
 * Ready=False and `node.kubernetes.io/unreachable:NoSchedule` on one whose
 * Ready is Unknown or missing — so this filter acts as if that taint were
 * there: a pod that tolerates it passes, and the reason is the same
 * `node(s) had untolerated taint {node.kubernetes.io/not-ready: }` the user
 * would see, whether or not the controller has tainted the node yet.
 */
export const nodeReady = {
  name: 'NodeReady',
  events: ['NodeAdd', 'NodeUpdate'],
  filter(ctx, node) {
    const ready = node.node?.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True') return success;
    const taint: Taint = {
      key: ready?.status === 'False' ? NOT_READY_TAINT_KEY : UNREACHABLE_TAINT_KEY,
      effect: 'NoSchedule',
    };
    return tolerated(ctx.pod.spec?.tolerations, taint) ? success : unresolvable(taintReason(taint));
  },
} satisfies FilterPlugin;
