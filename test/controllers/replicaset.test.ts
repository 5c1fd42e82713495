import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Event,
  Pod,
  ReplicaSet,
  StoredReplicaSet,
} from '../../controlplane/api/types/index.js';
import { ReplicaSetController } from '../../controlplane/controllers/replicaset/index.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import {
  eventsInfo,
  listPods,
  makeReady,
  podsInfo,
  realContext,
  replicaSetsInfo,
} from './replicaset-support.js';

const ns = 'default';

function rsManifest(name: string, replicas: number): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'tugboat/webserver:1' }] },
      },
    },
  };
}

describe('ReplicaSet controller on a real API server', () => {
  let s: TestApiServer;
  const ac = new AbortController();
  let ctx: ReturnType<typeof realContext>;
  let running: Promise<unknown>;

  beforeAll(async () => {
    s = await startApiServer();
    ctx = realContext(s.client);
    const controller = new ReplicaSetController(ctx);
    running = Promise.all([ctx.informers.run(ac.signal), controller.run(ac.signal)]);
  });
  afterAll(async () => {
    ac.abort();
    await running;
    await s?.[Symbol.asyncDispose]();
  });

  const rss = () => s.client.resource<ReplicaSet>(replicaSetsInfo, ns);

  it('creates owned pods, counts readiness, replaces a deleted pod and scales down', async () => {
    const rs = await rss().create(rsManifest('web', 3));
    const pods = await waitFor(
      async () => {
        const ps = await listPods(s.client, ns, 'app=web');
        return ps.length === 3 && ps;
      },
      { timeoutMs: 30_000, what: '3 pods' },
    );
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web',
          uid: rs.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    for (const p of pods) await makeReady(s.client, p);
    const ready = await waitFor(
      async () => {
        const cur = await rss().get('web');
        return (cur.status?.readyReplicas ?? 0) === 3 && cur;
      },
      { timeoutMs: 30_000, what: 'readyReplicas 3' },
    );
    expect(ready.status).toMatchObject({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      observedGeneration: 1,
    });

    // A pod deleted by hand is replaced.
    await s.client.resource(podsInfo, ns).delete(pods[0]!.metadata.name);
    const after = await waitFor(
      async () => {
        const ps = await listPods(s.client, ns, 'app=web');
        return ps.length === 3 && !ps.some((p) => p.metadata.uid === pods[0]!.metadata.uid) && ps;
      },
      { timeoutMs: 30_000, what: 'a replacement pod' },
    );
    const replacement = after.find((p) => !pods.some((o) => o.metadata.uid === p.metadata.uid))!;

    // Scale down to 2: the not-ready replacement goes first.
    await rss().patch('web', 'merge', { spec: { replicas: 2 } });
    const left = await waitFor(
      async () => {
        const ps = await listPods(s.client, ns, 'app=web');
        return ps.length === 2 && ps;
      },
      { timeoutMs: 30_000, what: 'scale down to 2' },
    );
    expect(left.map((p) => p.metadata.uid)).not.toContain(replacement.metadata.uid);
    const final = await waitFor(
      async () => {
        const cur: StoredReplicaSet = await rss().get('web');
        return cur.status?.replicas === 2 && cur.status.observedGeneration === 2 && cur;
      },
      { timeoutMs: 30_000, what: 'status replicas 2' },
    );
    expect(final.status?.readyReplicas).toBe(2);

    await ctx.flush();
    const events = await s.client
      .resource<Event>(eventsInfo, ns)
      .list({ fieldSelector: 'involvedObject.name=web,involvedObject.kind=ReplicaSet' });
    const reasons = events.items.map((e) => e.reason);
    expect(reasons).toContain('SuccessfulCreate');
    expect(reasons).toContain('SuccessfulDelete');
    expect(events.items.find((e) => e.reason === 'SuccessfulDelete')?.message).toBe(
      `Deleted pod: ${replacement.metadata.name}`,
    );
  });

  it('adopts an orphan pod that matches and releases a pod relabelled away', async () => {
    await s.client.resource<Pod>(podsInfo, ns).create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stray', labels: { app: 'adopt' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    const rs = await rss().create(rsManifest('adopt', 2));
    const adopted = await waitFor(
      async () => {
        const p = await s.client.resource(podsInfo, ns).get('stray');
        return p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid && p;
      },
      { timeoutMs: 30_000, what: 'adoption' },
    );
    expect(adopted.metadata.ownerReferences?.[0]).toMatchObject({
      controller: true,
      name: 'adopt',
    });
    await waitFor(async () => (await listPods(s.client, ns, 'app=adopt')).length === 2, {
      timeoutMs: 30_000,
      what: 'one more pod',
    });
    // Relabel the adopted pod away: it is released and replaced.
    await s.client.resource(podsInfo, ns).patch('stray', 'merge', {
      metadata: { labels: { app: 'debug' } },
    });
    await waitFor(
      async () => {
        const p = await s.client.resource(podsInfo, ns).get('stray');
        return (p.metadata.ownerReferences ?? []).length === 0;
      },
      { timeoutMs: 30_000, what: 'release' },
    );
    await waitFor(async () => (await listPods(s.client, ns, 'app=adopt')).length === 2, {
      timeoutMs: 30_000,
      what: 'a replacement for the released pod',
    });
  });
});
