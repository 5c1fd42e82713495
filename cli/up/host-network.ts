import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** NodeHost is one node "host": a network namespace on the cluster's bridge. */
export interface NodeHost {
  node: string;
  /** netns is the name under /run/netns. */
  netns: string;
  /** ip is the node's address on the bridge (its InternalIP). */
  ip: string;
  /** hostIf is the root-namespace end of the node's veth (the node end is eth0). */
  hostIf: string;
}

/** HostNetwork is the layout of a cluster's node hosts on one machine. */
export interface HostNetwork {
  /** bridge connects the node hosts; the control plane listens on its gateway address. */
  bridge: string;
  /** prefix is the first three octets of the /24 the bridge and nodes use (`10.201.0`). */
  prefix: string;
  gateway: string;
  nodes: NodeHost[];
  /** comment tags the iptables rules this network adds, so they can be found and removed. */
  comment: string;
}

const short = (s: string, n: number): string =>
  createHash('sha256').update(s).digest('hex').slice(0, n);

/**
 * planHostNetwork names everything a cluster's node hosts need. Interface
 * names stay within Linux's 15 characters and are unique per cluster name;
 * `prefix` is the cluster's /24 (e.g. `10.201.0`).
 */
export function planHostNetwork(cluster: string, prefix: string, nodeNames: string[]): HostNetwork {
  const tag = short(cluster, 6);
  return {
    bridge: `tugbr-${tag}`,
    prefix,
    gateway: `${prefix}.1`,
    nodes: nodeNames.map((node, i) => ({
      node,
      netns: `tug-${cluster}-${node}`,
      ip: `${prefix}.${10 + i}`,
      hostIf: `tugv${tag}${i}`,
    })),
    comment: `tug-cluster-${cluster}`,
  };
}

/** Runner runs a command and returns its stdout (injected so tests can record calls). */
export type Runner = (cmd: string, args: string[]) => Promise<string>;

export const run: Runner = async (cmd, args) => (await exec(cmd, args, { timeout: 30_000 })).stdout;

async function exists(r: Runner, cmd: string, args: string[]): Promise<boolean> {
  try {
    await r(cmd, args);
    return true;
  } catch {
    return false;
  }
}

/** inNetns wraps a command so it runs in a node's network namespace (nsenter, not `ip netns exec`). */
export function inNetns(netns: string, cmd: string, args: string[]): [string, string[]] {
  return ['nsenter', [`--net=/run/netns/${netns}`, '--', cmd, ...args]];
}

/**
 * setUpHostNetwork makes the bridge (with the gateway address), and for each
 * node a network namespace joined to it by a veth whose node end is `eth0`
 * with the node's address and a default route via the gateway. Idempotent:
 * what exists already is kept. Bridged traffic is accepted in the root
 * namespace's FORWARD chain (br_netfilter sends it there).
 */
export async function setUpHostNetwork(net: HostNetwork, r: Runner = run): Promise<void> {
  if (!(await exists(r, 'ip', ['link', 'show', net.bridge]))) {
    await r('ip', ['link', 'add', net.bridge, 'type', 'bridge']);
  }
  const addrs = await r('ip', ['-4', '-o', 'addr', 'show', 'dev', net.bridge]);
  if (!addrs.includes(`${net.gateway}/24`))
    await r('ip', ['addr', 'add', `${net.gateway}/24`, 'dev', net.bridge]);
  await r('ip', ['link', 'set', net.bridge, 'up']);
  const rule = [
    'FORWARD',
    '-i',
    net.bridge,
    '-m',
    'comment',
    '--comment',
    net.comment,
    '-j',
    'ACCEPT',
  ];
  if (!(await exists(r, 'iptables', ['-C', ...rule]))) await r('iptables', ['-I', ...rule]);
  const netns = (await r('ip', ['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]);
  for (const n of net.nodes) {
    if (!netns.includes(n.netns)) await r('ip', ['netns', 'add', n.netns]);
    const ns = (cmd: string, args: string[]): Promise<string> => r(...inNetns(n.netns, cmd, args));
    if (!(await exists(r, 'ip', ['link', 'show', n.hostIf]))) {
      await r('ip', [
        'link',
        'add',
        n.hostIf,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        n.netns,
      ]);
    }
    await r('ip', ['link', 'set', n.hostIf, 'master', net.bridge, 'up']);
    await ns('ip', ['link', 'set', 'lo', 'up']);
    const nodeAddrs = await ns('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    if (!nodeAddrs.includes(`${n.ip}/24`))
      await ns('ip', ['addr', 'add', `${n.ip}/24`, 'dev', 'eth0']);
    await ns('ip', ['link', 'set', 'eth0', 'up']);
    await ns('ip', ['route', 'replace', 'default', 'via', net.gateway]);
  }
}

/**
 * tearDownHostNetwork removes the node namespaces (their veths go with them),
 * the bridge and the FORWARD rule. Processes still in a namespace keep it
 * alive (RUNTIME-NOTES pitfall 8): stop them first. Idempotent.
 */
export async function tearDownHostNetwork(net: HostNetwork, r: Runner = run): Promise<void> {
  for (const n of net.nodes) await removeNodeHost(n, r);
  if (await exists(r, 'ip', ['link', 'show', net.bridge]))
    await r('ip', ['link', 'del', net.bridge]);
  const rule = [
    'FORWARD',
    '-i',
    net.bridge,
    '-m',
    'comment',
    '--comment',
    net.comment,
    '-j',
    'ACCEPT',
  ];
  while (await exists(r, 'iptables', ['-C', ...rule])) await r('iptables', ['-D', ...rule]);
}

/** removeNodeHost removes one node host (its namespace and veth), leaving the bridge. Idempotent. */
export async function removeNodeHost(n: NodeHost, r: Runner = run): Promise<void> {
  if (await exists(r, 'ip', ['netns', 'pids', n.netns]))
    await r('ip', ['netns', 'del', n.netns]).catch(() => '');
  if (await exists(r, 'ip', ['link', 'show', n.hostIf]))
    await r('ip', ['link', 'del', n.hostIf]).catch(() => '');
}
