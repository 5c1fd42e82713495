import { afterEach, describe, expect, it } from 'vitest';
import type { Node, Pod, PodPhase } from '../../api/types/index.js';
import {
  memoryHarness,
  res,
  type MemoryHarness,
} from '../../../test/controllers/memory-harness.js';
import { PodGcController, TerminatedPodsKey } from './index.js';

const pods = res('pods');
const nodes = res('nodes');

function pod(name: string, opts: { node?: string; phase?: PodPhase; created?: string } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      ...(opts.created ? { creationTimestamp: opts.created } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'busybox' }],
      ...(opts.node ? { nodeName: opts.node } : {}),
    },
    status: { phase: opts.phase ?? 'Running' },
  };
}

const node = (name: string): Node => ({ metadata: { name } });

describe('pod GC', () => {
  let h: MemoryHarness;
  afterEach(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('deletes the oldest terminated pods over the threshold, force and with a uid precondition', async () => {
    h = memoryHarness({ terminatedPodGcThreshold: 2 });
    h.api.seed(nodes, node('n1'));
    const old = h.api.seed(
      pods,
      pod('old', { node: 'n1', phase: 'Succeeded', created: '2024-01-01T00:00:00Z' }),
    );
    h.api.seed(pods, pod('mid', { node: 'n1', phase: 'Failed', created: '2024-01-02T00:00:00Z' }));
    h.api.seed(
      pods,
      pod('new', { node: 'n1', phase: 'Succeeded', created: '2024-01-04T00:00:00Z' }),
    );
    h.api.seed(
      pods,
      pod('newer', { node: 'n1', phase: 'Failed', created: '2024-01-05T00:00:00Z' }),
    );
    h.api.seed(pods, pod('running', { node: 'n1', created: '2023-01-01T00:00:00Z' }));
    const c = new PodGcController(h.ctx);
    await h.start();
    expect(c.queue.len).toBe(1); // the sweep was queued by the terminated pods' adds

    await c.reconcile(TerminatedPodsKey);
    const deletes = h.api.writes.filter((w) => w.method === 'DELETE');
    expect(deletes.map((d) => d.name).sort()).toEqual(['mid', 'old']);
    expect(deletes.find((d) => d.name === 'old')?.body).toMatchObject({
      gracePeriodSeconds: 0,
      preconditions: { uid: old.metadata.uid },
    });
    expect(
      h.api
        .list(pods)
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(['new', 'newer', 'running']);

    // At the threshold now: a second sweep deletes nothing.
    await h.settle();
    await c.reconcile(TerminatedPodsKey);
    expect(h.api.writes.filter((w) => w.method === 'DELETE')).toHaveLength(2);
  });

  it('does not sweep terminated pods when the threshold is 0', async () => {
    h = memoryHarness({ terminatedPodGcThreshold: 0 });
    h.api.seed(pods, pod('done', { phase: 'Succeeded' }));
    const c = new PodGcController(h.ctx);
    await h.start();
    await c.reconcile(TerminatedPodsKey);
    expect(h.api.writes).toEqual([]);
  });

  it('force-deletes pods bound to a node that no longer exists, after a live check', async () => {
    h = memoryHarness();
    h.api.seed(nodes, node('alive'));
    h.api.seed(pods, pod('on-alive', { node: 'alive' }));
    h.api.seed(pods, pod('orphan', { node: 'gone' }));
    h.api.seed(pods, pod('on-late', { node: 'late' }));
    const c = new PodGcController(h.ctx);
    await h.start();

    await c.reconcile('default/on-alive');
    expect(h.api.calls).toEqual([]);

    await c.reconcile('default/orphan');
    expect(h.api.calls.map((x) => `${x.method} ${x.resource}/${x.name}`)).toEqual([
      'GET nodes/gone',
      'DELETE pods/orphan',
    ]);
    expect(h.api.get(pods, 'default', 'orphan')).toBeUndefined();

    // A node the API server has but the cache has not seen yet: the live GET finds it.
    h.api.seed(nodes, node('late'));
    await c.reconcile('default/on-late');
    expect(h.api.get(pods, 'default', 'on-late')).toBeDefined();
  });

  it('queues the pods of a node when the node is deleted', async () => {
    h = memoryHarness({ terminatedPodGcThreshold: 0 });
    h.api.seed(nodes, node('n1'));
    h.api.seed(pods, pod('a', { node: 'n1' }));
    h.api.seed(pods, pod('b', { node: 'n1' }));
    const c = new PodGcController(h.ctx);
    await h.start();
    expect(c.queue.len).toBe(0);
    h.api.remove(nodes, undefined, 'n1');
    await h.settle();
    expect(c.queue.len).toBe(2);
    await c.reconcile('default/a');
    await c.reconcile('default/b');
    expect(h.api.list(pods)).toEqual([]);
  });

  it('force-deletes an unscheduled pod that is terminating', async () => {
    h = memoryHarness();
    const p = pod('stuck');
    p.metadata!.finalizers = ['example.com/hold'];
    p.metadata!.deletionTimestamp = '2024-01-01T00:00:00Z';
    h.api.seed(pods, p);
    h.api.seed(pods, pod('pending'));
    const c = new PodGcController(h.ctx);
    await h.start();
    await c.reconcile('default/pending');
    expect(h.api.writes).toEqual([]);
    await c.reconcile('default/stuck');
    expect(h.api.writes).toMatchObject([
      { method: 'DELETE', name: 'stuck', body: { gracePeriodSeconds: 0 } },
    ]);
  });
});
