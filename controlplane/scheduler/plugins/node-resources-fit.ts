import { CPU, EPHEMERAL_STORAGE, MEMORY, PODS } from '../cache/index.js';
import { success, unschedulable, type FilterPlugin } from '../framework/index.js';

/** ERR_TOO_MANY_PODS is kube-scheduler's reason for a node at its pod limit. */
export const ERR_TOO_MANY_PODS = 'Too many pods';

/** insufficient is kube-scheduler's reason for a resource a node lacks: `Insufficient cpu`. */
export function insufficient(resource: string): string {
  return `Insufficient ${resource}`;
}

/**
 * nodeResourcesFit rejects a node whose allocatable resources, minus the
 * requests of the pods already on it (assumed ones included), cannot hold
 * the pod's requests: `pods` (the pod count against allocatable pods), cpu,
 * memory, ephemeral-storage and every extended resource the pod asks for (a
 * resource the node doesn't offer has 0 allocatable). A pod's request is
 * max(sum of app containers and sidecars, largest init container) plus
 * overhead. Every shortfall is a reason, so one node can count as both
 * `Insufficient cpu` and `Insufficient memory`.
 */
export const nodeResourcesFit = {
  name: 'NodeResourcesFit',
  events: ['NodeAdd', 'NodeUpdate', 'PodDelete'],
  filter(ctx, node) {
    const reasons: string[] = [];
    if (BigInt(node.podCount + 1) > node.allocatable.get(PODS)) reasons.push(ERR_TOO_MANY_PODS);
    const req = ctx.info.requests;
    const free = (name: string): bigint => node.allocatable.get(name) - node.requested.get(name);
    for (const name of [CPU, MEMORY, EPHEMERAL_STORAGE]) {
      const want = req.get(name);
      if (want > 0n && want > free(name)) reasons.push(insufficient(name));
    }
    const others = req
      .names()
      .filter((n) => n !== CPU && n !== MEMORY && n !== EPHEMERAL_STORAGE && n !== PODS)
      .sort();
    for (const name of others) {
      const want = req.get(name);
      if (want > 0n && want > free(name)) reasons.push(insufficient(name));
    }
    return reasons.length > 0 ? unschedulable(...reasons) : success;
  },
} satisfies FilterPlugin;
