/**
 * bin/tug-agent as a process: flags, a hollow node (`--runtime-endpoint
 * fake://`) registering against a real API server, /metrics and /healthz,
 * and a clean stop on SIGTERM. Needs `npm run build`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../controlplane/api/resources.js';
import type { Node } from '../../controlplane/api/types/index.js';
import { buildKubeconfig, stringifyKubeconfig } from '../../controlplane/client/index.js';
import { freePort } from '../../lib/ports.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(repo, 'bin', 'tug-agent');
const nodesInfo = findResource('', 'v1', 'nodes')!;

describe('bin/tug-agent', () => {
  let dir: string;
  let api: TestApiServer;

  beforeAll(async () => {
    if (!existsSync(join(repo, 'dist', 'node-agent', 'main.js'))) {
      throw new Error('dist/node-agent/main.js is missing: run `npm run build` before this test');
    }
    dir = await mkdtemp(join(tmpdir(), 'tug-agent-bin-'));
    api = await startApiServer();
  });
  afterAll(async () => {
    await api?.[Symbol.asyncDispose]();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers --help and rejects bad flags with a clear message', () => {
    const help = spawnSync(process.execPath, [BIN, '--help'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(help.status).toBe(0);
    for (const flag of [
      '--kubeconfig',
      '--node-name',
      '--runtime-endpoint',
      '--node-ip',
      '--max-pods',
      '--cpu',
      '--memory',
      '--metrics-port',
      '--root-dir',
      '--cni-conf-dir',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const bad = spawnSync(process.execPath, [BIN, '--max-pods', '0'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--max-pods');
    expect(bad.stderr).toContain('must be a positive integer');
  });

  it('runs a hollow node, serves /metrics and /healthz, and stops cleanly on SIGTERM', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      stringifyKubeconfig(buildKubeconfig({ server: api.url, ca: api.ca, token: api.token })),
    );
    const port = await freePort();
    const logPath = join(dir, 'agent.log');
    const log = openSync(logPath, 'a');
    const p = spawn(
      process.execPath,
      [
        BIN,
        '--kubeconfig',
        kubeconfig,
        '--node-name',
        'bin-node',
        '--runtime-endpoint',
        'fake://',
        '--node-ip',
        '10.1.2.3',
        '--cpu',
        '2',
        '--memory',
        '4Gi',
        '--max-pods',
        '20',
        '--root-dir',
        join(dir, 'root'),
        '--pod-log-dir',
        join(dir, 'logs'),
        '--metrics-address',
        '127.0.0.1',
        '--metrics-port',
        String(port),
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    try {
      const node = await waitFor(
        async () => {
          if (p.exitCode !== null)
            throw new Error(`tug-agent exited: ${await readFile(logPath, 'utf8')}`);
          const n = await api.client.resource<Node>(nodesInfo).get('bin-node');
          return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
            ? n
            : undefined;
        },
        { timeoutMs: 30_000, what: 'bin-node to be Ready' },
      );
      expect(node.status?.capacity).toMatchObject({ cpu: '2', memory: '4Gi', pods: '20' });
      expect(node.status?.addresses?.[0]).toEqual({ type: 'InternalIP', address: '10.1.2.3' });
      // A hollow node serves no logs/exec/stats (node-agent/server): it reports no endpoint.
      expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(0);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.text()).toBe('ok');
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('tug_agent_pod_workers');
      expect(metrics).toContain('tug_agent_lease_renewals_total');
      expect(metrics).toContain('tug_agent_process_');
    } finally {
      p.kill('SIGTERM');
      await waitFor(() => p.exitCode !== null, { timeoutMs: 20_000, what: 'tug-agent to stop' });
    }
    expect(p.exitCode).toBe(0);
    expect(await readFile(logPath, 'utf8')).toContain('containers keep running');
  });
});
