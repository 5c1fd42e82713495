import { afterEach, describe, expect, it } from 'vitest';
import { newInternalError } from '../../api/errors.js';
import type { KubeObject } from '../../api/meta.js';
import type { Namespace, NamespaceCondition, Pod } from '../../api/types/index.js';
import {
  drain,
  memoryHarness,
  res,
  type MemoryHarness,
} from '../../../test/controllers/memory-harness.js';
import { NamespaceController } from './index.js';

const namespaces = res('namespaces');
const pods = res('pods');
const configmaps = res('configmaps');
const deployments = res('deployments', 'apps');

const cm = (ns: string, name: string, finalizers?: string[]): KubeObject =>
  ({
    metadata: { name, namespace: ns, ...(finalizers ? { finalizers } : {}) },
    data: { k: 'v' },
  }) as KubeObject;

function pod(ns: string, name: string, node?: string): Pod {
  return {
    metadata: { name, namespace: ns },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(node ? { nodeName: node } : {}) },
    status: { phase: 'Running' },
  };
}

const conditions = (h: MemoryHarness, name: string): Record<string, NamespaceCondition> =>
  Object.fromEntries(
    (h.api.get<Namespace>(namespaces, undefined, name)?.status?.conditions ?? []).map((c) => [
      c.type,
      c,
    ]),
  );

async function deleteNamespace(h: MemoryHarness, name: string): Promise<void> {
  await h.api.resource(namespaces).delete(name);
  await h.settle();
  h.api.calls.length = 0;
}

describe('namespace controller', () => {
  let h: MemoryHarness;
  afterEach(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('deletes everything in a terminating namespace, waits for graceful pods, then finalizes it', async () => {
    h = memoryHarness();
    h.api.seed(namespaces, { metadata: { name: 'team' } });
    h.api.seed(namespaces, { metadata: { name: 'other' } });
    h.api.seed(configmaps, cm('team', 'a'));
    h.api.seed(configmaps, cm('team', 'b'));
    h.api.seed(configmaps, cm('other', 'keep'));
    h.api.seed(pods, pod('team', 'pending'));
    h.api.seed(pods, pod('team', 'bound', 'n1'));
    h.api.seed(deployments, { metadata: { name: 'web', namespace: 'team' } } as KubeObject);
    const c = new NamespaceController(h.ctx);
    await h.start();

    await c.reconcile('team'); // not being deleted: nothing
    expect(h.api.calls).toEqual([]);
    await drain(c.queue);

    await deleteNamespace(h, 'team');
    expect(h.api.get<Namespace>(namespaces, undefined, 'team')?.status?.phase).toBe('Terminating');
    expect(await drain(c.queue)).toEqual(['team']);
    await c.reconcile('team');

    const collections = h.api.writes.filter((w) => w.method === 'DELETE');
    expect(collections.map((w) => w.resource).sort()).toEqual([
      'configmaps',
      'deployments',
      'pods',
    ]);
    expect(collections.every((w) => w.namespace === 'team' && w.name === undefined)).toBe(true);
    expect(h.api.list(configmaps).map((o) => o.metadata.name)).toEqual(['keep']);
    expect(h.api.list(deployments)).toEqual([]);
    // The bound pod is Terminating, waiting for its agent; the unbound one is gone.
    expect(h.api.list(pods, 'team').map((p) => p.metadata.name)).toEqual(['bound']);
    expect(conditions(h, 'team')).toMatchObject({
      NamespaceContentRemaining: {
        status: 'True',
        reason: 'SomeResourcesRemain',
        message: 'Some resources are remaining: pods has 1 resource instances',
      },
      NamespaceDeletionContentFailure: { status: 'False' },
      NamespaceFinalizersRemaining: { status: 'False' },
    });
    expect(h.api.get(namespaces, undefined, 'team')).toBeDefined();

    // Re-checked when graceful deletion should be about over: 30 s / 2 + 1 s.
    await h.settle();
    await drain(c.queue);
    h.clock.advance(15_999);
    await h.settle();
    expect(await drain(c.queue)).toEqual([]);
    h.clock.advance(1);
    await h.settle();
    expect(await drain(c.queue)).toEqual(['team']);

    // The agent finishes the pod: its delete event wakes the namespace, which is finalized.
    h.api.remove(pods, 'team', 'bound');
    await h.settle();
    expect(await drain(c.queue)).toEqual(['team']);
    h.api.calls.length = 0;
    await c.reconcile('team');
    const finalize = h.api.writes.find((w) => w.subresource === 'finalize');
    expect(finalize).toMatchObject({
      method: 'PUT',
      name: 'team',
      body: { spec: { finalizers: [] } },
    });
    expect(h.api.get(namespaces, undefined, 'team')).toBeUndefined();
    expect(h.api.get(namespaces, undefined, 'other')).toBeDefined();
  });

  it('reports content held by finalizers and backs off while it stays', async () => {
    h = memoryHarness();
    h.api.seed(namespaces, { metadata: { name: 'team' } });
    h.api.seed(configmaps, cm('team', 'held', ['example.com/hold']));
    const c = new NamespaceController(h.ctx);
    await h.start();
    await deleteNamespace(h, 'team');
    await drain(c.queue);

    await c.reconcile('team');
    expect(conditions(h, 'team')['NamespaceFinalizersRemaining']).toMatchObject({
      status: 'True',
      message:
        'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    });
    h.clock.advance(1_000);
    await h.settle();
    expect(await drain(c.queue)).toEqual(['team']);
    await c.reconcile('team');
    h.clock.advance(1_999);
    await h.settle();
    expect(await drain(c.queue)).toEqual([]);
    h.clock.advance(1);
    await h.settle();
    expect(await drain(c.queue)).toEqual(['team']);
    // Conditions unchanged: no second status write.
    expect(h.api.writes.filter((w) => w.subresource === 'status')).toHaveLength(1);
  });

  it('records a failed deletion in the conditions and throws to be retried', async () => {
    h = memoryHarness();
    h.api.seed(namespaces, { metadata: { name: 'team' } });
    h.api.seed(configmaps, cm('team', 'a'));
    const c = new NamespaceController(h.ctx);
    await h.start();
    await deleteNamespace(h, 'team');
    h.api.failNext(
      (call) => call.method === 'DELETE' && call.resource === 'configmaps',
      newInternalError(new Error('etcd hiccup')),
    );
    await expect(c.reconcile('team')).rejects.toThrow(/configmaps/);
    expect(conditions(h, 'team')['NamespaceDeletionContentFailure']).toMatchObject({
      status: 'True',
      reason: 'ContentDeletionFailed',
    });
    await h.settle();
    await c.reconcile('team');
    expect(h.api.get(namespaces, undefined, 'team')).toBeUndefined();
  });
});
