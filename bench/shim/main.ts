/**
 * bench/shim: per-pod start latency through the shim (gRPC RunPodSandbox +
 * CreateContainer + StartContainer, real CNI, conmon, crun) against a raw
 * baseline in the same run (a netns wired by hand with `ip`, `crun run -d`,
 * same busybox image), and against the same by hand with the shim's kind of
 * container (own overlay, the shim's OCI spec). 30 pods one at a time, then
 * 30 with 8 in flight; prints p50/p99 of each and, last, the ratios.
 * Target: ≤ 1.5× raw.
 *
 * `npm run bench -- shim [--pods N] [--parallel N] [--runtime crun|runc]`
 */
import { Command, Option } from 'commander';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nopLogger } from '../../lib/log.js';
import { connectRuntime } from '../../proto/loader.js';
import { applyHybridFix, readCgroupLayout } from '../../runtime-shim/cgroups/layout.js';
import { removeCgroup } from '../../runtime-shim/cgroups/remove.js';
import { Shim } from '../../runtime-shim/core/shim.js';
import { LocalImageStore } from '../../runtime-shim/images/index.js';
import { CniNetwork, writeBridgeConfig } from '../../runtime-shim/network/index.js';
import { OciRuntime, type RuntimeName } from '../../runtime-shim/oci/runtime.js';
import { ShimServer } from '../../runtime-shim/server/server.js';
import { runCommand, which } from '../../runtime-shim/util/command.js';
import { BENCH_IMAGE, buildBusyboxArchive } from './image.js';
import { RawPods } from './raw.js';
import { percentile, runPool, timed } from './stats.js';

interface Options {
  pods: number;
  parallel: number;
  runtime: RuntimeName;
}

/** freeSubnetOctet picks X such that 10.<second>.X.0/24 is in no route of this machine. */
async function freeSubnetOctet(second: number): Promise<number> {
  const { stdout } = await runCommand('ip', ['-4', 'route', 'show', 'table', 'all']);
  for (let i = 0; i < 200; i++) {
    const x = 1 + ((randomBytes(1)[0] ?? 0) % 254);
    if (!stdout.includes(`10.${second}.${x}.`)) return x;
  }
  throw new Error(`no free 10.${second}.X.0/24`);
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

async function bench(o: Options): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the shim benchmark must run as root');
  if (o.pods > 200) throw new Error('--pods: at most 200 (one /24 per side)');
  const tag = randomBytes(3).toString('hex');
  const dir = await mkdtemp(join(tmpdir(), `tug-bench-shim-${tag}-`));
  const layout = await applyHybridFix(await readCgroupLayout(), nopLogger);
  const runtimePath = await which(o.runtime);
  const shimParent = `/tug-bench-${tag}`;
  const rawParent = `/tug-bench-raw-${tag}`;
  const confDir = join(dir, 'net.d');
  const shimBridge = `tugbs${tag}`;
  await writeBridgeConfig(confDir, {
    networkName: `tugbench-${tag}`,
    bridge: shimBridge,
    subnet: `10.201.${await freeSubnetOctet(201)}.0/24`,
    dataDir: join(dir, 'ipam'),
    // The raw side wires no NAT either: compare the same network shape (bridge, veth, address, route).
    ipMasq: false,
  });
  const images = new LocalImageStore({ root: join(dir, 'shim', 'images') });
  await images.importArchive(createReadStream(await buildBusyboxArchive(dir)));
  const image = await images.get(BENCH_IMAGE);
  if (!image) throw new Error('benchmark image missing after import');
  const network = new CniNetwork({ confDir, stateDir: join(dir, 'shim', 'network') });
  const shim = await Shim.open({
    root: join(dir, 'shim'),
    runtime: new OciRuntime({
      name: o.runtime,
      path: runtimePath,
      root: join(dir, 'shim', 'runtime'),
    }),
    images,
    network,
    cgroupParent: shimParent,
    logger: nopLogger,
  });
  const socket = join(dir, 'shim.sock');
  const server = new ShimServer({ shim, logger: nopLogger });
  await server.listen(`unix://${socket}`);
  const client = connectRuntime(`unix://${socket}`);
  // The raw side shares the image's layers read-only through one rootfs of the same store.
  const rawRootfs = await images.mountRootfs(`bench-raw-${tag}`, image);
  const rawOpts = { runtimePath, rootfs: rawRootfs, cgroupParent: rawParent, layout };
  const raws = {
    // `crun spec` defaults on the shared read-only root: the least a person could do.
    raw: new RawPods({
      ...rawOpts,
      dir: join(dir, 'raw'),
      bridge: `tugbr${tag}`,
      prefix: `10.202.${await freeSubnetOctet(202)}.`,
      tag: `${tag}a`,
    }),
    // The same container the shim makes (own overlay, secure spec, pod files), by hand.
    same: new RawPods({
      ...rawOpts,
      dir: join(dir, 'raw-same'),
      bridge: `tugbq${tag}`,
      prefix: `10.204.${await freeSubnetOctet(204)}.`,
      tag: `${tag}b`,
      same: true,
    }),
  };
  const sides = ['raw', 'same', 'shim'] as const;
  type Side = (typeof sides)[number];
  const sandboxes: string[] = [];
  const phases: Record<string, number[]> = {};
  try {
    for (const r of Object.values(raws)) await r.setUp();
    const shimPod = async (i: number, round: string): Promise<number> =>
      timed(async () => {
        const config = {
          metadata: {
            name: `bench-${round}-${i}`,
            namespace: 'bench',
            uid: `${tag}-${round}-${i}`,
            attempt: 0,
          },
          hostname: `bench${i}`,
          logDirectory: join(dir, 'logs', `${round}-${i}`),
        };
        let t = process.hrtime.bigint();
        const lap = (name: string): void => {
          const now = process.hrtime.bigint();
          (phases[name] ??= []).push(Number(now - t) / 1e6);
          t = now;
        };
        const { podSandboxId } = await client.runtime.RunPodSandbox({ config });
        lap('RunPodSandbox');
        sandboxes.push(podSandboxId);
        const { containerId } = await client.runtime.CreateContainer({
          podSandboxId,
          config: {
            metadata: { name: 'main' },
            image: { image: BENCH_IMAGE },
            command: ['sleep', '3600'],
            logPath: 'main.log',
          },
        });
        lap('CreateContainer');
        await client.runtime.StartContainer({ containerId });
        lap('StartContainer');
      });
    const startPod = (side: Side, i: number, round: string): Promise<number> =>
      side === 'shim' ? shimPod(i, round) : timed(() => raws[side].start(i));
    const clear = (side: Side): Promise<number> =>
      timed(async () => {
        if (side !== 'shim') {
          await runPool(o.pods, o.parallel, (i) => raws[side].remove(i));
          return;
        }
        await runPool(sandboxes.length, o.parallel, async (i) => {
          const id = sandboxes[i] ?? '';
          await client.runtime.StopPodSandbox({ podSandboxId: id });
          await client.runtime.RemovePodSandbox({ podSandboxId: id });
        });
        sandboxes.length = 0;
      });

    // Warm caches (binaries, plugin configs, the image's layers) on every side before measuring.
    for (const side of sides) {
      await startPod(side, 0, 'warm');
      await clear(side);
    }

    // The sides alternate in chunks (one pod at a time, or `parallel` at once) so that all of
    // them see the same background load: this machine is shared and its load swings.
    type Times = Record<Side, number[]>;
    const results: Record<string, Times> = {};
    const teardown: Record<string, Record<Side, number>> = {};
    for (const [name, concurrency] of [
      ['sequential', 1],
      [`${o.parallel} at a time`, o.parallel],
    ] as const) {
      const round = name.replace(/\W+/g, '');
      const r: Times = { raw: [], same: [], shim: [] };
      for (let first = 0; first < o.pods; first += concurrency) {
        const n = Math.min(concurrency, o.pods - first);
        for (const side of sides) {
          r[side].push(...(await runPool(n, n, (k) => startPod(side, first + k, round))));
        }
      }
      results[name] = r;
      teardown[name] = {
        raw: await clear('raw'),
        same: await clear('same'),
        shim: await clear('shim'),
      };
    }

    const ratios: string[] = [];
    const sameRatios: string[] = [];
    console.log(
      `shim benchmark: ${o.pods} pods (sandbox + 1 container, ${BENCH_IMAGE}), runtime ${o.runtime}, ${layout.mode} cgroups`,
    );
    console.log('per-pod start latency:');
    console.log(
      '  shim      RunPodSandbox + CreateContainer + StartContainer over gRPC (CNI bridge, conmon, overlay)',
    );
    console.log(
      "  raw       7 ip calls + crun run -d, crun spec's defaults on the shared read-only image root",
    );
    console.log(
      "  raw-same  the same by hand plus the shim's container: own overlay, its OCI spec (seccomp, caps, masks), pod files",
    );
    const row = (label: string, xs: number[]): string =>
      `${label} p50 ${fmt(percentile(xs, 50))} p99 ${fmt(percentile(xs, 99))}`;
    for (const [name, r] of Object.entries(results)) {
      console.log(
        `  ${name.padEnd(14)} ${row('shim', r.shim)} | ${row('raw', r.raw)} | ${row('raw-same', r.same)}`,
      );
      const t = teardown[name];
      if (t) {
        console.log(
          `  ${''.padEnd(14)} teardown of all ${o.pods}: shim ${fmt(t.shim)}, raw ${fmt(t.raw)}, raw-same ${fmt(t.same)}`,
        );
      }
      const ratio = (x: number[], y: number[], p: number): string =>
        (percentile(x, p) / percentile(y, p)).toFixed(2);
      ratios.push(`${name} p50 ${ratio(r.shim, r.raw, 50)}× p99 ${ratio(r.shim, r.raw, 99)}×`);
      sameRatios.push(
        `${name} p50 ${ratio(r.shim, r.same, 50)}× p99 ${ratio(r.shim, r.same, 99)}×`,
      );
    }
    console.log(
      `  shim RPCs (all rounds) p50: ${Object.entries(phases)
        .map(([k, v]) => `${k} ${fmt(percentile(v, 50))}`)
        .join(', ')}`,
    );
    console.log(`ratio shim/raw-same: ${sameRatios.join('; ')}`);
    console.log(`ratio shim/raw: ${ratios.join('; ')} (target ≤ 1.5×)`);
  } finally {
    for (const id of sandboxes)
      await client.runtime.RemovePodSandbox({ podSandboxId: id }).catch(() => undefined);
    client.close();
    await server[Symbol.asyncDispose]();
    await shim[Symbol.asyncDispose]();
    for (const r of Object.values(raws)) {
      await runPool(o.pods, 8, (i) => r.remove(i));
      await r.tearDown();
    }
    await images.unmountRootfs(`bench-raw-${tag}`).catch(() => undefined);
    await network.reconcile(new Set()).catch(() => undefined);
    await runCommand('ip', ['link', 'del', shimBridge]).catch(() => undefined);
    await removeCgroup(layout, shimParent).catch(() => undefined);
    await removeCgroup(layout, rawParent).catch(() => undefined);
    const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
      .split('\n')
      .map((l) => l.split(' ')[4])
      .filter((m): m is string => m !== undefined && m.startsWith(dir))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) await runCommand('umount', ['-l', m]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

const program = new Command('bench-shim')
  .option('--pods <n>', 'pods per round', (v) => Number.parseInt(v, 10), 30)
  .option(
    '--parallel <n>',
    'pods in flight in the parallel round',
    (v) => Number.parseInt(v, 10),
    8,
  )
  .addOption(
    new Option('--runtime <name>', 'OCI runtime').choices(['crun', 'runc']).default('crun'),
  )
  .action(async (o: Options) => bench(o));

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`bench shim: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
