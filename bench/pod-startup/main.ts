/**
 * bench/pod-startup: how long a pod takes from creation to Running and Ready
 * through a whole local cluster (API server, controller manager, scheduler,
 * 3 node hosts each with an agent and a shim on crun), against the raw floor
 * measured in the same run (bench/shim's hand-made baseline, imported: a
 * netns wired with `ip` and `crun run -d`, same busybox image).
 *
 * Cluster side: a Deployment of N replicas (default 30) of busybox
 * `sleep 3600`, made with all N at once, then again scaled up one pod at a
 * time (each pod alone in the pipeline). One pod watch, opened before the
 * Deployment is made, stamps per pod when it is first seen ADDED, bound to
 * a node, and Running with Ready=True, on this process's monotonic clock
 * (creationTimestamp's 1 s resolution is too coarse). Raw side: the same two
 * shapes (N at once, one at a time). The sides alternate so that they share
 * the machine's background load. Prints p50/p99 of each and, last, the
 * ratios. Targets: p50 ≤ 2× raw, p99 ≤ 500 ms.
 *
 * `npm run bench -- pod-startup [--replicas N] [--rounds R] [--nodes N]`
 */
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findResource } from '../../controlplane/api/resources.js';
import type { Deployment, Pod, StoredPod } from '../../controlplane/api/types/index.js';
import type { RestClient } from '../../controlplane/client/index.js';
import { defaultImages, LocalCluster } from '../../cli/up/local-cluster.js';
import { nopLogger } from '../../lib/log.js';
import { waitFor } from '../../lib/wait.js';
import { applyHybridFix, readCgroupLayout } from '../../runtime-shim/cgroups/layout.js';
import { LocalImageStore } from '../../runtime-shim/images/index.js';
import { runCommand, which } from '../../runtime-shim/util/command.js';
import { RawPods } from '../shim/raw.js';
import { percentile, runPool, timed } from '../shim/stats.js';

const IMAGE = 'docker.io/library/busybox:1.35';
const podsInfo = findResource('', 'v1', 'pods')!;
const deploymentsInfo = findResource('apps', 'v1', 'deployments')!;

interface Options {
  replicas: number;
  rounds: number;
  nodes: number;
}

/** Marks are when (ms, monotonic) the watch first saw a pod in each stage. */
interface Marks {
  added: number;
  bound?: number;
  running?: number;
  ready?: number;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
const row = (label: string, xs: number[]): string =>
  `  ${label.padEnd(38)} p50 ${fmt(percentile(xs, 50)).padStart(10)}  p99 ${fmt(percentile(xs, 99)).padStart(10)}`;

/**
 * PodClock follows one pod watch and stamps each pod's stages as they are
 * first seen; `until(k)` resolves once k pods were seen Ready.
 */
class PodClock {
  readonly marks = new Map<string, Marks>();
  private readonly ac = new AbortController();
  private readonly waiters = new Set<() => void>();
  private failure: unknown;

  constructor(client: RestClient, selector: string, resourceVersion: string) {
    const pods = client.resource<Pod>(podsInfo, 'default');
    void (async () => {
      let rv = resourceVersion;
      try {
        while (!this.ac.signal.aborted) {
          const events = pods.watch(
            { labelSelector: selector, resourceVersion: rv, allowWatchBookmarks: true },
            this.ac.signal,
          );
          for await (const ev of events) {
            rv = ev.object.metadata.resourceVersion;
            if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.stamp(ev.object, now());
          }
        }
      } catch (e) {
        if (!this.ac.signal.aborted) this.failure = e;
      }
      this.notify();
    })();
  }

  private stamp(p: StoredPod, t: number): void {
    let m = this.marks.get(p.metadata.uid);
    if (!m) this.marks.set(p.metadata.uid, (m = { added: t }));
    if (m.bound === undefined && p.spec?.nodeName) m.bound = t;
    if (m.running === undefined && p.status?.phase === 'Running') m.running = t;
    const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (m.ready === undefined && ready) {
      m.ready = t;
      this.notify();
    }
  }

  private notify(): void {
    for (const w of this.waiters) w();
  }

  readyCount(): number {
    let k = 0;
    for (const m of this.marks.values()) if (m.ready !== undefined) k++;
    return k;
  }

  /** until waits until `k` pods were seen Ready; rejects after `timeoutMs` or if the watch fails. */
  until(k: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.readyCount() >= k) done();
        else if (this.failure) done(this.failure);
      };
      const timer = setTimeout(
        () => done(new Error(`only ${this.readyCount()}/${k} pods Ready after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const done = (err?: unknown): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  stop(): void {
    this.ac.abort();
  }
}

function busyboxDeployment(name: string, replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'main', image: IMAGE, command: ['sleep', '3600'] }],
        },
      },
    },
  };
}

/**
 * clusterRound runs one Deployment of `replicas` pods and returns each pod's
 * marks, then deletes it. `burst`: made with all replicas at once;
 * otherwise made with 0 and scaled up by one each time the last pod is Ready.
 */
async function clusterRound(
  client: RestClient,
  name: string,
  replicas: number,
  burst: boolean,
): Promise<Marks[]> {
  const pods = client.resource<Pod>(podsInfo, 'default');
  const deployments = client.resource<Deployment>(deploymentsInfo, 'default');
  const { metadata } = await pods.list({ labelSelector: `app=${name}` });
  const clock = new PodClock(client, `app=${name}`, metadata.resourceVersion ?? '0');
  try {
    await deployments.create(busyboxDeployment(name, burst ? replicas : 0));
    if (burst) await clock.until(replicas, 300_000);
    for (let k = 1; !burst && k <= replicas; k++) {
      await deployments.patch(name, 'merge', { spec: { replicas: k } });
      await clock.until(k, 60_000);
    }
  } finally {
    clock.stop();
  }
  await deployments.delete(name, { propagationPolicy: 'Foreground' });
  await waitFor(
    async () => (await pods.list({ labelSelector: `app=${name}` })).items.length === 0,
    {
      timeoutMs: 180_000,
      intervalMs: 250,
      what: `the pods of ${name} to be gone`,
    },
  );
  return [...clock.marks.values()];
}

/** freePrefix picks `10.<second>.X.` whose /24 is in no route of this machine. */
async function freePrefix(second: number): Promise<string> {
  const { stdout } = await runCommand('ip', ['-4', 'route', 'show', 'table', 'all']);
  for (let i = 0; i < 200; i++) {
    const x = 1 + ((randomBytes(1)[0] ?? 0) % 254);
    if (!stdout.includes(`10.${second}.${x}.`)) return `10.${second}.${x}.`;
  }
  throw new Error(`no free 10.${second}.X.0/24`);
}

/**
 * RawSide is the floor: bench/shim's hand-made pods (a netns wired with 7
 * `ip` calls, `crun run -d` of `crun spec`'s defaults on the image's shared
 * read-only root), from the same busybox image the cluster runs.
 */
class RawSide {
  private raw?: RawPods;
  private images?: LocalImageStore;
  private readonly tag = randomBytes(3).toString('hex');

  constructor(
    private readonly dir: string,
    private readonly n: number,
  ) {}

  async setUp(): Promise<void> {
    const layout = await applyHybridFix(await readCgroupLayout(), nopLogger);
    this.images = new LocalImageStore({ root: join(this.dir, 'images') });
    const archive = defaultImages().find((f) => f.endsWith('busybox.tar'));
    if (!archive) {
      throw new Error('dist/test-images/busybox.tar is missing: run scripts/build-test-images.sh');
    }
    await this.images.importArchive(createReadStream(archive));
    const image = await this.images.get(IMAGE);
    if (!image) throw new Error(`${IMAGE} missing after import`);
    this.raw = new RawPods({
      dir: join(this.dir, 'raw'),
      runtimePath: await which('crun'),
      rootfs: await this.images.mountRootfs(`raw-${this.tag}`, image),
      bridge: `tugps${this.tag}`,
      prefix: await freePrefix(205),
      cgroupParent: `/tug-bench-ps-${this.tag}`,
      tag: `p${this.tag}`,
      layout,
    });
    await this.raw.setUp();
    // Warm the binaries and the image's pages.
    await this.raw.start(0);
    await this.clear();
  }

  /** round starts n pods, `inFlight` at a time, returns each one's latency, and removes them. */
  async round(inFlight: number): Promise<number[]> {
    const raw = this.raw!;
    const times = await runPool(this.n, inFlight, (i) => timed(() => raw.start(i)));
    await this.clear();
    return times;
  }

  private clear(): Promise<unknown> {
    const raw = this.raw;
    return raw ? runPool(this.n, 10, (i) => raw.remove(i)) : Promise.resolve();
  }

  async tearDown(): Promise<void> {
    await this.clear();
    await this.raw?.tearDown();
    await this.images?.unmountRootfs(`raw-${this.tag}`).catch(() => undefined);
  }
}

const readyTimes = (marks: Marks[]): number[] =>
  marks.flatMap((m) => (m.ready !== undefined ? [m.ready - m.added] : []));

async function bench(o: Options): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the pod-startup benchmark must run as root');
  if (o.replicas < 1 || o.replicas > 200) throw new Error('--replicas: 1..200');
  const name = `bench-ps-${randomBytes(3).toString('hex')}`;
  const cluster = new LocalCluster({ name, stateDir: `/var/lib/tug/${name}`, say: () => {} });
  const dir = await mkdtemp(join(tmpdir(), 'tug-bench-pod-startup-'));
  const raw = new RawSide(dir, o.replicas);
  const burst: Marks[] = [];
  const single: Marks[] = [];
  const rawBurst: number[] = [];
  const rawSingle: number[] = [];
  try {
    const client = await cluster.up({
      nodes: o.nodes,
      runtime: 'crun',
      images: defaultImages(),
      timeoutMs: 180_000,
    });
    try {
      await raw.setUp();
      // A first small round warms every path (the image's pages, agents' and shims' code).
      await clusterRound(client, 'warm', o.nodes, true);
      // The sides alternate so that both see the same background load: this machine is shared.
      for (let r = 1; r <= o.rounds; r++) {
        burst.push(...(await clusterRound(client, `burst-${r}`, o.replicas, true)));
        rawBurst.push(...(await raw.round(o.replicas)));
        single.push(...(await clusterRound(client, `single-${r}`, o.replicas, false)));
        rawSingle.push(...(await raw.round(1)));
      }
    } finally {
      client.close();
    }
  } finally {
    await raw.tearDown().catch((e: unknown) => console.error(`bench: raw teardown: ${String(e)}`));
    await cluster
      .down(false)
      .catch((e: unknown) => console.error(`bench: down failed: ${String(e)}`));
    await rm(dir, { recursive: true, force: true });
  }

  const since = (marks: Marks[], k: keyof Marks, from: keyof Marks = 'added'): number[] =>
    marks.flatMap((m) => {
      const a = m[from];
      const b = m[k];
      return a !== undefined && b !== undefined ? [b - a] : [];
    });
  console.log(
    `pod-startup benchmark: ${o.rounds} round(s) of ${o.replicas} pods (${IMAGE}, sleep) on ${o.nodes} nodes, crun`,
  );
  console.log(
    `through the cluster, per pod: created (first seen ADDED by one watch) → first seen Running and Ready`,
  );
  console.log(row(`Deployment of ${o.replicas}, all at once`, readyTimes(burst)));
  console.log(row(`  of which ADDED → bound`, since(burst, 'bound')));
  console.log(row(`  of which bound → Running, Ready`, since(burst, 'ready', 'bound')));
  console.log(row(`Deployment scaled up one by one`, readyTimes(single)));
  console.log(row(`  of which ADDED → bound`, since(single, 'bound')));
  console.log(row(`  of which bound → Running, Ready`, since(single, 'ready', 'bound')));
  console.log(`raw floor (bench/shim's baseline: 7 ip calls + crun run -d), per pod:`);
  console.log(row(`${o.replicas} at once`, rawBurst));
  console.log(row(`one at a time`, rawSingle));
  const ratio = (c: number[], r: number[], p: number): string =>
    (percentile(c, p) / percentile(r, p)).toFixed(2);
  const b = readyTimes(burst);
  const s1 = readyTimes(single);
  console.log(
    `ratio cluster/raw: all at once p50 ${ratio(b, rawBurst, 50)}× p99 ${ratio(b, rawBurst, 99)}×; one by one p50 ${ratio(s1, rawSingle, 50)}× p99 ${ratio(s1, rawSingle, 99)}× (targets: p50 ≤ 2× raw; p99 ≤ 500 ms: all at once ${fmt(percentile(b, 99))}, one by one ${fmt(percentile(s1, 99))})`,
  );
}

const int = (v: string): number => Number.parseInt(v, 10);
const program = new Command('bench-pod-startup')
  .option('--replicas <n>', 'pods per Deployment', int, 30)
  .option('--rounds <n>', 'Deployments made one after another', int, 1)
  .option('--nodes <n>', 'nodes of the local cluster', int, 3)
  .action(async (o: Options) => bench(o));

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`bench pod-startup: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
