/**
 * bin/tug-shim as a process: flags, import, /metrics, and kill -9 then start
 * again with containers running. Needs `npm run build` (CI builds first).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/ports.js';
import { waitFor } from '../../lib/wait.js';
import { connectRuntime, type RuntimeClients } from '../../proto/loader.js';
import { readCgroupLayout } from '../../runtime-shim/cgroups/layout.js';
import { removeCgroup } from '../../runtime-shim/cgroups/remove.js';
import { makeTestNetwork, type TestNetwork } from '../../runtime-shim/network/test-fixture.js';
import { runCommand } from '../../runtime-shim/util/command.js';
import { pathExists } from '../../runtime-shim/util/fs.js';
import { APP_IMAGE, buildTestArchives, type TestArchives } from './support/archives.js';
import { mountsUnder } from './support/harness.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(repo, 'bin', 'tug-shim');

function runBin(
  args: string[],
  input?: string,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    input,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bin/tug-shim', () => {
  const tag = randomBytes(4).toString('hex');
  let dir: string;
  let root: string;
  let archives: TestArchives;
  let net: TestNetwork;
  let shim: ChildProcess | undefined;
  let client: RuntimeClients;
  let metricsPort: number;
  const cgroupParent = `/tug-test-${tag}`;
  let address: string;

  const startShimProcess = async (): Promise<ChildProcess> => {
    const log = openSync(join(dir, 'shim.log'), 'a');
    const p = spawn(
      process.execPath,
      [
        BIN,
        '--listen',
        address,
        '--root',
        root,
        '--cni-conf-dir',
        net.confDir,
        '--metrics-port',
        String(metricsPort),
        '--cgroup-parent',
        cgroupParent,
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    await waitFor(
      async () => {
        if (p.exitCode !== null)
          throw new Error(
            `tug-shim exited ${p.exitCode}: ${await readFile(join(dir, 'shim.log'), 'utf8')}`,
          );
        return (
          (await client.runtime.Version({ version: 'v1' }, { timeoutMs: 1000 })).runtimeName ===
          'tug-shim'
        );
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'tug-shim to serve' },
    );
    return p;
  };

  beforeAll(async () => {
    if (!existsSync(join(repo, 'dist', 'runtime-shim', 'main.js'))) {
      throw new Error('dist/runtime-shim/main.js is missing: run `npm run build` before this test');
    }
    dir = await mkdtemp(join(tmpdir(), `tug-shim-bin-${tag}-`));
    root = join(dir, 'root');
    archives = await buildTestArchives(join(dir, 'archives'));
    net = await makeTestNetwork();
    metricsPort = await freePort();
    address = `unix://${join(dir, 'shim.sock')}`;
    client = connectRuntime(address);
  });

  afterAll(async () => {
    try {
      if (shim && shim.exitCode === null) {
        const { items } = await client.runtime.ListPodSandbox({}, { timeoutMs: 30_000 });
        for (const s of items)
          await client.runtime.RemovePodSandbox({ podSandboxId: s.id }, { timeoutMs: 60_000 });
        shim.kill('SIGTERM');
      }
    } finally {
      client?.close();
      shim?.kill('SIGKILL');
      const layout = await readCgroupLayout();
      await removeCgroup(layout, cgroupParent).catch(() => undefined);
      for (const m of (await mountsUnder(dir)).sort((a, b) => b.length - a.length)) {
        await runCommand('umount', ['-l', m]).catch(() => undefined);
      }
      await net?.[Symbol.asyncDispose]();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers --help and refuses to serve without root privileges or --root', () => {
    const help = runBin(['serve', '--help']);
    expect(help.status).toBe(0);
    for (const flag of [
      '--listen',
      '--root',
      '--runtime',
      '--cni-conf-dir',
      '--cni-bin-dir',
      '--metrics-port',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    expect(runBin(['--help']).stdout).toContain('import');
    const noRoot = runBin(['--listen', 'unix:///tmp/x.sock']);
    expect(noRoot.status).not.toBe(0);
    expect(noRoot.stderr).toContain("required option '--root <dir>'");
    const user = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        BIN,
        '--root',
        join(dir, 'x'),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(user.status).toBe(1);
    expect(user.stderr).toContain('tug-shim must run as root');
    const badRuntime = runBin(['--root', join(dir, 'x'), '--runtime', 'docker']);
    expect(badRuntime.status).not.toBe(0);
    expect(badRuntime.stderr).toMatch(/crun, runc/);
  });

  it('imports archives with `tug-shim import`, serves /metrics, and survives kill -9 with containers running', async () => {
    shim = await startShimProcess();
    const imp = runBin(['import', archives.busybox, '--address', address]);
    expect(imp.stderr).toBe('');
    expect(imp.stdout).toMatch(/^sha256:[0-9a-f]{64} docker\.io\/library\/busybox:latest\n$/);
    // `-` reads the archive from stdin.
    const viaStdin = spawnSync(process.execPath, [BIN, 'import', '-', '--address', address], {
      stdio: [openSync(archives.app, 'r'), 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    expect(viaStdin.stdout).toContain(APP_IMAGE);
    const missing = runBin(['import', join(dir, 'nope.tar'), '--address', address]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/nope\.tar/);

    const config = {
      metadata: { name: `bin-${tag}`, namespace: 'default', uid: `uid-${tag}`, attempt: 0 },
      hostname: 'binpod',
      logDirectory: join(dir, 'logs'),
    };
    const { podSandboxId } = await client.runtime.RunPodSandbox({ config });
    const make = async (name: string, script: string): Promise<string> => {
      const { containerId } = await client.runtime.CreateContainer({
        podSandboxId,
        config: {
          metadata: { name },
          image: { image: 'busybox' },
          command: ['sh', '-c', script],
          logPath: `${name}.log`,
        },
      });
      await client.runtime.StartContainer({ containerId });
      return containerId;
    };
    const running = await make('running', 'exec sleep 3600');
    const later = await make('later', 'sleep 2; exit 4');
    const before = await client.runtime.ContainerStatus({ containerId: running, verbose: true });
    const pid = JSON.parse(before.info['pid'] ?? '0') as number;

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(
      /tug_shim_operation_duration_seconds_count\{operation="RunPodSandbox",code="OK"\} 1/,
    );
    expect(metrics).toMatch(
      /tug_shim_operation_duration_seconds_count\{operation="ImportImage",code="OK"\} 2/,
    );
    expect(metrics).toMatch(/tug_shim_containers\{state="CONTAINER_RUNNING"\} 2/);
    expect(metrics).toMatch(/tug_shim_sandboxes\{state="SANDBOX_READY"\} 1/);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(200);

    // kill -9: nothing of the shim's shutdown runs.
    const gone = new Promise((r) => shim?.once('exit', r));
    shim.kill('SIGKILL');
    await gone;
    process.kill(pid, 0);
    await waitFor(() => pathExists(join(root, 'exits', later)), {
      timeoutMs: 20_000,
      what: 'exit recorded while the shim is down',
    });

    shim = await startShimProcess();
    const { items } = await client.runtime.ListPodSandbox({});
    expect(items.map((s) => [s.id, s.state])).toEqual([[podSandboxId, 'SANDBOX_READY']]);
    const after = await client.runtime.ContainerStatus({ containerId: running, verbose: true });
    expect(after.status?.state).toBe('CONTAINER_RUNNING');
    expect(JSON.parse(after.info['pid'] ?? '0')).toBe(pid);
    expect(after.status?.startedAt).toBe(before.status?.startedAt);
    const l = await client.runtime.ContainerStatus({ containerId: later });
    expect([l.status?.state, l.status?.exitCode]).toEqual(['CONTAINER_EXITED', 4]);
    const ex = await client.runtime.ExecSync({
      containerId: running,
      cmd: ['echo', 'alive'],
      timeout: 10,
    });
    expect(ex.stdout.toString()).toBe('alive\n');

    await client.runtime.RemovePodSandbox({ podSandboxId });
    const stopped = new Promise<number | null>((r) => shim?.once('exit', (code) => r(code)));
    shim.kill('SIGTERM');
    expect(await stopped).toBe(0);
    expect(await pathExists(join(dir, 'shim.sock'))).toBe(false);
  });
});
