/**
 * bin/tug-controller-manager as a process: flags, leader lease, /healthz,
 * controllers at work, and a clean stop on SIGTERM that releases the lease.
 * Needs `npm run build` (CI builds first).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../controlplane/api/resources.js';
import type { Deployment, Lease } from '../../controlplane/api/types/index.js';
import { buildKubeconfig, writeKubeconfig } from '../../controlplane/client/index.js';
import { freePort } from '../../lib/ports.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { deploymentsInfo, listPods } from './replicaset-support.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(repo, 'bin', 'tug-controller-manager');
const leasesInfo = findResource('coordination.k8s.io', 'v1', 'leases')!;

describe('bin/tug-controller-manager', () => {
  let s: TestApiServer;
  let dir: string;
  let proc: ChildProcess | undefined;

  beforeAll(async () => {
    s = await startApiServer();
    dir = await mkdtemp(join(tmpdir(), 'tug-kcm-'));
    await writeKubeconfig(
      join(dir, 'kubeconfig'),
      buildKubeconfig({ server: s.url, ca: s.ca, token: s.token }),
    );
  });
  afterAll(async () => {
    proc?.kill('SIGKILL');
    await s?.[Symbol.asyncDispose]();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers --help with kube-controller-manager flag names, and refuses unknown controllers', () => {
    const help = spawnSync(process.execPath, [BIN, '--help'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(help.status).toBe(0);
    for (const flag of [
      '--kubeconfig',
      '--leader-elect',
      '--controllers',
      '--cluster-cidr',
      '--node-monitor-grace-period',
      '--pod-eviction-timeout',
      '--terminated-pod-gc-threshold',
      '--concurrent-syncs',
      '--metrics-port',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const bad = spawnSync(
      process.execPath,
      [BIN, '--kubeconfig', join(dir, 'kubeconfig'), '--controllers=nope'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('unknown controller "nope"');
  });

  it('leads, runs the controllers, and on SIGTERM stops cleanly and releases the lease', async () => {
    const port = await freePort();
    proc = spawn(
      process.execPath,
      [
        BIN,
        '--kubeconfig',
        join(dir, 'kubeconfig'),
        '--metrics-port',
        String(port),
        '--bind-address',
        '127.0.0.1',
        '--controllers=replicaset,deployment',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) =>
      proc?.on('exit', (code) => resolve(code)),
    );
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, {
      timeoutMs: 30_000,
      what: '/healthz',
    });
    const leases = s.client.resource<Lease>(leasesInfo, 'kube-system');
    const held = await waitFor(
      async () => (await leases.get('kube-controller-manager')).spec?.holderIdentity,
      { timeoutMs: 30_000, what: 'the lease' },
    );
    expect(held).toMatch(/_[0-9a-f-]{36}$/);

    await s.client.resource<Deployment>(deploymentsInfo, 'default').create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bin' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'bin' } },
        template: {
          metadata: { labels: { app: 'bin' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    });
    await waitFor(async () => (await listPods(s.client, 'default', 'app=bin')).length === 2, {
      timeoutMs: 30_000,
      what: 'pods of the deployment',
    });

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    proc = undefined;
    expect((await leases.get('kube-controller-manager')).spec?.holderIdentity).toBeUndefined();
    expect(stderr).toContain('stopped');
  });
});
