import type { ControllerFactory } from '../controller.js';
import { deploymentControllerFactory } from '../deployment/index.js';
import { garbageCollector } from '../garbagecollector/index.js';
import { namespaceController } from '../namespace/index.js';
import { nodeIpam } from '../nodeipam/index.js';
import { nodeLifecycle, taintEviction } from '../nodelifecycle/index.js';
import { podGc } from '../podgc/index.js';
import { replicaSetControllerFactory } from '../replicaset/index.js';

/** ControllerEntry names a controller for `--controllers` and says how to make it. */
export interface ControllerEntry {
  name: string;
  /** aliases are other accepted names (kube-controller-manager's `…-controller` names). */
  aliases?: readonly string[];
  factory: ControllerFactory;
}

/** defaultControllers are every controller the manager knows, all on by default. */
export const defaultControllers: readonly ControllerEntry[] = [
  { name: 'replicaset', aliases: ['replicaset-controller'], factory: replicaSetControllerFactory },
  { name: 'deployment', aliases: ['deployment-controller'], factory: deploymentControllerFactory },
  {
    name: 'garbagecollector',
    aliases: ['garbage-collector-controller'],
    factory: garbageCollector,
  },
  { name: 'namespace', aliases: ['namespace-controller'], factory: namespaceController },
  { name: 'nodeipam', aliases: ['node-ipam-controller'], factory: nodeIpam },
  { name: 'nodelifecycle', aliases: ['node-lifecycle-controller'], factory: nodeLifecycle },
  { name: 'taint-eviction', aliases: ['taint-eviction-controller'], factory: taintEviction },
  { name: 'podgc', aliases: ['pod-garbage-collector-controller'], factory: podGc },
];

/** UnknownControllerError is a `--controllers` entry that names no controller. */
export class UnknownControllerError extends Error {
  override name = 'UnknownControllerError';
}

/**
 * selectControllers applies a `--controllers` list as kube-controller-manager
 * does: `*` enables every controller, `name` enables one, `-name` disables
 * one (a disable wins over `*`). Order follows `all`. It throws
 * UnknownControllerError for a name it does not know.
 */
export function selectControllers(
  all: readonly ControllerEntry[],
  spec: readonly string[],
): ControllerEntry[] {
  const find = (name: string): ControllerEntry => {
    const e = all.find((c) => c.name === name || c.aliases?.includes(name));
    if (!e) {
      throw new UnknownControllerError(
        `unknown controller "${name}" (known: ${all.map((c) => c.name).join(', ')})`,
      );
    }
    return e;
  };
  const items = spec.map((s) => s.trim()).filter((s) => s !== '');
  const star = items.includes('*');
  const enabled = new Set<string>();
  const disabled = new Set<string>();
  for (const item of items) {
    if (item === '*') continue;
    if (item.startsWith('-')) disabled.add(find(item.slice(1)).name);
    else enabled.add(find(item).name);
  }
  return all.filter((c) => !disabled.has(c.name) && (star || enabled.has(c.name)));
}
