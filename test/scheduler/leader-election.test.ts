/**
 * Two schedulers with leader election on the real API server: one holds the
 * Lease kube-system/kube-scheduler and binds every pod; when it stops it
 * releases the lease and the other takes over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../controlplane/api/resources.js';
import type { Lease } from '../../controlplane/api/types/index.js';
import { SchedulerApp } from '../../controlplane/scheduler/index.js';
import { nopLogger } from '../../lib/log.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { Cluster } from './support.js';

const leasesInfo = findResource('coordination.k8s.io', 'v1', 'leases')!;

describe('scheduler leader election', () => {
  let api: TestApiServer;
  let cluster: Cluster;
  const candidates: { app: SchedulerApp; stop: AbortController; run: Promise<void> }[] = [];

  const start = (identity: string) => {
    const app = new SchedulerApp({
      rest: api.restClient(),
      identity,
      logger: nopLogger,
      leaderElection: { leaseDurationMs: 10_000, renewDeadlineMs: 8_000, retryPeriodMs: 1_000 },
    });
    const stop = new AbortController();
    const c = { app, stop, run: app.run(stop.signal) };
    candidates.push(c);
    return c;
  };

  beforeAll(async () => {
    api = await startApiServer();
    cluster = new Cluster(api.client);
    await cluster.node('n1');
    await cluster.node('n2');
  });

  afterAll(async () => {
    for (const c of candidates) c.stop.abort();
    await Promise.allSettled(candidates.map((c) => c.run));
    await api?.[Symbol.asyncDispose]();
  });

  it('lets exactly one scheduler bind, and the other take over when it stops', async () => {
    const a = start('scheduler-a');
    const b = start('scheduler-b');
    const leader = await waitFor(() => [a, b].find((c) => c.app.isLeader()), {
      what: 'a leader',
    });
    const follower = leader === a ? b : a;
    const leases = api.client.resource<Lease>(leasesInfo).namespace('kube-system');
    expect((await leases.get('kube-scheduler')).spec?.holderIdentity).toBe(leader.app.identity);
    await waitFor(() => follower.app.ready(), { what: 'the standby to sync its caches' });

    const ns = await cluster.namespace('le');
    for (let i = 0; i < 6; i++) await cluster.pod(ns, `first-${i}`);
    for (let i = 0; i < 6; i++) await cluster.waitBound(ns, `first-${i}`);
    expect(await leader.app.metrics.attemptCount('scheduled')).toBe(6);
    expect(await follower.app.metrics.attemptCount('scheduled')).toBe(0);
    expect(follower.app.isLeader()).toBe(false);

    leader.stop.abort();
    await leader.run; // resolves cleanly, having released the lease
    await waitFor(() => follower.app.isLeader(), {
      timeoutMs: 20_000,
      what: 'the standby to take over',
    });
    expect((await leases.get('kube-scheduler')).spec?.holderIdentity).toBe(follower.app.identity);

    for (let i = 0; i < 4; i++) await cluster.pod(ns, `second-${i}`);
    for (let i = 0; i < 4; i++) await cluster.waitBound(ns, `second-${i}`);
    expect(await follower.app.metrics.attemptCount('scheduled')).toBe(4);
    expect(await leader.app.metrics.attemptCount('scheduled')).toBe(6);
  });
});
