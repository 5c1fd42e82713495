import { afterEach, describe, expect, it } from 'vitest';
import { newInternalError } from '../api/errors.js';
import type { StoredNode, StoredPod } from '../api/types/index.js';
import { FakeEventRecorder } from '../client/index.js';
import { FakeClock } from '../../lib/time.js';
import { CPU } from './cache/index.js';
import { Scheduler } from './scheduler.js';
import { bound, FakeInformer, makeNode, makePod, RecordingSchedulerClient } from './testing.js';

let ac = new AbortController();
afterEach(() => {
  ac.abort();
  ac = new AbortController();
});

function setup(nodes: StoredNode[] = [makeNode('n1'), makeNode('n2'), makeNode('n3')]) {
  const clock = new FakeClock();
  const pods = new FakeInformer<StoredPod>();
  const nodeInf = new FakeInformer<StoredNode>();
  for (const n of nodes) nodeInf.add(n);
  const client = new RecordingSchedulerClient();
  const recorder = new FakeEventRecorder();
  let seed = 0;
  const sched = new Scheduler({
    pods,
    nodes: nodeInf,
    client,
    recorder,
    clock,
    // Deterministic tie-breaks: a fixed sequence.
    random: () => (seed = (seed * 7 + 3) % 10) / 10,
  });
  /** runUntilIdle schedules every active pod and waits for the bindings. */
  const runUntilIdle = async (): Promise<void> => {
    while (sched.queue.lengths().active > 0) await sched.scheduleOne(ac.signal);
    await sched.settle();
  };
  return { clock, pods, nodes: nodeInf, client, recorder, sched, runUntilIdle };
}

describe('Scheduler', () => {
  it('binds pods, spreading the replicas of one owner across nodes', async () => {
    const t = setup();
    for (let i = 0; i < 6; i++) t.pods.add(makePod(`web-${i}`, { owner: 'rs-1' }));
    await t.runUntilIdle();
    expect(t.client.bindings).toHaveLength(6);
    const perNode = new Map<string, number>();
    for (const b of t.client.bindings) perNode.set(b.node, (perNode.get(b.node) ?? 0) + 1);
    expect([...perNode.values()]).toEqual([2, 2, 2]);
    expect(t.recorder.reasons).toEqual(Array(6).fill('Scheduled'));
    const first = t.client.bindings[0]!;
    expect(t.recorder.events[0]?.message).toBe(
      `Successfully assigned default/${first.pod} to ${first.node}`,
    );
    expect(t.recorder.events[0]?.subject).toMatchObject({ kind: 'Pod', apiVersion: 'v1' });
    expect(await t.sched.metrics.attemptCount('scheduled')).toBe(6);
  });

  it('counts assumed pods before their bindings complete', async () => {
    const t = setup([
      makeNode('a', { allocatable: { cpu: '4', memory: '8Gi', pods: '10' } }),
      makeNode('b', { allocatable: { cpu: '4', memory: '8Gi', pods: '10' } }),
    ]);
    t.client.holdBindings = true;
    t.pods.add(makePod('p1', { requests: { cpu: '3' } }));
    t.pods.add(makePod('p2', { requests: { cpu: '3' } }));
    await t.sched.scheduleOne(ac.signal);
    await t.sched.scheduleOne(ac.signal);
    const nodes = t.client.bindings.map((b) => b.node).sort();
    expect(nodes).toEqual(['a', 'b']);
    t.client.release();
    await t.sched.settle();
    expect(t.recorder.reasons).toEqual(['Scheduled', 'Scheduled']);
  });

  it('marks an unfit pod unschedulable with the exact message, then binds it when a big node appears', async () => {
    const t = setup([
      makeNode('n1'),
      makeNode('n2'),
      makeNode('n3', {
        spec: { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] },
      }),
    ]);
    const pod = makePod('big', { requests: { cpu: '6' } });
    t.pods.add(pod);
    await t.runUntilIdle();
    const msg =
      '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, 2 Insufficient cpu.';
    expect(t.client.bindings).toEqual([]);
    expect(t.client.conditions).toEqual([
      {
        pod: 'big',
        condition: expect.objectContaining({
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: msg,
        }),
      },
    ]);
    expect(t.recorder.events).toMatchObject([
      { type: 'Warning', reason: 'FailedScheduling', message: msg },
    ]);
    expect(t.sched.queue.where('default/big')).toBe('unschedulable');
    expect(await t.sched.metrics.attemptCount('unschedulable')).toBe(1);

    // Nothing retries it on its own (no polling) …
    t.clock.advance(30_000);
    t.sched.queue.flush();
    expect(t.sched.queue.where('default/big')).toBe('unschedulable');
    // … until a node that could help is added; then it backs off and binds.
    t.nodes.add(makeNode('n4', { allocatable: { cpu: '8', memory: '8Gi', pods: '110' } }));
    expect(t.sched.queue.where('default/big')).toBe('active');
    await t.runUntilIdle();
    expect(t.client.bindings).toEqual([{ pod: 'big', node: 'n4' }]);
  });

  it('does not rewrite an unchanged PodScheduled condition', async () => {
    const t = setup([makeNode('n1')]);
    const pod = makePod('big', { requests: { cpu: '6' } });
    t.pods.add(pod);
    await t.runUntilIdle();
    const cond = t.client.conditions[0]!.condition;
    // The status write comes back through the informer; then a node update retries the pod.
    t.pods.add({ ...pod, status: { phase: 'Pending', conditions: [cond] } });
    t.nodes.add(makeNode('n1', { labels: { new: 'label' } }));
    t.clock.advance(2_000);
    t.sched.queue.flush();
    await t.runUntilIdle();
    expect(await t.sched.metrics.attemptCount('unschedulable')).toBe(2);
    expect(t.client.conditions).toHaveLength(1);
    expect(t.recorder.reasons).toEqual(['FailedScheduling', 'FailedScheduling']);
  });

  it('does not retry an unschedulable pod on events that cannot help it', async () => {
    const t = setup([makeNode('n1')]);
    t.pods.add(makePod('picky', { spec: { nodeSelector: { disk: 'ssd' } } }));
    const other = bound(makePod('other'), 'n1');
    t.pods.add(other);
    await t.runUntilIdle();
    t.pods.remove(other);
    expect(t.sched.queue.where('default/picky')).toBe('unschedulable');
    t.nodes.add(makeNode('n1', { labels: { disk: 'ssd' } }));
    expect(t.sched.queue.where('default/picky')).toBe('backoff');
  });

  it('forgets the assumed pod and backs off when a binding fails', async () => {
    const t = setup([makeNode('n1')]);
    t.client.failNextBind(newInternalError(new Error('etcd down')));
    t.pods.add(makePod('p', { requests: { cpu: '1' } }));
    await t.runUntilIdle();
    expect(t.sched.cache.nodeInfo('n1')?.requested.get(CPU)).toBe(0n);
    expect(t.sched.queue.where('default/p')).toBe('backoff');
    expect(t.recorder.events[0]).toMatchObject({ reason: 'FailedScheduling' });
    expect(t.recorder.events[0]?.message).toMatch(/^Binding rejected: /);
    expect(t.client.conditions[0]?.condition).toMatchObject({ reason: 'SchedulerError' });
    t.clock.advance(1_000);
    t.sched.queue.flush();
    await t.runUntilIdle();
    expect(t.client.bindings.map((b) => b.node)).toEqual(['n1', 'n1']);
    expect(t.recorder.reasons).toEqual(['FailedScheduling', 'Scheduled']);
  });

  it('drops a pod whose binding answers 409 (bound by someone else)', async () => {
    const t = setup([makeNode('n1')]);
    t.client.conflictOn.add('p');
    const pod = makePod('p', { requests: { cpu: '1' } });
    t.pods.add(pod);
    await t.runUntilIdle();
    expect(t.sched.queue.where('default/p')).toBeUndefined();
    expect(t.sched.cache.isAssumed(pod.metadata.uid)).toBe(false);
    expect(t.recorder.events).toEqual([]);
    // The other scheduler's binding arrives through the informer and is accounted.
    t.pods.add(bound(pod, 'n1'));
    expect(t.sched.cache.nodeInfo('n1')?.requested.get(CPU)).toBe(1000n);
  });

  it('confirms an assumed pod when the binding shows up in the informer', async () => {
    const t = setup([makeNode('n1')]);
    const pod = makePod('p', { requests: { cpu: '1' } });
    t.pods.add(pod);
    await t.runUntilIdle();
    expect(t.sched.cache.isAssumed(pod.metadata.uid)).toBe(true);
    t.pods.add(bound(pod, 'n1'));
    expect(t.sched.cache.isAssumed(pod.metadata.uid)).toBe(false);
    expect(t.sched.queue.where('default/p')).toBeUndefined();
    expect(t.sched.cache.nodeInfo('n1')?.podCount).toBe(1);
    // A finished pod frees its node.
    t.pods.add({ ...bound(pod, 'n1'), status: { phase: 'Succeeded' } });
    expect(t.sched.cache.nodeInfo('n1')?.podCount).toBe(0);
  });

  it('leaves bound pods, other schedulers’ pods and gated pods alone', async () => {
    const t = setup([makeNode('n1')]);
    t.pods.add(bound(makePod('already'), 'n1'));
    t.pods.add(makePod('custom', { spec: { schedulerName: 'my-scheduler' } }));
    const gated = makePod('gated', { spec: { schedulingGates: [{ name: 'wait' }] } });
    t.pods.add(gated);
    await t.runUntilIdle();
    expect(t.client.bindings).toEqual([]);
    const ungated = structuredClone(gated);
    ungated.spec!.schedulingGates = [];
    t.pods.add(ungated);
    await t.runUntilIdle();
    expect(t.client.bindings).toEqual([{ pod: 'gated', node: 'n1' }]);
  });

  it('says so when there are no nodes at all, and retries when one is added', async () => {
    const t = setup([]);
    t.pods.add(makePod('p'));
    await t.runUntilIdle();
    expect(t.recorder.events[0]?.message).toBe('no nodes available to schedule pods');
    t.nodes.add(makeNode('n1'));
    expect(t.sched.queue.where('default/p')).toBe('backoff');
    t.clock.advance(1_000);
    t.sched.queue.flush();
    await t.runUntilIdle();
    expect(t.client.bindings).toEqual([{ pod: 'p', node: 'n1' }]);
  });

  it('run schedules until aborted and then settles', async () => {
    const t = setup();
    const running = t.sched.run(ac.signal);
    for (let i = 0; i < 5; i++) t.pods.add(makePod(`p${i}`));
    // Wait on the outcome, not on time: every pod's Scheduled event.
    while (t.recorder.reasons.length < 5) await new Promise((r) => setImmediate(r));
    ac.abort();
    await running;
    expect(t.client.bindings).toHaveLength(5);
  });
});
