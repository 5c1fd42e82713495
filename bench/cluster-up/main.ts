/**
 * bench/cluster-up: how long `tug up --nodes N` takes to bring a local
 * cluster to all nodes Ready, and how much memory each component holds
 * after a minute idle.
 *
 * Cluster side: the built `tug` binary is run as a user runs it
 * (`tug up --name bench-cu-… --nodes N --no-demo`); the time is from spawn
 * to its exit, which `tug up` only reaches once every node is Ready. Each
 * round ends with `tug down`; the last round's cluster first idles for
 * `--idle` seconds (60 by default) and then each component's resident set
 * (VmRSS in /proc) is read.
 *
 * Baseline beside it, in the same run: the floor of starting the same
 * processes with none of our work in them — a real etcd (temp data dir,
 * free port) up and answering, plus one bare Node.js process per component
 * of ours (3 + 2 per node) started in parallel and printing once running.
 * The memory floor is a bare, idle Node.js process read at the same moment
 * as the cluster's components.
 *
 * Targets: ≤ 10 s to Ready; control plane (apiserver, controller manager,
 * scheduler) ≤ 150 MB in total; agent + shim ≤ 80 MB per node.
 *
 * `npm run bench -- cluster-up [--nodes N] [--rounds R] [--idle S]`
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { EtcdServer } from '../../lib/etcd-server.js';
import { repoRoot } from '../lib/processes.js';
import { fmt, nowMs, percentile } from '../lib/stats.js';

interface Options {
  nodes: number;
  rounds: number;
  idle: number;
}

const STATE_PARENT = '/var/lib/tug';
const tugBin = join(repoRoot, 'bin', 'tug');

interface Run {
  code: number | null;
  out: string;
}

/**
 * run runs a command to its end, collecting stdout and stderr together: on a
 * failure `tug up` explains itself on stdout, which runtime-shim's
 * runCommand would drop (it reports stderr only).
 */
function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.once('error', reject);
    p.once('close', (code) => resolve({ code, out }));
  });
}

/** rssMiB reads a process's resident set size from /proc, in MiB. */
async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) / 1024;
}

/** componentPids reads `<state>/run/*.pid` of a local cluster: component name → pid. */
async function componentPids(stateDir: string): Promise<Map<string, number>> {
  const dir = join(stateDir, 'run');
  const pids = new Map<string, number>();
  for (const f of (await readdir(dir)).sort()) {
    if (!f.endsWith('.pid')) continue;
    const pid = Number((await readFile(join(dir, f), 'utf8')).trim());
    if (Number.isInteger(pid) && pid > 0) pids.set(f.slice(0, -'.pid'.length), pid);
  }
  return pids;
}

/** bareNode starts an idle Node.js process and resolves once it runs. */
function bareNode(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ['-e', 'process.stdout.write("up\\n"); setInterval(() => {}, 1 << 30);'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    p.once('error', reject);
    p.once('exit', (code) => reject(new Error(`bare node exited (${code})`)));
    p.stdout.once('data', () => resolve(p));
  });
}

const stopAll = (ps: ChildProcess[]): void => {
  for (const p of ps) {
    p.removeAllListeners('exit');
    p.kill('SIGKILL');
  }
};

/** floorRound starts a real etcd and `count` bare Node.js processes in parallel; ms until all run. */
async function floorRound(count: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'tug-bench-cluster-up-'));
  const etcd = new EtcdServer({ dataDir: join(dir, 'etcd') });
  const started: ChildProcess[] = [];
  try {
    const t0 = nowMs();
    await Promise.all([
      etcd.start(),
      ...Array.from({ length: count }, async () => started.push(await bareNode())),
    ]);
    return nowMs() - t0;
  } finally {
    stopAll(started);
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Cluster {
  name: string;
  stateDir: string;
}

async function tugUp(nodes: number): Promise<{ cluster: Cluster; ms: number }> {
  const name = `bench-cu-${randomBytes(3).toString('hex')}`;
  const cluster = { name, stateDir: join(STATE_PARENT, name) };
  const t0 = nowMs();
  const r = await run(process.execPath, [
    tugBin,
    'up',
    '--name',
    name,
    '--nodes',
    String(nodes),
    '--state-dir',
    cluster.stateDir,
    '--no-demo',
  ]);
  const ms = nowMs() - t0;
  if (r.code !== 0 || !r.out.includes(`${nodes} node(s) Ready after`)) {
    await tugDown(cluster);
    throw new Error(`tug up failed (exit ${r.code}):\n${r.out}`);
  }
  return { cluster, ms };
}

async function tugDown(c: Cluster): Promise<void> {
  const r = await run(process.execPath, [
    tugBin,
    'down',
    '--name',
    c.name,
    '--state-dir',
    c.stateDir,
  ]);
  if (r.code !== 0) console.error(`bench: tug down ${c.name} failed (exit ${r.code}):\n${r.out}`);
}

interface Memory {
  components: Map<string, number>;
  floor: number;
}

/** memory reads each component's RSS and, at the same moment, a bare idle Node.js process's. */
async function memory(c: Cluster, idleS: number, signal: AbortSignal): Promise<Memory> {
  const bare = await bareNode();
  try {
    // The components settle (timers, GC) as they would on a quiet machine.
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, idleS * 1000);
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
    signal.throwIfAborted();
    const components = new Map<string, number>();
    for (const [name, pid] of await componentPids(c.stateDir))
      components.set(name, await rssMiB(pid));
    return { components, floor: await rssMiB(bare.pid!) };
  } finally {
    stopAll([bare]);
  }
}

const CONTROL_PLANE = ['apiserver', 'controller-manager', 'scheduler'];

function report(o: Options, ups: number[], floors: number[], m: Memory): void {
  console.log(
    `cluster-up benchmark: ${o.rounds} round(s) of \`tug up --nodes ${o.nodes} --no-demo\` (crun), memory after ${o.idle} s idle`,
  );
  console.log(
    `tug up → all ${o.nodes} nodes Ready, s:   ${ups.map((ms) => fmt(ms / 1000, 2)).join(' ')}   (p50 ${fmt(percentile(ups, 50) / 1000, 2)})`,
  );
  console.log(
    `floor: etcd + ${3 + 2 * o.nodes} bare node processes up, s: ${floors.map((ms) => fmt(ms / 1000, 2)).join(' ')}   (p50 ${fmt(percentile(floors, 50) / 1000, 2)})`,
  );
  console.log(`resident memory (VmRSS), MiB; a bare idle Node.js process: ${fmt(m.floor)}`);
  for (const [name, mib] of m.components)
    console.log(
      `  ${name.padEnd(24)} ${fmt(mib).padStart(7)}   (${fmt(mib / m.floor, 2)}× bare node)`,
    );
  const sum = (names: string[]): number =>
    names.reduce((a, n) => a + (m.components.get(n) ?? 0), 0);
  const cp = sum(CONTROL_PLANE);
  const perNode = Array.from({ length: o.nodes }, (_, i) =>
    sum([`node-${i + 1}-agent`, `node-${i + 1}-shim`]),
  );
  const nodeMax = Math.max(...perNode);
  console.log(`control plane (apiserver + controller-manager + scheduler): ${fmt(cp)} MiB`);
  console.log(
    `per node (agent + shim): ${perNode.map((n) => fmt(n)).join(', ')} MiB; etcd: ${Array.from(
      m.components,
    )
      .filter(([n]) => n.startsWith('etcd'))
      .map(([, v]) => fmt(v))
      .join(', ')} MiB`,
  );
  const upP50 = percentile(ups, 50);
  console.log(
    `ratio: up ${fmt(upP50 / percentile(floors, 50), 2)}× floor (${fmt(upP50 / 1000, 2)} s, target ≤ 10 s); control plane ${fmt(cp / (3 * m.floor), 2)}× 3 bare nodes (${fmt(cp)} MiB, target ≤ 150); node ${fmt(nodeMax / (2 * m.floor), 2)}× 2 bare nodes (${fmt(nodeMax)} MiB, target ≤ 80)`,
  );
}

async function bench(o: Options, signal: AbortSignal): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the cluster-up benchmark must run as root');
  if (o.nodes < 1 || o.nodes > 10) throw new Error('--nodes: 1..10');
  if (o.rounds < 1 || o.idle < 0) throw new Error('--rounds ≥ 1, --idle ≥ 0');
  const ups: number[] = [];
  const floors: number[] = [];
  let mem: Memory | undefined;
  for (let r = 1; r <= o.rounds; r++) {
    signal.throwIfAborted();
    // The sides alternate so that both see the same background load.
    floors.push(await floorRound(3 + 2 * o.nodes));
    const { cluster, ms } = await tugUp(o.nodes);
    try {
      ups.push(ms);
      if (r === o.rounds) mem = await memory(cluster, o.idle, signal);
    } finally {
      await tugDown(cluster);
    }
  }
  report(o, ups, floors, mem!);
}

const int = (v: string): number => Number.parseInt(v, 10);
const program = new Command('bench-cluster-up')
  .option('--nodes <n>', 'nodes of the local cluster', int, 3)
  .option('--rounds <n>', 'tug up / tug down rounds', int, 3)
  .option('--idle <s>', 'seconds idle before memory is read', int, 60)
  .action(async (o: Options) => {
    const ac = new AbortController();
    const stop = (): void => ac.abort(new Error('interrupted'));
    process.once('SIGINT', stop).once('SIGTERM', stop);
    await bench(o, ac.signal);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`bench cluster-up: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
