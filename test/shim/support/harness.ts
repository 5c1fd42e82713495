/**
 * Test harness for the shim: a real shim (crun or runc, conmon, cgroups, the
 * real CNI network of a throwaway test bridge) in this process, served on a
 * unix socket in a temp root, with a typed gRPC client. Disposing removes
 * every sandbox through the API, then checks and removes what is left.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nopLogger, newLogger, type Logger } from '../../../lib/log.js';
import { connectRuntime, type RuntimeClients } from '../../../proto/loader.js';
import type { PodSandboxConfig } from '../../../proto/generated/tugboat/runtime/v1/PodSandboxConfig.js';
import type { ContainerConfig } from '../../../proto/generated/tugboat/runtime/v1/ContainerConfig.js';
import { cgroupDirs, readCgroupLayout } from '../../../runtime-shim/cgroups/layout.js';
import { removeCgroup } from '../../../runtime-shim/cgroups/remove.js';
import { Shim } from '../../../runtime-shim/core/shim.js';
import type { ImageStore } from '../../../runtime-shim/images/types.js';
import { makeTestNetwork, type TestNetwork } from '../../../runtime-shim/network/test-fixture.js';
import { OciRuntime, type RuntimeName } from '../../../runtime-shim/oci/runtime.js';
import { ShimServer } from '../../../runtime-shim/server/server.js';
import { runCommand, which } from '../../../runtime-shim/util/command.js';
import { pathExists } from '../../../runtime-shim/util/fs.js';
import { FakeImageStore } from './fake-images.js';

export interface HarnessOptions {
  runtime?: RuntimeName;
  /** images builds the image store over `dir`; a FakeImageStore with busybox by default. */
  images?: (dir: string) => Promise<ImageStore>;
  logger?: Logger;
}

export interface ShimHarness extends AsyncDisposable {
  root: string;
  tag: string;
  socket: string;
  client: RuntimeClients;
  shim: Shim;
  net: TestNetwork;
  images: ImageStore;
  cgroupParent: string;
  /**
   * restart disposes the server and shim (containers keep running), runs
   * `whileDown`, and opens a new shim and server over the same root.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /** pod returns a sandbox config with a unique name. */
  pod(name?: string, extra?: Partial<PodSandboxConfig>): PodSandboxConfig;
  /** container returns a busybox container config running `sh -c script`. */
  container(name: string, script: string, extra?: Partial<ContainerConfig>): ContainerConfig;
}

/** startShim builds a harness; see the file comment. */
export async function startShim(opts: HarnessOptions = {}): Promise<ShimHarness> {
  const tag = randomBytes(4).toString('hex');
  const root = await mkdtemp(join(tmpdir(), `tug-shim-${tag}-`));
  const logger =
    opts.logger ?? (process.env['TUG_TEST_LOG'] ? newLogger({ level: 'debug' }) : nopLogger);
  const runtimeName = opts.runtime ?? 'crun';
  const runtime = new OciRuntime({
    name: runtimeName,
    path: await which(runtimeName),
    root: join(root, 'runtime'),
  });
  const cgroupParent = `/tug-test-${tag}`;
  const socket = join(root, 'shim.sock');
  const net = await makeTestNetwork();
  let images: ImageStore;
  if (opts.images) images = await opts.images(join(root, 'images'));
  else {
    const fake = new FakeImageStore(join(root, 'images'));
    await fake.addBusybox();
    images = fake;
  }
  const open = async (): Promise<{ shim: Shim; server: ShimServer }> => {
    const shim = await Shim.open({
      root,
      runtime,
      images,
      network: net.network,
      cgroupParent,
      logger,
    });
    const server = new ShimServer({ shim, logger });
    await server.listen(`unix://${socket}`);
    return { shim, server };
  };
  let cur = await open();
  const client = connectRuntime(`unix://${socket}`);
  let podSeq = 0;
  const h: ShimHarness = {
    root,
    tag,
    socket,
    client,
    get shim() {
      return cur.shim;
    },
    net,
    images,
    cgroupParent,
    async restart(whileDown) {
      await cur.server[Symbol.asyncDispose]();
      await cur.shim[Symbol.asyncDispose]();
      await whileDown?.();
      cur = await open();
    },
    pod(name = `pod${++podSeq}`, extra = {}) {
      return {
        metadata: {
          name: `${name}-${tag}`,
          namespace: 'default',
          uid: `uid-${name}-${tag}`,
          attempt: 0,
        },
        hostname: name,
        logDirectory: join(root, 'logs', name),
        ...extra,
      };
    },
    container(name, script, extra = {}) {
      return {
        metadata: { name, attempt: 0 },
        image: { image: 'busybox' },
        command: ['sh', '-c', script],
        logPath: `${name}.log`,
        ...extra,
      };
    },
    async [Symbol.asyncDispose]() {
      const leftovers: string[] = [];
      try {
        const { items } = await client.runtime.ListPodSandbox({}, { timeoutMs: 60_000 });
        for (const s of items) {
          await client.runtime.RemovePodSandbox({ podSandboxId: s.id }, { timeoutMs: 60_000 });
        }
      } finally {
        client.close();
        await cur.server[Symbol.asyncDispose]();
        await cur.shim[Symbol.asyncDispose]();
        await net[Symbol.asyncDispose]();
        const layout = await readCgroupLayout();
        for (const d of cgroupDirs(layout, cgroupParent)) {
          if (await pathExists(d)) leftovers.push(d);
        }
        // Whatever a failed test left: kill it and remove it, so nothing outlives the run.
        await removeCgroup(layout, cgroupParent).catch(() => undefined);
        const mounts = (await mountsUnder(root)).sort((a, b) => b.length - a.length);
        for (const m of mounts) await runCommand('umount', ['-l', m]).catch(() => undefined);
        await rm(root, { recursive: true, force: true });
      }
      if (leftovers.length > 0)
        throw new Error(`cgroups outlived the test: ${leftovers.join(', ')}`);
    },
  };
  return h;
}

/** mountsUnder lists mount points under `dir`. */
export async function mountsUnder(dir: string): Promise<string[]> {
  return (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => m !== undefined && m.startsWith(dir));
}
