/**
 * Support for the CLI's end-to-end tests: run the built `tug` binary (and
 * the real kubectl) as processes, and take snapshots of what a local
 * cluster leaves on the host (network namespaces, links, routes, iptables
 * rules, mounts, cgroups, processes), filtered to one cluster's names so
 * that tests running beside it do not count.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClusterConfig } from '../cli/up/config.js';
import { planHostNetwork } from '../cli/up/host-network.js';

const exec = promisify(execFile);

/** repo is the checkout; `bin/tug` runs `dist/` (npm run build). */
export const repo = new URL('../', import.meta.url).pathname;
export const tugBin = join(repo, 'bin', 'tug');
const kubectlBin = process.env['KUBECTL'] ?? '/usr/bin/kubectl';

/** Run is how one process ended and what it printed. */
export interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Running is a process still going: its output so far, a Ctrl-C, and its end. */
export interface Running {
  out(): string;
  err(): string;
  interrupt(): void;
  done: Promise<Run>;
}

export interface RunOptions {
  /** stdin is written and closed; without it stdin is closed at once. */
  stdin?: string | Buffer;
  /** until sends SIGINT (Ctrl-C) once stdout satisfies it. */
  until?: (out: string) => boolean;
  /** timeoutMs kills the process (SIGKILL) if still running; default 120 s. */
  timeoutMs?: number;
  cwd?: string;
}

/**
 * start runs a command with `env`, collecting its output; it is killed at
 * the deadline so that a hung command fails its test instead of the suite.
 */
export function start(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  o: RunOptions = {},
): Running {
  const p = spawn(cmd, args, {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(o.cwd ? { cwd: o.cwd } : {}),
  });
  let out = '';
  let err = '';
  let interrupted = false;
  const interrupt = (): void => {
    if (interrupted || p.exitCode !== null) return;
    interrupted = true;
    p.kill('SIGINT');
  };
  const timer = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 120_000);
  p.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    if (o.until?.(out)) interrupt();
  });
  p.stderr.on('data', (b: Buffer) => (err += b.toString()));
  p.stdin.on('error', () => {});
  p.stdin.end(o.stdin);
  const done = new Promise<Run>((resolve, reject) => {
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
  return { out: () => out, err: () => err, interrupt, done };
}

/**
 * Tug runs the built binary with a private HOME (so `tug up` copies its
 * kubeconfig there, not over the user's) and, for cluster commands, an
 * explicit `--kubeconfig`.
 */
export class Tug {
  constructor(
    readonly home: string,
    readonly kubeconfig?: string,
  ) {}

  /** env is the environment every process gets: no KUBECONFIG, HOME private. */
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, HOME: this.home, KUBECONFIG: '' };
  }

  /** start runs `tug [--kubeconfig K] ARGS` in the background. */
  start(args: readonly string[], o: RunOptions = {}): Running {
    const k = this.kubeconfig ? ['--kubeconfig', this.kubeconfig] : [];
    return start(process.execPath, [tugBin, ...k, ...args], this.env, o);
  }

  /** run runs `tug [--kubeconfig K] ARGS` to its end. */
  run(args: readonly string[], o: RunOptions = {}): Promise<Run> {
    return this.start(args, o).done;
  }

  /** ok runs and returns stdout, failing with everything printed when the exit code is not 0. */
  async ok(args: readonly string[], o: RunOptions = {}): Promise<string> {
    const r = await this.run(args, o);
    if (r.code !== 0) {
      throw new Error(`tug ${args.join(' ')} exited ${r.code}:\n${r.out}\n${r.err}`);
    }
    return r.out;
  }

  /** kubectl runs the real kubectl against the same kubeconfig (fresh discovery cache in HOME). */
  kubectl(args: readonly string[], o: RunOptions = {}): Promise<Run> {
    const k = this.kubeconfig ? ['--kubeconfig', this.kubeconfig] : [];
    return start(
      kubectlBin,
      [...k, '--cache-dir', join(this.home, 'kubectl-cache'), ...args],
      this.env,
      o,
    ).done;
  }
}

/** ClusterMarks are the names and address ranges by which a cluster's traces on the host are recognised. */
export interface ClusterMarks {
  name: string;
  stateDir: string;
  /** names: a line with any of them belongs to the cluster. */
  names: string[];
  /** ranges are address prefixes (`10.101.`): a line with one belongs to the cluster unless it names another cluster. */
  ranges: string[];
}

/**
 * clusterMarks lists what `tug up` names after a cluster — its node
 * namespaces and cgroups (`tug-NAME-node-N`), bridge and host veths
 * (hashed from the name), the iptables comment, its state dir (mounts,
 * process command lines) — and its address ranges from cluster.json (pod,
 * service and node-host networks).
 */
export function clusterMarks(cfg: ClusterConfig, stateDir: string): ClusterMarks {
  const net = planHostNetwork(cfg.name, cfg.hostPrefix, cfg.nodes);
  const cidrPrefix = (cidr: string): string => `${cidr.split('.').slice(0, 2).join('.')}.`;
  return {
    name: cfg.name,
    stateDir,
    names: [
      `tug-${cfg.name}-`,
      net.comment,
      net.bridge,
      ...net.nodes.map((n) => n.hostIf),
      ...net.nodes.map((n) => n.netns),
      stateDir,
    ],
    ranges: [cidrPrefix(cfg.podCidr), cidrPrefix(cfg.serviceCidr), `${cfg.hostPrefix}.`],
  };
}

/** HostState is what the host holds, per source, one entry per line. */
export interface HostState {
  netns: string[];
  links: string[];
  routes: string[];
  iptables: string[];
  mounts: string[];
  cgroups: string[];
  processes: string[];
}

const sh = async (cmd: string, args: string[]): Promise<string> =>
  (await exec(cmd, args, { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 })).stdout;

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * hostState reads `ip netns list`, `ip -br link`, `ip route` (v4 and v6),
 * `iptables-save` and `ip6tables-save` (every table, counters cut so that
 * two readings compare), /proc/self/mountinfo, the tug cgroups at the top
 * of each hierarchy, and every process's command line.
 */
export async function hostState(): Promise<HostState> {
  const ipt = async (bin: string): Promise<string> =>
    (await sh(bin, []).catch(() => '')).replace(/\[\d+:\d+\]/g, '');
  const cgroupRoot = '/sys/fs/cgroup';
  const cgroups = existsSync(cgroupRoot)
    ? await sh('find', [cgroupRoot, '-maxdepth', '2', '-name', 'tug-*'])
    : '';
  return {
    netns: lines(await sh('ip', ['netns', 'list'])),
    links: lines(await sh('ip', ['-br', 'link'])),
    routes: lines((await sh('ip', ['route'])) + (await sh('ip', ['-6', 'route']).catch(() => ''))),
    iptables: lines((await ipt('iptables-save')) + (await ipt('ip6tables-save'))),
    mounts: lines(await readFile('/proc/self/mountinfo', 'utf8')),
    cgroups: lines(cgroups),
    processes: lines(await sh('ps', ['-eo', 'args', '--no-headers'])),
  };
}

/** OTHER_CLUSTER matches a line that names some local cluster's bridge or rule comment. */
const OTHER_CLUSTER = /tugbr-[0-9a-f]{6}|tug-cluster-\S+/;

/**
 * traces keeps the lines of `state` that belong to the cluster of `marks`
 * (sorted, per source): those naming it, and routes and rules in its
 * address ranges that name no other cluster (a cluster made later may
 * reuse the ranges).
 */
export function traces(state: HostState, marks: ClusterMarks): HostState {
  const inRange = marks.ranges.map((r) => new RegExp(`(?<![\\d.])${r.replaceAll('.', '\\.')}`));
  const named = (l: string): boolean => marks.names.some((n) => l.includes(n));
  const ranged = (l: string): boolean =>
    named(l) || (inRange.some((re) => re.test(l)) && !OTHER_CLUSTER.test(l));
  const out = {} as HostState;
  for (const k of Object.keys(state) as (keyof HostState)[]) {
    out[k] = state[k].filter(k === 'routes' || k === 'iptables' ? ranged : named).sort();
  }
  return out;
}

/** readClusterConfig reads `<state>/cluster.json`. */
export async function readClusterConfig(stateDir: string): Promise<ClusterConfig> {
  return JSON.parse(await readFile(join(stateDir, 'cluster.json'), 'utf8')) as ClusterConfig;
}

/** maskAges replaces AGE values (`5s`, `3m2s`, `<invalid>`) so two tables compare. */
export const maskAges = (text: string): string =>
  text.replace(/(?<=\s)(\d+[smhdy])+(?=\s|$)|<invalid>/gm, 'AGE');

/**
 * maskUsage turns a `top` table into its words with the numbers masked
 * (`12m` → `Nm`, `34Mi` → `NMi`, `5%` → `N%`), so that tables taken
 * moments apart compare.
 */
export const maskUsage = (text: string): string[] =>
  text.split('\n').map((l) =>
    l
      .trim()
      .split(/\s+/)
      .map((t) => t.replace(/^\d+(m|Mi|%)$/, 'N$1'))
      .join(' '),
  );
