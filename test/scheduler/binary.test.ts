/**
 * bin/tug-scheduler as a process against the real API server: flags,
 * /healthz, /readyz, /metrics, a pod bound, and SIGTERM releasing the lease.
 * Needs `npm run build` (CI builds first).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../controlplane/api/resources.js';
import type { Lease } from '../../controlplane/api/types/index.js';
import { buildKubeconfig, writeKubeconfig } from '../../controlplane/client/index.js';
import { freePort } from '../../lib/ports.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { Cluster } from './support.js';

const BIN = join(fileURLToPath(new URL('../..', import.meta.url)), 'bin', 'tug-scheduler');
const leasesInfo = findResource('coordination.k8s.io', 'v1', 'leases')!;

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

describe('bin/tug-scheduler', () => {
  let api: TestApiServer;
  let dir: string;
  let proc: ChildProcess | undefined;
  let stderr = '';

  beforeAll(async () => {
    api = await startApiServer();
    dir = await mkdtemp(join(tmpdir(), 'tug-sched-bin-'));
  });

  afterAll(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    await api?.[Symbol.asyncDispose]();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers --help and rejects a bad flag', () => {
    const help = spawnSync(process.execPath, [BIN, '--help'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--kubeconfig <file>');
    expect(help.stdout).toContain('--leader-elect-lease-duration');
    const bad = spawnSync(process.execPath, [BIN, '--metrics-port', 'x'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--metrics-port');
  });

  it('schedules, serves metrics and health, and releases its lease on SIGTERM', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    await writeKubeconfig(
      kubeconfig,
      buildKubeconfig({ server: api.url, ca: api.ca, token: api.token }),
    );
    const port = await freePort();
    proc = spawn(
      process.execPath,
      [
        BIN,
        '--kubeconfig',
        kubeconfig,
        '--bind-address',
        '127.0.0.1',
        '--metrics-port',
        String(port),
        '--leader-elect-lease-duration=10s',
        '--leader-elect-renew-deadline=8s',
        '--leader-elect-retry-period=1s',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) =>
      proc?.once('exit', (code) => resolve(code)),
    );
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await get(`${base}/healthz`)).status === 200, {
      timeoutMs: 30_000,
      what: `/healthz (stderr: ${stderr})`,
    });
    await waitFor(async () => (await get(`${base}/readyz`)).status === 200, { what: '/readyz' });

    const cluster = new Cluster(api.client);
    await cluster.node('n1');
    await cluster.pod('default', 'hello');
    expect(await cluster.waitBound('default', 'hello')).toBe('n1');

    const leases = api.client.resource<Lease>(leasesInfo).namespace('kube-system');
    expect((await leases.get('kube-scheduler')).spec?.holderIdentity).toMatch(/_/);
    const metrics = await waitFor(
      async () => {
        const m = await get(`${base}/metrics`);
        return m.body.includes(
          'scheduler_schedule_attempts_total{result="scheduled",profile="default-scheduler"} 1',
        )
          ? m.body
          : undefined;
      },
      { what: 'the scheduled attempt in /metrics' },
    );
    expect(metrics).toContain('scheduler_pending_pods{queue="active"} 0');
    expect(metrics).toContain('leader_election_master_status{name="kube-scheduler"} 1');
    expect(metrics).toContain('process_cpu_seconds_total');

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect((await leases.get('kube-scheduler')).spec?.holderIdentity).toBeUndefined();
    expect(stderr).toContain('stopped');
  });
});
