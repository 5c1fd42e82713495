/**
 * The scheduler against the real API server on real etcd: three Node objects
 * (no agents), the scheduler in-process, pods created through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchedulerApp } from '../../controlplane/scheduler/index.js';
import { nopLogger } from '../../lib/log.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { Cluster, ownerUid } from './support.js';

describe('scheduler on a real API server', () => {
  let api: TestApiServer;
  let cluster: Cluster;
  let app: SchedulerApp;
  const stop = new AbortController();
  let running: Promise<void>;

  beforeAll(async () => {
    api = await startApiServer();
    cluster = new Cluster(api.client);
    for (const n of ['n1', 'n2', 'n3']) await cluster.node(n);
    app = new SchedulerApp({
      rest: api.restClient(),
      leaderElection: { enabled: false },
      logger: nopLogger,
    });
    running = app.run(stop.signal);
    await waitFor(() => app.ready(), { what: 'the scheduler informers to sync' });
  });

  afterAll(async () => {
    stop.abort();
    await running;
    await api?.[Symbol.asyncDispose]();
  });

  it('binds 30 pods of one owner, 10 on each node', async () => {
    const ns = await cluster.namespace('spread');
    const owner = ownerUid();
    const start = performance.now();
    const names = Array.from({ length: 30 }, (_, i) => `web-${i}`);
    await Promise.all(names.map((n) => cluster.pod(ns, n, { owner })));
    const placed = await waitFor(
      async () => {
        const list = await cluster.pods.namespace(ns).list();
        const bound = list.items.filter((p) => p.spec?.nodeName);
        return bound.length === 30 ? list.items : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20, what: '30 pods bound' },
    );
    const seconds = (performance.now() - start) / 1000;
    console.log(
      `scheduled 30 pods on 3 nodes in ${seconds.toFixed(2)} s (${(30 / seconds).toFixed(1)} pods/s, creation included)`,
    );
    const perNode = new Map<string, number>();
    for (const p of placed)
      perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    expect(Object.fromEntries(perNode)).toEqual({ n1: 10, n2: 10, n3: 10 });
    const pod = placed[0]!;
    expect(pod.status?.conditions).toContainEqual(
      expect.objectContaining({ type: 'PodScheduled', status: 'True' }),
    );
    await waitFor(
      async () =>
        (await cluster.eventsFor(ns, pod.metadata.name)).find(
          (e) =>
            e.reason === 'Scheduled' &&
            e.message ===
              `Successfully assigned ${ns}/${pod.metadata.name} to ${pod.spec?.nodeName}` &&
            e.source?.component === 'default-scheduler',
        ),
      { what: 'the Scheduled event' },
    );
    expect(await app.metrics.attemptCount('scheduled')).toBeGreaterThanOrEqual(30);
    for (const n of names) await cluster.deletePod(ns, n);
  });

  it('places 30 pods already waiting when a scheduler starts', async () => {
    // A second scheduler, for pods naming it, started only once they exist:
    // this measures the scheduler itself (sync, filter, score, bind), not pod creation.
    const ns = await cluster.namespace('burst');
    const owner = ownerUid();
    const names = Array.from({ length: 30 }, (_, i) => `job-${i}`);
    await Promise.all(
      names.map((n) => cluster.pod(ns, n, { owner, spec: { schedulerName: 'burst' } })),
    );
    const second = new SchedulerApp({
      rest: api.restClient(),
      schedulerName: 'burst',
      leaderElection: { enabled: false },
      logger: nopLogger,
    });
    const ac = new AbortController();
    const start = performance.now();
    const run = second.run(ac.signal);
    try {
      const placed = await waitFor(
        async () => {
          const list = await cluster.pods.namespace(ns).list();
          return list.items.every((p) => p.spec?.nodeName) ? list.items : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 10, what: '30 waiting pods bound' },
      );
      const seconds = (performance.now() - start) / 1000;
      console.log(
        `a fresh scheduler bound 30 waiting pods on 3 nodes in ${seconds.toFixed(2)} s (${(30 / seconds).toFixed(1)} pods/s, informer sync included)`,
      );
      const perNode = new Map<string, number>();
      for (const p of placed)
        perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
      expect(Object.fromEntries(perNode)).toEqual({ n1: 10, n2: 10, n3: 10 });
      expect(await second.metrics.attemptCount('scheduled')).toBe(30);
    } finally {
      ac.abort();
      await run;
    }
    for (const n of names) await cluster.deletePod(ns, n);
  });

  it('marks a pod that fits nowhere, with the exact message and an event, and binds it once a big node joins', async () => {
    const ns = await cluster.namespace('big');
    await cluster.pod(ns, 'big', { requests: { cpu: '6', memory: '1Gi' } });
    const msg = '0/3 nodes are available: 3 Insufficient cpu.';
    expect(await cluster.waitUnschedulable(ns, 'big')).toBe(msg);
    const ev = await waitFor(
      async () => (await cluster.eventsFor(ns, 'big')).find((e) => e.reason === 'FailedScheduling'),
      { what: 'the FailedScheduling event' },
    );
    expect(ev).toMatchObject({
      type: 'Warning',
      message: msg,
      source: { component: 'default-scheduler' },
    });
    expect((await cluster.pods.namespace(ns).get('big')).spec?.nodeName).toBeUndefined();

    await cluster.node('n4', { allocatable: { cpu: '8', memory: '16Gi', pods: '110' } });
    expect(await cluster.waitBound(ns, 'big')).toBe('n4');
    await cluster.deletePod(ns, 'big');
    await cluster.nodes.delete('n4');
  });

  it('avoids tainted nodes unless the pod tolerates the taint', async () => {
    const ns = await cluster.namespace('taint');
    const taints = [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }];
    await cluster.patchNode('n1', { spec: { taints } });
    await cluster.patchNode('n2', { spec: { taints } });
    try {
      await waitFor(() => app.scheduler.cache.nodeInfo('n2')?.node?.spec?.taints?.length === 1, {
        what: 'the scheduler to see the taints',
      });
      const owner = ownerUid();
      for (let i = 0; i < 4; i++) await cluster.pod(ns, `plain-${i}`, { owner });
      for (let i = 0; i < 4; i++) expect(await cluster.waitBound(ns, `plain-${i}`)).toBe('n3');

      await cluster.pod(ns, 'tolerant', {
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': 'n1' },
          tolerations: [
            { key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' },
          ],
        },
      });
      expect(await cluster.waitBound(ns, 'tolerant')).toBe('n1');

      await cluster.pod(ns, 'intolerant', {
        spec: { nodeSelector: { 'kubernetes.io/hostname': 'n1' } },
      });
      expect(await cluster.waitUnschedulable(ns, 'intolerant')).toBe(
        "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, " +
          '2 node(s) had untolerated taint {dedicated: infra}.',
      );
      // Lifting the taint is a node update: the pod is retried and lands.
      await cluster.patchNode('n1', { spec: { taints: null } });
      expect(await cluster.waitBound(ns, 'intolerant')).toBe('n1');
    } finally {
      await cluster.patchNode('n1', { spec: { taints: null } });
      await cluster.patchNode('n2', { spec: { taints: null } });
    }
  });

  it('honours nodeSelector', async () => {
    const ns = await cluster.namespace('selector');
    await cluster.patchNode('n2', { metadata: { labels: { disk: 'ssd' } } });
    await waitFor(
      () => app.scheduler.cache.nodeInfo('n2')?.node?.metadata.labels?.['disk'] === 'ssd',
      {
        what: 'the scheduler to see the label',
      },
    );
    for (let i = 0; i < 3; i++) {
      await cluster.pod(ns, `ssd-${i}`, { spec: { nodeSelector: { disk: 'ssd' } } });
    }
    for (let i = 0; i < 3; i++) expect(await cluster.waitBound(ns, `ssd-${i}`)).toBe('n2');
    await cluster.pod(ns, 'nvme', { spec: { nodeSelector: { disk: 'nvme' } } });
    expect(await cluster.waitUnschedulable(ns, 'nvme')).toBe(
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
    );
  });
});
