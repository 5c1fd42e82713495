import { afterEach, describe, expect, it } from 'vitest';
import type { Lease, Node, NodeCondition, Pod } from '../../api/types/index.js';
import {
  drain,
  memoryHarness,
  res,
  type MemoryHarness,
} from '../../../test/controllers/memory-harness.js';
import { NodeLifecycleController, reconcileTaints, tolerates } from './index.js';
import { rfc3339 } from './node-lifecycle.js';

const nodes = res('nodes');
const pods = res('pods');
const leases = res('leases', 'coordination.k8s.io');

const GRACE = 40_000;

function readyNode(name: string, now: number, status: NodeCondition['status'] = 'True'): Node {
  return {
    metadata: { name },
    spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] },
    status: {
      conditions: [
        { type: 'Ready', status, lastHeartbeatTime: rfc3339(now), reason: 'KubeletReady' },
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: rfc3339(now) },
      ],
    },
  };
}

const lease = (name: string, now: number): Lease => ({
  metadata: { name, namespace: 'kube-node-lease' },
  spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date(now).toISOString() },
});

function readyPod(name: string, node: string): Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'PodScheduled', status: 'True' },
      ],
    },
  };
}

const getNode = (h: MemoryHarness, name: string): Node => h.api.get<Node>(nodes, undefined, name)!;
const cond = (n: Node, type: string): NodeCondition | undefined =>
  n.status?.conditions?.find((c) => c.type === type);

describe('node lifecycle', () => {
  let h: MemoryHarness;
  afterEach(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('marks a node whose lease stops being renewed Unknown and taints it unreachable', async () => {
    h = memoryHarness({ nodeMonitorGracePeriodMs: GRACE });
    const t0 = h.clock.now();
    h.api.seed(nodes, readyNode('n1', t0));
    h.api.seed(leases, lease('n1', t0));
    const c = new NodeLifecycleController(h.ctx);
    await h.start();
    expect(await drain(c.queue)).toEqual(['n1']);

    await c.reconcile('n1');
    expect(h.api.writes).toEqual([]);

    // The agent renews after 30 s; the re-check due at 40 s finds it healthy.
    h.clock.advance(30_000);
    h.api.put(leases, lease('n1', h.clock.now()));
    await h.settle();
    expect(await drain(c.queue)).toEqual(['n1']);
    await c.reconcile('n1');
    h.clock.advance(10_000);
    await h.settle();
    expect(await drain(c.queue)).toEqual(['n1']);
    await c.reconcile('n1');
    expect(h.api.writes).toEqual([]);

    // No renewal since: the re-check queued for the lease's expiry finds it stale.
    h.clock.advance(29_999);
    await h.settle();
    expect(await drain(c.queue)).toEqual([]);
    h.clock.advance(1);
    await h.settle();
    expect(await drain(c.queue)).toEqual(['n1']);
    await c.reconcile('n1');

    const n = getNode(h, 'n1');
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      expect(cond(n, type)).toMatchObject({
        status: 'Unknown',
        reason:
          type === 'Ready' || type === 'MemoryPressure'
            ? 'NodeStatusUnknown'
            : 'NodeStatusNeverUpdated',
      });
    }
    expect(cond(n, 'Ready')).toMatchObject({
      message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: rfc3339(t0),
      lastTransitionTime: rfc3339(h.clock.now()),
    });
    expect(n.spec?.taints).toEqual([
      { key: 'dedicated', value: 'x', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
      {
        key: 'node.kubernetes.io/unreachable',
        effect: 'NoExecute',
        timeAdded: rfc3339(h.clock.now()),
      },
    ]);
    expect(
      h.api.writes.map((w) => `${w.method} ${w.resource}/${w.name}/${w.subresource ?? ''}`),
    ).toEqual(['PATCH nodes/n1/status', 'PATCH nodes/n1/']);
    expect(h.events('node-controller').events).toMatchObject([
      { reason: 'NodeNotReady', message: 'Node n1 status is now: NodeNotReady' },
    ]);

    // Level-triggered: a repeat changes nothing.
    await h.settle();
    await c.reconcile('n1');
    expect(h.api.writes).toHaveLength(2);

    // The agent comes back: Ready=True removes the taints, keeping the admin's.
    h.api.put(nodes, { ...getNode(h, 'n1'), status: readyNode('n1', h.clock.now()).status });
    h.api.put(leases, lease('n1', h.clock.now()));
    await h.settle();
    await c.reconcile('n1');
    expect(getNode(h, 'n1').spec?.taints).toEqual([
      { key: 'dedicated', value: 'x', effect: 'NoSchedule' },
    ]);
  });

  it('taints a node that reports Ready=False as not-ready, and marks its pods not ready', async () => {
    h = memoryHarness({ nodeMonitorGracePeriodMs: GRACE });
    const t0 = h.clock.now();
    h.api.seed(nodes, readyNode('n1', t0, 'False'));
    h.api.seed(leases, lease('n1', t0));
    h.api.seed(pods, readyPod('a', 'n1'));
    const notReady = readyPod('b', 'n1');
    notReady.status!.conditions![0]!.status = 'False';
    h.api.seed(pods, notReady);
    h.api.seed(pods, readyPod('elsewhere', 'n2'));
    const c = new NodeLifecycleController(h.ctx);
    await h.start();
    await c.reconcile('n1');

    const n = getNode(h, 'n1');
    expect(cond(n, 'Ready')?.status).toBe('False'); // fresh heartbeat: left as reported
    expect(n.spec?.taints?.filter((t) => t.key.startsWith('node.kubernetes.io/'))).toEqual([
      { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: rfc3339(t0) },
    ]);
    const a = h.api.get<Pod>(pods, 'default', 'a')!;
    expect(a.status?.conditions).toEqual([
      { type: 'Ready', status: 'False', lastTransitionTime: rfc3339(t0) },
      { type: 'PodScheduled', status: 'True' },
    ]);
    const podWrites = h.api.writes.filter((w) => w.resource === 'pods');
    expect(podWrites.map((w) => `${w.name}/${w.subresource}`)).toEqual(['a/status']);
    expect(h.events('node-controller').events).toMatchObject([
      {
        reason: 'NodeNotReady',
        message: 'Node is not ready',
        subject: { metadata: { name: 'a' } },
      },
    ]);
  });

  it('times a node that never reported from its creation', async () => {
    h = memoryHarness({ nodeMonitorGracePeriodMs: GRACE });
    h.api.seed(nodes, { metadata: { name: 'silent' } });
    const c = new NodeLifecycleController(h.ctx);
    await h.start();
    await c.reconcile('silent');
    expect(h.api.writes).toEqual([]);
    h.clock.advance(GRACE);
    await c.reconcile('silent');
    const n = getNode(h, 'silent');
    expect(cond(n, 'Ready')).toMatchObject({
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
      message: 'Kubelet never posted node status.',
    });
    expect(n.spec?.taints?.map((t) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/unreachable:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
    ]);
  });

  it('forgets a deleted node', async () => {
    h = memoryHarness({ nodeMonitorGracePeriodMs: GRACE });
    const c = new NodeLifecycleController(h.ctx);
    await h.start();
    await c.reconcile('never-was');
    expect(h.api.calls).toEqual([]);
  });
});

describe('taint helpers', () => {
  it('reconcileTaints keeps unmanaged taints and the timeAdded of kept ones', () => {
    const cur = [
      { key: 'a', effect: 'NoExecute' as const },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' as const, timeAdded: 'T0' },
      { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' as const },
    ];
    expect(
      reconcileTaints(cur, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }], 'T1'),
    ).toEqual(cur.slice(0, 2));
    expect(
      reconcileTaints(
        cur.slice(0, 2),
        [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }],
        'T1',
      ),
    ).toBeUndefined();
  });

  it('tolerates follows ToleratesTaint', () => {
    const taint = { key: 'k', value: 'v', effect: 'NoExecute' as const };
    expect(tolerates({ operator: 'Exists' }, taint)).toBe(true);
    expect(tolerates({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(true);
    expect(tolerates({ key: 'k', value: 'v' }, taint)).toBe(true);
    expect(tolerates({ key: 'k', operator: 'Equal', value: 'w' }, taint)).toBe(false);
    expect(tolerates({ key: 'k', operator: 'Exists', effect: 'NoSchedule' }, taint)).toBe(false);
    expect(tolerates({ key: 'other', operator: 'Exists' }, taint)).toBe(false);
  });
});
