import { afterEach, describe, expect, it } from 'vitest';
import type { Node, Pod, Taint, Toleration } from '../../api/types/index.js';
import {
  drain,
  memoryHarness,
  res,
  type MemoryHarness,
} from '../../../test/controllers/memory-harness.js';
import { TaintEvictionController } from './index.js';
import { rfc3339 } from './node-lifecycle.js';

const nodes = res('nodes');
const pods = res('pods');

const unreachable = (timeAdded?: number): Taint => ({
  key: 'node.kubernetes.io/unreachable',
  effect: 'NoExecute',
  ...(timeAdded !== undefined ? { timeAdded: rfc3339(timeAdded) } : {}),
});

const node = (name: string, taints: Taint[] = []): Node => ({
  metadata: { name },
  spec: { taints },
});

function pod(name: string, tolerations?: Toleration[], nodeName = 'n1'): Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName,
      containers: [{ name: 'c', image: 'busybox' }],
      ...(tolerations ? { tolerations } : {}),
    },
    status: { phase: 'Running' },
  };
}

const tolerateUnreachable = (seconds?: number): Toleration => ({
  key: 'node.kubernetes.io/unreachable',
  operator: 'Exists',
  effect: 'NoExecute',
  ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}),
});

const deleted = (h: MemoryHarness): string[] =>
  h.api.writes.filter((w) => w.method === 'DELETE').map((w) => w.name ?? '');

describe('taint eviction', () => {
  let h: MemoryHarness;
  afterEach(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('evicts at once a pod that does not tolerate a NoExecute taint', async () => {
    h = memoryHarness();
    h.api.seed(nodes, node('n1', [{ key: 'maintenance', effect: 'NoExecute' }]));
    const p = h.api.seed(pods, pod('web'));
    h.api.seed(pods, pod('tolerant', [{ key: 'maintenance', operator: 'Exists' }]));
    const c = new TaintEvictionController(h.ctx);
    await h.start();
    await c.reconcile('default/web');
    await c.reconcile('default/tolerant');
    expect(h.api.writes).toMatchObject([
      { method: 'DELETE', name: 'web', body: { preconditions: { uid: p.metadata.uid } } },
    ]);
    // A graceful delete: the pod is bound, so it is Terminating now.
    expect(h.api.get(pods, 'default', 'web')?.metadata.deletionTimestamp).toBeDefined();
    expect(h.events('taint-eviction-controller').events).toMatchObject([
      { reason: 'TaintManagerEviction', message: 'Marking for deletion Pod default/web' },
    ]);
  });

  it('evicts a pod when its tolerationSeconds have run out since the taint was added', async () => {
    h = memoryHarness();
    const t0 = h.clock.now();
    h.api.seed(nodes, node('n1', [unreachable(t0 - 10_000)]));
    h.api.seed(pods, pod('short', [tolerateUnreachable(60)]));
    h.api.seed(pods, pod('forever', [tolerateUnreachable()]));
    h.api.seed(pods, pod('zero', [tolerateUnreachable(0)]));
    const c = new TaintEvictionController(h.ctx);
    await h.start();
    expect(await drain(c.queue)).toEqual(['default/forever', 'default/short', 'default/zero']);
    for (const k of ['default/forever', 'default/short', 'default/zero']) await c.reconcile(k);
    expect(deleted(h)).toEqual(['zero']);

    h.clock.advance(49_999);
    await h.settle();
    expect(await drain(c.queue)).toEqual([]);
    h.clock.advance(1);
    await h.settle();
    expect(await drain(c.queue)).toEqual(['default/short']);
    await c.reconcile('default/short');
    expect(deleted(h)).toEqual(['zero', 'short']);
    await c.reconcile('default/forever');
    expect(deleted(h)).toEqual(['zero', 'short']);
  });

  it('gives pods without a not-ready/unreachable toleration the default eviction timeout', async () => {
    h = memoryHarness({ podEvictionTimeoutMs: 300_000 });
    const t0 = h.clock.now();
    h.api.seed(nodes, node('n1', [unreachable(t0)]));
    h.api.seed(pods, pod('plain'));
    const c = new TaintEvictionController(h.ctx);
    await h.start();
    await drain(c.queue);
    await c.reconcile('default/plain');
    expect(deleted(h)).toEqual([]);
    h.clock.advance(300_000);
    await h.settle();
    expect(await drain(c.queue)).toEqual(['default/plain']);
    await c.reconcile('default/plain');
    expect(deleted(h)).toEqual(['plain']);
  });

  it('does nothing at the deadline when the taint went away meanwhile', async () => {
    h = memoryHarness();
    const t0 = h.clock.now();
    h.api.seed(nodes, node('n1', [unreachable(t0)]));
    h.api.seed(pods, pod('p', [tolerateUnreachable(30)]));
    const c = new TaintEvictionController(h.ctx);
    await h.start();
    await drain(c.queue);
    await c.reconcile('default/p');

    h.api.put(nodes, node('n1'));
    await h.settle();
    expect(await drain(c.queue)).toEqual(['default/p']); // the taint change re-queues the node's pods
    h.clock.advance(30_000);
    await h.settle();
    expect(await drain(c.queue)).toEqual(['default/p']);
    await c.reconcile('default/p');
    expect(deleted(h)).toEqual([]);
  });

  it('times a taint without timeAdded from when it was first seen', async () => {
    h = memoryHarness();
    h.api.seed(nodes, node('n1', [unreachable()]));
    h.api.seed(pods, pod('p', [tolerateUnreachable(20)]));
    const c = new TaintEvictionController(h.ctx);
    await h.start();
    await c.reconcile('default/p');
    h.clock.advance(10_000);
    await c.reconcile('default/p');
    expect(deleted(h)).toEqual([]);
    h.clock.advance(10_000);
    await c.reconcile('default/p');
    expect(deleted(h)).toEqual(['p']);
  });

  it('leaves pods that are terminating, unbound, or on untainted nodes', async () => {
    h = memoryHarness();
    h.api.seed(nodes, node('n1', [{ key: 'x', effect: 'NoExecute' }]));
    h.api.seed(nodes, node('n2'));
    h.api.seed(pods, pod('on-n2', undefined, 'n2'));
    const unbound = pod('unbound');
    delete unbound.spec!.nodeName;
    h.api.seed(pods, unbound);
    const terminating = pod('terminating');
    terminating.metadata!.deletionTimestamp = rfc3339(h.clock.now() + 30_000);
    terminating.metadata!.deletionGracePeriodSeconds = 30;
    h.api.seed(pods, terminating);
    const c = new TaintEvictionController(h.ctx);
    await h.start();
    const keys = ['on-n2', 'unbound', 'terminating', 'missing'].map((n) => `default/${n}`);
    for (const k of keys) await c.reconcile(k);
    expect(h.api.calls).toEqual([]);
  });
});
