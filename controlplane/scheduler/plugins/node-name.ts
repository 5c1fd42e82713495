import { success, unresolvable, type FilterPlugin } from '../framework/index.js';

/** ERR_NODE_NAME is kube-scheduler's reason for a node other than the one the pod names. */
export const ERR_NODE_NAME = "node(s) didn't match the requested node name";

/**
 * nodeName rejects every node but the one a pod's `spec.nodeName` names.
 * The scheduler never picks up such pods (they are bound already), so this
 * only matters when a profile is used to check a placement.
 */
export const nodeName = {
  name: 'NodeName',
  events: ['NodeAdd'],
  filter(ctx, node) {
    const want = ctx.pod.spec?.nodeName;
    return !want || want === node.name ? success : unresolvable(ERR_NODE_NAME);
  },
} satisfies FilterPlugin;
