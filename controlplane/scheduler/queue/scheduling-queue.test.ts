import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib/time.js';
import type { ClusterEvent } from '../framework/index.js';
import { makePod } from '../testing.js';
import { SchedulingQueue } from './scheduling-queue.js';

const events = new Map<string, ClusterEvent[]>([
  ['NodeResourcesFit', ['NodeAdd', 'NodeUpdate', 'PodDelete']],
  ['NodeAffinity', ['NodeAdd', 'NodeUpdate']],
]);

let ac = new AbortController();
afterEach(() => {
  ac.abort();
  ac = new AbortController();
});

function setup() {
  const clock = new FakeClock();
  const q = new SchedulingQueue({ clock, pluginEvents: events });
  return { clock, q };
}

async function popOne(q: SchedulingQueue) {
  const qp = await q.pop(ac.signal);
  if (!qp) throw new Error('queue closed');
  return qp;
}

describe('SchedulingQueue', () => {
  it('pops higher priority first, then first come', async () => {
    const { q, clock } = setup();
    q.add(makePod('low', { spec: { priority: 0 } }));
    clock.advance(1);
    q.add(makePod('first', { spec: { priority: 10 } }));
    clock.advance(1);
    q.add(makePod('second', { spec: { priority: 10 } }));
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await popOne(q)).pod.metadata.name);
    expect(order).toEqual(['first', 'second', 'low']);
    expect(q.schedulingCycle).toBe(3);
  });

  it('makes pop wait for a pod, and resolves undefined on abort', async () => {
    const { q } = setup();
    const waiting = q.pop(ac.signal);
    q.add(makePod('p'));
    expect((await waiting)?.pod.metadata.name).toBe('p');
    const other = new AbortController();
    const aborted = q.pop(other.signal);
    other.abort();
    expect(await aborted).toBeUndefined();
  });

  it('parks an unschedulable pod until an event that can help it, then backs off', async () => {
    const { q, clock } = setup();
    q.add(makePod('p'));
    const qp = await popOne(q);
    expect(q.where('default/p')).toBe('inFlight');
    expect(q.requeue(qp, 'unschedulable', new Set(['NodeResourcesFit']))).toBe('unschedulable');
    q.flush();
    expect(q.where('default/p')).toBe('unschedulable');
    expect(q.moveAll('NodeAdd')).toBe(1);
    expect(q.where('default/p')).toBe('backoff');
    clock.advance(999);
    q.flush();
    expect(q.where('default/p')).toBe('backoff');
    clock.advance(1);
    q.flush();
    expect(q.where('default/p')).toBe('active');
    expect((await popOne(q)).attempts).toBe(2);
  });

  it('moves only pods an event can help', async () => {
    const { q } = setup();
    q.add(makePod('affinity'));
    q.add(makePod('resources'));
    q.add(makePod('error'));
    const a = await popOne(q);
    const r = await popOne(q);
    const e = await popOne(q);
    q.requeue(a, 'unschedulable', new Set(['NodeAffinity']));
    q.requeue(r, 'unschedulable', new Set(['NodeResourcesFit']));
    expect(q.requeue(e, 'error')).toBe('backoff');
    expect(q.moveAll('PodDelete')).toBe(1);
    expect(q.where('default/affinity')).toBe('unschedulable');
    expect(q.where('default/resources')).toBe('backoff');
    expect(q.moveAll('NodeUpdate')).toBe(1);
    expect(q.where('default/affinity')).toBe('backoff');
  });

  it('doubles the backoff per attempt from 1 s up to 10 s', () => {
    const { q } = setup();
    const qp = {
      pod: makePod('p'),
      key: 'default/p',
      attempts: 0,
      cycle: 0,
      timestamp: 0,
      enqueued: 0,
      unschedulablePlugins: new Set<string>(),
    };
    const got = [1, 2, 3, 4, 5, 6].map((attempts) => q.backoffExpiry({ ...qp, attempts }));
    expect(got).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('sends a failure to backoff when an event arrived during the attempt', async () => {
    const { q } = setup();
    q.add(makePod('p'));
    const qp = await popOne(q);
    q.moveAll('NodeAdd');
    expect(q.requeue(qp, 'unschedulable', new Set(['NodeResourcesFit']))).toBe('backoff');
  });

  it('sends a failure to backoff when the pod changed during the attempt, not for status-only changes', async () => {
    const { q } = setup();
    const pod = makePod('p');
    q.add(pod);
    let qp = await popOne(q);
    const statusOnly = {
      ...structuredClone(pod),
      status: { phase: 'Pending' as const, conditions: [] },
    };
    statusOnly.metadata.resourceVersion = '999';
    q.update(pod, statusOnly);
    expect(q.requeue(qp, 'unschedulable', new Set(['NodeAffinity']))).toBe('unschedulable');
    const relabelled = structuredClone(statusOnly);
    relabelled.metadata.labels = { x: 'y' };
    // A spec or label change retries a parked pod.
    q.update(statusOnly, relabelled);
    expect(q.where('default/p')).toBe('backoff');
    expect(q.lengths()).toMatchObject({ backoff: 1, unschedulable: 0 });
    q.flush();
    q.delete(relabelled);
    expect(q.where('default/p')).toBeUndefined();
    q.add(relabelled);
    qp = await popOne(q);
    const changed = structuredClone(relabelled);
    changed.spec!.nodeSelector = { a: 'b' };
    q.update(relabelled, changed);
    expect(qp.pod).toBe(changed);
    expect(q.requeue(qp, 'unschedulable', new Set(['NodeAffinity']))).toBe('backoff');
  });

  it('drops a pod deleted during its attempt', async () => {
    const { q } = setup();
    const pod = makePod('p');
    q.add(pod);
    const qp = await popOne(q);
    q.delete(pod);
    expect(q.requeue(qp, 'unschedulable')).toBe('dropped');
    expect(q.where('default/p')).toBeUndefined();
  });

  it('ignores the delete of an older pod with the same name', () => {
    const { q } = setup();
    q.add(makePod('p'));
    q.delete(makePod('p'));
    expect(q.where('default/p')).toBe('active');
  });

  it('treats adding a known pod as an update', () => {
    const { q } = setup();
    const pod = makePod('p');
    q.add(pod);
    q.add(pod);
    expect(q.lengths().active).toBe(1);
  });

  it('run wakes on the injected clock when a backoff ends, without polling', async () => {
    const { q, clock } = setup();
    const running = q.run(ac.signal);
    q.add(makePod('p'));
    const qp = await popOne(q);
    q.requeue(qp, 'error');
    await Promise.resolve();
    expect(q.where('default/p')).toBe('backoff');
    const next = q.pop(ac.signal);
    clock.advance(1000);
    expect((await next)?.pod.metadata.name).toBe('p');
    ac.abort();
    await running;
    expect(await q.pop(new AbortController().signal)).toBeUndefined();
  });

  it('retries a pod parked longer than maxUnschedulableMs', async () => {
    const clock = new FakeClock();
    const q = new SchedulingQueue({ clock, pluginEvents: events, maxUnschedulableMs: 60_000 });
    const running = q.run(ac.signal);
    q.add(makePod('p'));
    q.requeue(await popOne(q), 'unschedulable', new Set(['NodeAffinity']));
    const next = q.pop(ac.signal);
    clock.advance(60_000);
    expect((await next)?.attempts).toBe(2);
    ac.abort();
    await running;
  });
});
