/**
 * The node agent on the real runtime shim (bin/tug-shim as a process, crun,
 * conmon, real CNI) and a real etcd + API server: the agent writes the
 * node's CNI config from its pod CIDR, one busybox pod runs, its log file
 * has CRI-format lines, a restarted agent adopts it without restarting
 * anything, and deleting it cleans up. Needs root and `npm run build`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound } from '../../controlplane/api/errors.js';
import { findResource } from '../../controlplane/api/resources.js';
import type { Node, Pod, StoredPod } from '../../controlplane/api/types/index.js';
import { waitFor } from '../../lib/wait.js';
import { NodeAgent, grpcRuntime } from '../../node-agent/index.js';
import { connectRuntime, type RuntimeClients } from '../../proto/loader.js';
import { readCgroupLayout } from '../../runtime-shim/cgroups/layout.js';
import { removeCgroup } from '../../runtime-shim/cgroups/remove.js';
import { makeTestNetwork, type TestNetwork } from '../../runtime-shim/network/test-fixture.js';
import { runCommand } from '../../runtime-shim/util/command.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const SHIM = join(repo, 'bin', 'tug-shim');
const podsInfo = findResource('', 'v1', 'pods')!;
const nodesInfo = findResource('', 'v1', 'nodes')!;
const isRoot = process.getuid?.() === 0;

async function mountsUnder(dir: string): Promise<string[]> {
  return (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => m !== undefined && m.startsWith(dir));
}

describe.skipIf(!isRoot)('node agent on the real shim', () => {
  const tag = randomBytes(4).toString('hex');
  const nodeName = `real-${tag}`;
  const cgroupParent = `/tug-agent-test-${tag}`;
  let dir: string;
  let net: TestNetwork;
  let shim: ChildProcess | undefined;
  let clients: RuntimeClients;
  let api: TestApiServer;
  let agentStop: AbortController | undefined;
  let agentRun: Promise<void> | undefined;

  const startAgent = (): void => {
    agentStop = new AbortController();
    const agent = new NodeAgent({
      nodeName,
      rest: api.client,
      runtime: grpcRuntime(clients),
      rootDir: join(dir, 'agent'),
      podLogDir: join(dir, 'pods-logs'),
      nodeIP: '127.0.0.1',
      cniConfDir: join(dir, 'net.d'),
      cniBridge: net.bridge,
      cniNetworkName: net.networkName,
      podCidr: net.subnet,
    });
    agentRun = agent.run(agentStop.signal);
  };
  const stopAgent = async (): Promise<void> => {
    agentStop?.abort();
    await agentRun;
  };
  const pods = () => api.client.resource<Pod>(podsInfo).namespace('default');
  const waitPod = (name: string, cond: (p: StoredPod) => boolean, what: string) =>
    waitFor(
      async () => {
        const p = await pods().get(name);
        return cond(p) ? p : undefined;
      },
      { timeoutMs: 60_000, what },
    );

  beforeAll(async () => {
    if (!existsSync(join(repo, 'dist', 'runtime-shim', 'main.js'))) {
      throw new Error('dist/ is missing: run `npm run build` before this test');
    }
    dir = await mkdtemp(join(tmpdir(), `tug-agent-real-${tag}-`));
    net = await makeTestNetwork();
    const images = spawnSync(
      'bash',
      [join(repo, 'scripts', 'build-test-images.sh'), join(dir, 'images')],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    if (images.status !== 0) throw new Error(`build-test-images.sh failed: ${images.stderr}`);
    const address = `unix://${join(dir, 'shim.sock')}`;
    clients = connectRuntime(address);
    const log = openSync(join(dir, 'shim.log'), 'a');
    shim = spawn(
      process.execPath,
      [
        SHIM,
        '--listen',
        address,
        '--root',
        join(dir, 'shim'),
        '--cni-conf-dir',
        join(dir, 'net.d'),
        '--cgroup-parent',
        cgroupParent,
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    await waitFor(
      async () => {
        if (shim?.exitCode !== null)
          throw new Error(`tug-shim exited: ${await readFile(join(dir, 'shim.log'), 'utf8')}`);
        return (
          (await clients.runtime.Version({ version: 'v1' }, { timeoutMs: 1000 })).runtimeName ===
          'tug-shim'
        );
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'tug-shim to serve' },
    );
    const imp = spawnSync(
      process.execPath,
      [SHIM, 'import', join(dir, 'images', 'busybox.tar'), '--address', address],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    if (imp.status !== 0) throw new Error(`tug-shim import failed: ${imp.stderr}`);
    api = await startApiServer();
    startAgent();
  });

  afterAll(async () => {
    try {
      await stopAgent();
      if (shim && shim.exitCode === null) {
        const { items } = await clients.runtime.ListPodSandbox({}, { timeoutMs: 30_000 });
        for (const s of items)
          await clients.runtime.RemovePodSandbox({ podSandboxId: s.id }, { timeoutMs: 60_000 });
        shim.kill('SIGTERM');
        await waitFor(() => shim?.exitCode !== null, {
          timeoutMs: 20_000,
          what: 'tug-shim to stop',
        }).catch(() => {
          shim?.kill('SIGKILL');
        });
      }
    } finally {
      clients?.close();
      await api?.[Symbol.asyncDispose]();
      await removeCgroup(await readCgroupLayout(), cgroupParent).catch(() => undefined);
      for (const m of (await mountsUnder(dir)).sort((a, b) => b.length - a.length)) {
        await runCommand('umount', ['-l', m]).catch(() => undefined);
      }
      await net?.[Symbol.asyncDispose]();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes the CNI config, runs a pod with CRI logs, adopts it after a restart, and cleans up on delete', async () => {
    const node = await waitFor(
      async () => {
        const n = await api.client.resource<Node>(nodesInfo).get(nodeName);
        return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
          ? n
          : undefined;
      },
      { timeoutMs: 30_000, what: 'the node to be Ready' },
    );
    expect(node.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^tug-shim:\/\/\d+\.\d+/);
    const conf = JSON.parse(
      await readFile(join(dir, 'net.d', `10-${net.networkName}.conflist`), 'utf8'),
    ) as { plugins: { bridge?: string; ipam?: { ranges?: { subnet: string }[][] } }[] };
    expect(conf.plugins[0]?.bridge).toBe(net.bridge);
    expect(conf.plugins[0]?.ipam?.ranges?.[0]?.[0]?.subnet).toBe(net.subnet);

    await pods().create({
      metadata: { name: 'hello' },
      spec: {
        nodeName,
        terminationGracePeriodSeconds: 5,
        containers: [
          {
            name: 'main',
            image: 'busybox',
            imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c'],
            args: [
              'trap "exit 0" TERM; echo "hello from $POD_NAME"; touch /tmp/ready; while true; do sleep 1; done',
            ],
            env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
          },
        ],
      },
    });
    const running = await waitPod(
      'hello',
      (p) => p.status?.phase === 'Running' && !!p.status.containerStatuses?.[0]?.ready,
      'pod hello Running and ready',
    );
    expect(running.status?.podIP?.startsWith(net.prefix)).toBe(true);
    const containerID = running.status?.containerStatuses?.[0]?.containerID;
    expect(containerID).toMatch(/^tug-shim:\/\//);

    const logFile = join(
      dir,
      'pods-logs',
      `default_hello_${running.metadata.uid}`,
      'main',
      '0.log',
    );
    const line = await waitFor(
      async () =>
        (await readFile(logFile, 'utf8')).split('\n').find((l) => l.includes('hello from')),
      { timeoutMs: 20_000, what: 'the container log line' },
    );
    expect(line).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) stdout F hello from hello$/,
    );

    // A restarted agent adopts the running container: same ID, no restart.
    await stopAgent();
    startAgent();
    const before = running.status?.containerStatuses?.[0];
    await waitFor(
      async () => {
        const n = await api.client.resource<Node>(nodesInfo).get(nodeName);
        return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      { timeoutMs: 30_000, what: 'the restarted agent' },
    );
    const after = await waitPod(
      'hello',
      (p) => !!p.status?.containerStatuses?.[0]?.ready,
      'still ready',
    );
    expect(after.status?.containerStatuses?.[0]?.containerID).toBe(before?.containerID);
    expect(after.status?.containerStatuses?.[0]?.restartCount).toBe(0);

    await pods().delete('hello');
    await waitFor(
      async () => {
        try {
          await pods().get('hello');
          return false;
        } catch (e) {
          return isNotFound(e);
        }
      },
      { timeoutMs: 60_000, what: 'pod hello to be gone' },
    );
    await waitFor(
      async () =>
        (await clients.runtime.ListPodSandbox({}, { timeoutMs: 5000 })).items.length === 0,
      { timeoutMs: 30_000, what: 'the sandbox to be removed' },
    );
    const podDirs = await readdir(join(dir, 'agent', 'pods')).catch(() => [] as string[]);
    expect(podDirs).toEqual([]);
  });
});
