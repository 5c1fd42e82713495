import type { Taint } from '../../api/types/index.js';
import { success, unresolvable, type FilterPlugin } from '../framework/index.js';
import { tolerated } from './tolerations.js';

/** UNSCHEDULABLE_TAINT is the taint a cordoned node carries; tolerating it lets a pod onto one. */
export const UNSCHEDULABLE_TAINT: Taint = {
  key: 'node.kubernetes.io/unschedulable',
  effect: 'NoSchedule',
};

/** ERR_UNSCHEDULABLE is kube-scheduler's reason for a cordoned node. */
export const ERR_UNSCHEDULABLE = 'node(s) were unschedulable';
/** ERR_UNKNOWN_CONDITION is the reason for a node the cache has no Node object for. */
export const ERR_UNKNOWN_CONDITION = 'node(s) had unknown conditions';

/**
 * nodeUnschedulable rejects nodes with `spec.unschedulable` (cordoned), unless
 * the pod tolerates `node.kubernetes.io/unschedulable:NoSchedule`.
 */
export const nodeUnschedulable = {
  name: 'NodeUnschedulable',
  events: ['NodeAdd', 'NodeUpdate'],
  filter(ctx, node) {
    if (!node.node) return unresolvable(ERR_UNKNOWN_CONDITION);
    if (!node.node.spec?.unschedulable) return success;
    if (tolerated(ctx.pod.spec?.tolerations, UNSCHEDULABLE_TAINT)) return success;
    return unresolvable(ERR_UNSCHEDULABLE);
  },
} satisfies FilterPlugin;
