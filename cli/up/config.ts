import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { freePort } from '../../lib/ports.js';

/** ClusterConfig is what a local cluster was made with; kept in `<state>/cluster.json`. */
export interface ClusterConfig {
  name: string;
  /** index makes this cluster's address ranges distinct from other local clusters'. */
  index: number;
  nodes: string[];
  runtime: 'crun' | 'runc';
  /** hostPrefix is the /24 of the node hosts' bridge (`10.200.0`); the gateway is `.1`. */
  hostPrefix: string;
  podCidr: string;
  serviceCidr: string;
  /** etcdMembers are the etcd members' client and peer ports (1 or 3 members). */
  etcdMembers: { client: number; peer: number }[];
  apiserverPort: number;
  controllerManagerMetricsPort: number;
  schedulerMetricsPort: number;
  /** extraArgs are added to a component's command line (tests shorten timeouts with them). */
  extraArgs?: Partial<Record<ComponentName, string[]>>;
}

/** ComponentName names the processes whose flags can be extended. */
export type ComponentName = 'apiserver' | 'controller-manager' | 'scheduler' | 'shim' | 'agent';

export interface ConfigRequest {
  name: string;
  nodes: number;
  runtime: 'crun' | 'runc';
  etcdMembers?: number;
  extraArgs?: Partial<Record<ComponentName, string[]>>;
}

/**
 * loadOrCreateConfig reads the cluster's config, or makes one: ranges chosen
 * so that no two local clusters (state dirs beside this one) overlap, ports
 * free now. An existing cluster keeps its config (a different node count or
 * runtime asked for later is refused, not silently applied).
 */
export async function loadOrCreateConfig(
  stateDir: string,
  req: ConfigRequest,
): Promise<ClusterConfig> {
  const file = join(stateDir, 'cluster.json');
  if (existsSync(file)) {
    const cfg = JSON.parse(await readFile(file, 'utf8')) as ClusterConfig;
    if (
      cfg.nodes.length !== req.nodes ||
      cfg.runtime !== req.runtime ||
      cfg.etcdMembers.length !== (req.etcdMembers ?? 1)
    ) {
      throw new Error(
        `cluster "${req.name}" exists with ${cfg.nodes.length} node(s), ${cfg.etcdMembers.length} etcd member(s), on ${cfg.runtime}; run \`tug down --name ${req.name}\` first to change that`,
      );
    }
    return cfg;
  }
  const index = await claimIndex(dirname(stateDir), req.name);
  const cfg: ClusterConfig = {
    name: req.name,
    index,
    nodes: Array.from({ length: req.nodes }, (_, i) => `node-${i + 1}`),
    runtime: req.runtime,
    hostPrefix: `10.${200 + index}.0`,
    podCidr: `10.${100 + index}.0.0/16`,
    serviceCidr: `10.${50 + index}.0.0/16`,
    etcdMembers: await Promise.all(
      Array.from({ length: req.etcdMembers ?? 1 }, async () => ({
        client: await freePort(),
        peer: await freePort(),
      })),
    ),
    apiserverPort: index === 0 && (await portFree(6443)) ? 6443 : await freePort(),
    controllerManagerMetricsPort: await freePort(),
    schedulerMetricsPort: await freePort(),
    ...(req.extraArgs ? { extraArgs: req.extraArgs } : {}),
  };
  await writeFile(file, JSON.stringify(cfg, null, 2) + '\n');
  return cfg;
}

/**
 * claimIndex takes the lowest index no other local cluster holds, atomically:
 * a claim file `.index-N` (naming the cluster) created exclusively under the
 * clusters' parent dir, so two clusters made at the same moment can't share
 * address ranges. A claim whose cluster state dir is gone is stale and taken
 * over. `releaseIndex` removes the claim when the cluster goes.
 */
async function claimIndex(parent: string, name: string): Promise<number> {
  await mkdir(parent, { recursive: true });
  for (let index = 0; index < 50; index++) {
    const claim = join(parent, `.index-${index}`);
    try {
      await writeFile(claim, name, { flag: 'wx' });
      return index;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = (await readFile(claim, 'utf8').catch(() => '')).trim();
    if (holder === name) return index;
    if (holder && !existsSync(join(parent, holder, 'cluster.json'))) {
      // Stale: its cluster is gone. Take it over only if nobody else did meanwhile.
      await rm(claim, { force: true });
      try {
        await writeFile(claim, name, { flag: 'wx' });
        return index;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }
  throw new Error('too many local clusters on this machine (50)');
}

/** releaseIndex gives a cluster's index back (tug down). */
export async function releaseIndex(parent: string, cfg: ClusterConfig): Promise<void> {
  const claim = join(parent, `.index-${cfg.index}`);
  const holder = (await readFile(claim, 'utf8').catch(() => '')).trim();
  if (holder === cfg.name) await rm(claim, { force: true });
}

async function portFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
}
