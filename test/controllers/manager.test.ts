import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lease, ReplicaSet } from '../../controlplane/api/types/index.js';
import { findResource } from '../../controlplane/api/resources.js';
import { defaultControllerManagerOptions } from '../../controlplane/controllers/controller.js';
import {
  ControllerManager,
  defaultControllers,
  selectControllers,
} from '../../controlplane/controllers/manager/index.js';
import { nopLogger } from '../../lib/log.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { listPods, replicaSetsInfo } from './replicaset-support.js';

const leasesInfo = findResource('coordination.k8s.io', 'v1', 'leases')!;

function rs(name: string, replicas: number): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
    },
  };
}

describe('controller manager: leader election, metrics, hand-over', () => {
  let s: TestApiServer;
  beforeAll(async () => {
    s = await startApiServer();
  });
  afterAll(async () => {
    await s?.[Symbol.asyncDispose]();
  });

  const manager = (identity: string) =>
    new ControllerManager({
      rest: s.restClient(),
      controllers: selectControllers(defaultControllers, ['replicaset']),
      options: { ...defaultControllerManagerOptions, workers: 2 },
      leaderElection: {
        namespace: 'kube-system',
        name: 'kube-controller-manager',
        identity,
        leaseDurationMs: 4000,
        renewDeadlineMs: 3000,
        retryPeriodMs: 500,
      },
      metrics: { host: '127.0.0.1', port: 0 },
      logger: nopLogger,
    });
  const lease = () =>
    s.client.resource<Lease>(leasesInfo, 'kube-system').get('kube-controller-manager');
  const scrape = async (port: number, path: string): Promise<{ status: number; text: string }> => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: r.status, text: await r.text() };
  };

  it('one leader runs the controllers; stopping it releases the lease and the other takes over', async () => {
    const a = manager('manager-a');
    const b = manager('manager-b');
    const stopA = new AbortController();
    const stopB = new AbortController();
    const runA = a.run(stopA.signal);
    await waitFor(() => a.isLeading(), { timeoutMs: 20_000, what: 'a leads' });
    const runB = b.run(stopB.signal);
    try {
      const portA = await a.metricsPort();
      const portB = await b.metricsPort();
      expect((await lease()).spec?.holderIdentity).toBe('manager-a');

      // The leader's controllers work.
      await s.client.resource<ReplicaSet>(replicaSetsInfo, 'default').create(rs('one', 2));
      await waitFor(async () => (await listPods(s.client, 'default', 'app=one')).length === 2, {
        timeoutMs: 30_000,
        what: 'pods of rs one',
      });
      expect(b.isLeading()).toBe(false);

      expect(await scrape(portA, '/healthz')).toEqual({ status: 200, text: 'ok' });
      const metrics = (await scrape(portA, '/metrics')).text;
      expect(metrics).toMatch(/workqueue_adds_total\{name="replicaset"\} [1-9]/);
      expect(metrics).toMatch(/workqueue_depth\{name="replicaset"\} \d+/);
      expect(metrics).toMatch(
        /controller_reconcile_duration_seconds_count\{controller="replicaset"\} [1-9]/,
      );
      expect(metrics).toContain('leader_election_master_status{name="kube-controller-manager"} 1');
      expect((await scrape(portB, '/metrics')).text).toContain(
        'leader_election_master_status{name="kube-controller-manager"} 0',
      );
      expect((await scrape(portB, '/nope')).status).toBe(404);

      // A stops: it releases the lease, so B need not wait for it to expire.
      const before = (await lease()).spec?.leaseTransitions ?? 0;
      stopA.abort();
      await runA;
      await waitFor(() => b.isLeading(), { timeoutMs: 20_000, what: 'b leads' });
      const l = await lease();
      expect(l.spec?.holderIdentity).toBe('manager-b');
      expect(l.spec?.leaseTransitions).toBe(before + 1);

      await s.client.resource<ReplicaSet>(replicaSetsInfo, 'default').create(rs('two', 1));
      await waitFor(async () => (await listPods(s.client, 'default', 'app=two')).length === 1, {
        timeoutMs: 30_000,
        what: 'pods of rs two, by the new leader',
      });
    } finally {
      stopA.abort();
      stopB.abort();
      await Promise.allSettled([runA, runB]);
    }
    expect((await lease()).spec?.holderIdentity).toBeUndefined();
  });
});
