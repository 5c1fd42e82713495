import { success, unschedulable, type FilterPlugin } from '../framework/index.js';

/** ERR_PORTS is kube-scheduler's reason for a host-port conflict. */
export const ERR_PORTS = "node(s) didn't have free ports for the requested pod ports";

/**
 * nodePorts rejects a node where one of the pod's host ports is taken for the
 * same protocol on the same IP — or on any IP when either side binds
 * `0.0.0.0` (the default when `hostIP` is empty).
 */
export const nodePorts = {
  name: 'NodePorts',
  events: ['NodeAdd', 'PodDelete'],
  filter(ctx, node) {
    for (const p of ctx.info.hostPorts) {
      if (node.usedPorts.conflicts(p)) return unschedulable(ERR_PORTS);
    }
    return success;
  },
} satisfies FilterPlugin;
