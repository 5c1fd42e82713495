import { afterEach, describe, expect, it } from 'vitest';
import { newForbidden } from '../../api/errors.js';
import type { StoredPod, StoredReplicaSet } from '../../api/types/index.js';
import { objectKey } from '../../client/index.js';
import { FakeClock } from '../../../lib/time.js';
import { ReplicaSetController } from './replicaset-controller.js';
import {
  Cache,
  FakeReplicaSetClient,
  conflictError,
  newTestContext,
  pod,
  replicaSet,
  settle,
  t0,
  type TestContext,
} from './testing.js';
import { formatTime } from './pod-utils.js';

class Harness {
  readonly clock = new FakeClock(t0);
  readonly ctx: TestContext = newTestContext(this.clock);
  readonly rss = new Cache<StoredReplicaSet>(this.clock);
  readonly pods = new Cache<StoredPod>(this.clock);
  readonly client = new FakeReplicaSetClient(this.clock);
  readonly controller: ReplicaSetController;
  private readonly ac = new AbortController();

  /** sync: the fake server feeds writes back into the caches (as a watch would). */
  constructor(sync = true) {
    this.controller = new ReplicaSetController(this.ctx, {
      client: this.client,
      replicaSets: this.rss.informer,
      pods: this.pods.informer,
    });
    if (sync) {
      this.client.onCreate = (p) => this.pods.lw.upsert(p);
      this.client.onDelete = (ns, name) => this.pods.lw.remove(`${ns}/${name}`);
      this.client.onStatus = (rs) => this.rss.lw.upsert(rs);
    }
  }

  async start(): Promise<void> {
    void this.rss.informer.run(this.ac.signal);
    void this.pods.informer.run(this.ac.signal);
    await this.rss.informer.waitForSync(this.ac.signal);
    await this.pods.informer.waitForSync(this.ac.signal);
  }

  async addRS(rs: StoredReplicaSet): Promise<StoredReplicaSet> {
    const stored = this.rss.lw.upsert(rs);
    this.client.replicaSets.set(objectKey(rs), stored);
    await this.settle();
    return stored;
  }

  async addPods(...ps: StoredPod[]): Promise<void> {
    for (const p of ps) this.pods.lw.upsert(p);
    await this.settle();
  }

  settle(): Promise<void> {
    return settle(this.rss, this.pods);
  }

  podsOf(rs: StoredReplicaSet): StoredPod[] {
    return this.pods.informer.indexer
      .list()
      .filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid));
  }

  lastStatus(): StoredReplicaSet['status'] {
    return this.client.verbs('updateReplicaSetStatus').at(-1)?.body as StoredReplicaSet['status'];
  }

  stop(): void {
    this.ac.abort();
    this.controller.queue.shutDown();
  }
}

let h: Harness;
afterEach(() => h?.stop());

describe('ReplicaSet controller: creating pods', () => {
  it('creates the missing pods from the template, owned by the RS, with events and status', async () => {
    h = new Harness();
    await h.start();
    const rs = await h.addRS(replicaSet('web', 3));
    await h.controller.reconcile('default/web');

    const creates = h.client.verbs('createPod');
    expect(creates).toHaveLength(3);
    const body = creates[0]!.body as StoredPod;
    expect(body.metadata.generateName).toBe('web-');
    expect(body.metadata.labels).toEqual({ app: 'web' });
    expect(body.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web',
        uid: rs.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(body.spec?.containers[0]?.image).toBe('nginx:1.27');
    expect(h.ctx.events.reasons).toEqual([
      'SuccessfulCreate',
      'SuccessfulCreate',
      'SuccessfulCreate',
    ]);
    expect(h.ctx.events.events[0]?.message).toMatch(/^Created pod: web-[0-9a-f]{5}$/);
    // Status was computed from the cache before the creations showed up.
    expect(h.lastStatus()).toEqual({ replicas: 0, observedGeneration: 1 });

    await h.settle();
    await h.controller.reconcile('default/web');
    expect(h.client.verbs('createPod')).toHaveLength(3);
    expect(h.lastStatus()).toEqual({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
  });

  it('creates nothing more while its own creations are not in the cache yet (expectations)', async () => {
    h = new Harness(false);
    await h.start();
    await h.addRS(replicaSet('web', 3));
    await h.controller.reconcile('default/web');
    expect(h.client.verbs('createPod')).toHaveLength(3);
    expect(h.controller.expectations.pending('default/web')).toEqual({ add: 3, del: 0 });

    // The cache still shows no pods, yet a second sync must not create three more.
    await h.controller.reconcile('default/web');
    expect(h.client.verbs('createPod')).toHaveLength(3);

    // The watch delivers two of them: still one expected, still nothing created.
    const created = h.client.verbs('createPod');
    const stored = (c: (typeof created)[number], i: number): StoredPod => {
      const p = structuredClone(c.body) as StoredPod;
      p.metadata = {
        ...p.metadata,
        name: `web-${i}`,
        uid: `u${i}`,
        resourceVersion: '1',
        creationTimestamp: formatTime(t0),
      };
      return p;
    };
    await h.addPods(stored(created[0]!, 0), stored(created[1]!, 1));
    expect(h.controller.expectations.pending('default/web')).toEqual({ add: 1, del: 0 });
    await h.controller.reconcile('default/web');
    expect(h.client.verbs('createPod')).toHaveLength(3);

    // Expectations expire after five minutes: a lost event cannot wedge the RS.
    h.clock.advance(5 * 60 * 1000 + 1);
    await h.controller.reconcile('default/web');
    expect(h.client.verbs('createPod')).toHaveLength(4);
  });

  it('creates in slow-start batches 1, 2, 4 … and stops at the first failing batch', async () => {
    h = new Harness(false);
    await h.start();
    await h.addRS(replicaSet('web', 10));
    // Calls 1..3 succeed (batches of 1 and 2); the batch of 4 has one failure.
    h.client.failCreate = (n) =>
      n === 5 ? newForbidden({ group: '', resource: 'pods' }, 'web-', 'exceeded quota') : undefined;
    await expect(h.controller.reconcile('default/web')).rejects.toThrow(/exceeded quota/);
    expect(h.client.verbs('createPod')).toHaveLength(7);
    // 6 created, the failed and the 3 never attempted are no longer expected.
    expect(h.controller.expectations.pending('default/web')).toEqual({ add: 6, del: 0 });
    expect(h.ctx.events.reasons.filter((r) => r === 'FailedCreate')).toHaveLength(1);
    expect(h.ctx.events.events.find((e) => e.reason === 'FailedCreate')?.message).toMatch(
      /^Error creating: .*exceeded quota/,
    );
    const status = h.lastStatus();
    expect(status?.conditions).toEqual([
      expect.objectContaining({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' }),
    ]);
    expect(status?.conditions?.[0]?.message).toMatch(/exceeded quota/);
  });

  it('clears ReplicaFailure once creating works again', async () => {
    h = new Harness();
    await h.start();
    await h.addRS(replicaSet('web', 2));
    h.client.failCreate = () => newForbidden({ group: '', resource: 'pods' }, 'web-', 'quota');
    await expect(h.controller.reconcile('default/web')).rejects.toThrow();
    await h.settle();
    expect(h.rss.informer.indexer.get('default/web')?.status?.conditions?.[0]?.type).toBe(
      'ReplicaFailure',
    );
    h.client.failCreate = undefined;
    await h.controller.reconcile('default/web');
    await h.settle();
    await h.controller.reconcile('default/web');
    const rs = h.rss.informer.indexer.get('default/web');
    expect(rs?.status?.conditions).toBeUndefined();
    expect(rs?.status?.replicas).toBe(2);
  });

  it('replaces a pod that is being deleted and does not count it', async () => {
    h = new Harness();
    await h.start();
    const rs = await h.addRS(replicaSet('web', 2));
    await h.addPods(
      pod('web-a', { owner: rs, readySince: t0 - 60_000 }),
      pod('web-b', { owner: rs, readySince: t0 - 60_000, deleting: true }),
    );
    await h.controller.reconcile('default/web');
    expect(h.client.verbs('createPod')).toHaveLength(1);
    expect(h.lastStatus()).toMatchObject({ replicas: 1, readyReplicas: 1, availableReplicas: 1 });
  });
});

describe('ReplicaSet controller: deleting pods', () => {
  it('deletes surplus pods by rank: unassigned, pending, not ready, then newest ready', async () => {
    h = new Harness();
    await h.start();
    const rs = await h.addRS(replicaSet('web', 2));
    const old = t0 - 3_600_000;
    await h.addPods(
      pod('ready-old', { owner: rs, node: 'n1', readySince: old, created: old }),
      pod('ready-new', { owner: rs, node: 'n1', readySince: t0 - 10_000, created: t0 - 10_000 }),
      pod('not-ready', { owner: rs, node: 'n1', created: old }),
      pod('pending', { owner: rs, node: 'n1', phase: 'Pending', created: old }),
      pod('unassigned', { owner: rs, phase: 'Pending', created: old }),
    );
    await h.controller.reconcile('default/web');
    expect(h.client.verbs('deletePod').map((c) => c.name)).toEqual([
      'unassigned',
      'pending',
      'not-ready',
    ]);
    expect(h.ctx.events.reasons).toEqual([
      'SuccessfulDelete',
      'SuccessfulDelete',
      'SuccessfulDelete',
    ]);
    expect(h.ctx.events.events[0]?.message).toBe('Deleted pod: unassigned');

    // Down to one: the pod that became ready most recently goes.
    h.rss.lw.upsert({
      ...h.rss.informer.indexer.get('default/web')!,
      spec: { ...rs.spec!, replicas: 1 },
    });
    await h.settle();
    await h.controller.reconcile('default/web');
    expect(h.client.verbs('deletePod').at(-1)?.name).toBe('ready-new');
    await h.settle();
    expect(h.podsOf(rs).map((p) => p.metadata.name)).toEqual(['ready-old']);
  });

  it('deletes nothing more until the deletions it asked for are observed', async () => {
    h = new Harness(false);
    await h.start();
    const rs = await h.addRS(replicaSet('web', 1));
    await h.addPods(
      pod('a', { owner: rs, readySince: t0 - 3_600_000 }),
      pod('b', { owner: rs }),
      pod('c', { owner: rs }),
    );
    await h.controller.reconcile('default/web');
    expect(h.client.verbs('deletePod')).toHaveLength(2);
    await h.controller.reconcile('default/web');
    expect(h.client.verbs('deletePod')).toHaveLength(2);
    // A graceful deletion shows as a deletionTimestamp: that counts as observed.
    for (const name of ['b', 'c']) {
      const p = h.pods.informer.indexer.get(`default/${name}`)!;
      h.pods.lw.upsert({ ...p, metadata: { ...p.metadata, deletionTimestamp: formatTime(t0) } });
    }
    await h.settle();
    expect(h.controller.expectations.satisfied('default/web')).toBe(true);
    await h.controller.reconcile('default/web');
    expect(h.client.verbs('deletePod')).toHaveLength(2);
    expect(h.lastStatus()).toMatchObject({ replicas: 1, readyReplicas: 1 });
  });

  it('a pod already gone is not an error, and stops being expected', async () => {
    h = new Harness(false);
    await h.start();
    const rs = await h.addRS(replicaSet('web', 0));
    await h.addPods(pod('a', { owner: rs }));
    h.client.failDelete = (name) => conflictError(name);
    await h.controller.reconcile('default/web');
    expect(h.controller.expectations.satisfied('default/web')).toBe(true);
    expect(h.ctx.events.reasons).toEqual([]);
  });
});

describe('ReplicaSet controller: ownership', () => {
  it('adopts matching orphans, releases owned pods that stopped matching, ignores others', async () => {
    h = new Harness(false);
    await h.start();
    const rs = await h.addRS(replicaSet('web', 2));
    const other = replicaSet('other', 1, { labels: { app: 'web' } });
    await h.addPods(
      pod('orphan', { labels: { app: 'web' } }),
      pod('owned', { owner: rs }),
      pod('strayed', { owner: rs, labels: { app: 'debug' } }),
      pod('foreign', { owner: other }),
      pod('orphan-unrelated', { labels: { app: 'db' } }),
      pod('orphan-deleting', { labels: { app: 'web' }, deleting: true }),
      pod('orphan-done', { labels: { app: 'web' }, phase: 'Succeeded' }),
    );
    await h.controller.reconcile('default/web');
    const patches = h.client.verbs('patchPod');
    expect(patches.map((c) => c.name).sort()).toEqual(['orphan', 'strayed']);
    const adopt = patches.find((c) => c.name === 'orphan')?.body as {
      metadata: { ownerReferences: unknown[] };
    };
    expect(adopt.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'ReplicaSet', uid: rs.metadata.uid, controller: true }),
    ]);
    const release = patches.find((c) => c.name === 'strayed')?.body;
    expect(release).toMatchObject({
      metadata: { ownerReferences: [{ $patch: 'delete', uid: rs.metadata.uid }] },
    });
    // Adoption re-read the RS from the server first.
    expect(h.client.verbs('getReplicaSet')).toHaveLength(1);
    // Owned + adopted = 2 = replicas: nothing to create.
    expect(h.client.verbs('createPod')).toHaveLength(0);
    expect(h.lastStatus()?.replicas).toBe(2);
  });

  it('does not adopt when the RS was replaced by a new one of the same name', async () => {
    h = new Harness(false);
    await h.start();
    const rs = await h.addRS(replicaSet('web', 1));
    h.client.replicaSets.set('default/web', { ...rs, metadata: { ...rs.metadata, uid: 'new' } });
    await h.addPods(pod('orphan', { labels: { app: 'web' } }));
    await expect(h.controller.reconcile('default/web')).rejects.toThrow(/original ReplicaSet/);
    expect(h.client.verbs('patchPod')).toHaveLength(0);
    expect(h.client.verbs('createPod')).toHaveLength(0);
  });

  it('an RS being deleted neither adopts nor creates', async () => {
    h = new Harness(false);
    await h.start();
    const rs = replicaSet('web', 3);
    rs.metadata.deletionTimestamp = formatTime(t0);
    await h.addRS(rs);
    await h.addPods(pod('orphan', { labels: { app: 'web' } }));
    await h.controller.reconcile('default/web');
    expect(h.client.verbs('patchPod')).toHaveLength(0);
    expect(h.client.verbs('createPod')).toHaveLength(0);
  });

  it('queues the RS when an orphan that matches appears, and its owner when an owned pod changes', async () => {
    h = new Harness(false);
    await h.start();
    const rs = await h.addRS(replicaSet('web', 1));
    await h.controller.reconcile('default/web');
    const key = await h.controller.queue.get();
    expect(key).toBe('default/web');
    h.controller.queue.done('default/web');
    await h.addPods(pod('orphan', { labels: { app: 'web' } }));
    expect(h.controller.queue.len).toBe(1);
    expect(await h.controller.queue.get()).toBe('default/web');
    h.controller.queue.done('default/web');
    await h.addPods(pod('unrelated', { labels: { app: 'db' } }));
    expect(h.controller.queue.len).toBe(0);
    await h.addPods(pod('mine', { owner: rs }));
    expect(h.controller.queue.len).toBe(1);
  });
});

describe('ReplicaSet controller: status', () => {
  it('counts ready and available (after minReadySeconds) pods and re-checks when they will be', async () => {
    h = new Harness();
    await h.start();
    const rs = await h.addRS(replicaSet('web', 3, { minReadySeconds: 30, generation: 4 }));
    await h.addPods(
      pod('a', { owner: rs, readySince: t0 - 60_000 }),
      pod('b', { owner: rs, readySince: t0 - 5_000 }),
      pod('c', { owner: rs, readySince: t0 - 5_000, labels: { app: 'web', extra: 'x' } }),
    );
    // Drain what the events queued so the queue shows only what reconcile adds.
    while (h.controller.queue.len > 0) h.controller.queue.done((await h.controller.queue.get())!);
    await h.controller.reconcile('default/web');
    expect(h.lastStatus()).toEqual({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 1,
      observedGeneration: 4,
    });
    // All ready, not all available: the RS is looked at again after minReadySeconds.
    await h.settle();
    while (h.controller.queue.len > 0) h.controller.queue.done((await h.controller.queue.get())!);
    h.clock.advance(29_000);
    await new Promise((r) => setImmediate(r));
    expect(h.controller.queue.len).toBe(0);
    h.clock.advance(1_000);
    await new Promise((r) => setImmediate(r));
    expect(h.controller.queue.len).toBe(1);
    await h.settle();
    await h.controller.reconcile('default/web');
    expect(h.lastStatus()).toMatchObject({ readyReplicas: 3, availableReplicas: 3 });
  });

  it('writes nothing when the status is already right', async () => {
    h = new Harness();
    await h.start();
    await h.addRS(replicaSet('web', 0));
    await h.controller.reconcile('default/web');
    await h.settle();
    const writes = h.client.verbs('updateReplicaSetStatus').length;
    await h.controller.reconcile('default/web');
    expect(h.client.verbs('updateReplicaSetStatus')).toHaveLength(writes);
  });

  it('retries a status write that conflicted once, on a fresh read', async () => {
    h = new Harness(false);
    await h.start();
    await h.addRS(replicaSet('web', 0, { generation: 2 }));
    let first = true;
    h.client.failStatus = (rs) => {
      if (!first) return undefined;
      first = false;
      return conflictError(rs.metadata.name);
    };
    await h.controller.reconcile('default/web');
    expect(h.client.verbs().map((c) => c.verb)).toEqual([
      'updateReplicaSetStatus',
      'getReplicaSet',
      'updateReplicaSetStatus',
    ]);
    expect(h.lastStatus()).toEqual({ replicas: 0, observedGeneration: 2 });
  });

  it('a deleted RS drops its expectations and does nothing', async () => {
    h = new Harness(false);
    await h.start();
    h.controller.expectations.expectCreations('default/gone', 2);
    await h.controller.reconcile('default/gone');
    expect(h.client.calls).toEqual([]);
    expect(h.controller.expectations.pending('default/gone')).toEqual({ add: 0, del: 0 });
  });
});
