import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib/time.js';
import { Expectations } from './expectations.js';
import { compareForDeletion, podsToDelete } from './ranking.js';
import { slowStartBatch } from './slow-start.js';
import { pod, t0 } from './testing.js';

const rank = (p: ReturnType<typeof pod>, colocated = 0) => ({ pod: p, colocated });
const first = (a: ReturnType<typeof pod>, b: ReturnType<typeof pod>) =>
  compareForDeletion(rank(a), rank(b), t0) < 0 && compareForDeletion(rank(b), rank(a), t0) > 0;
const hour = 3_600_000;

describe('scale-down ranking (ActivePodsWithRanks)', () => {
  it('orders each criterion as Kubernetes does', () => {
    const ready = (o = {}) =>
      pod('p', { node: 'n', readySince: t0 - hour, created: t0 - hour, ...o });
    // 1. unassigned before assigned
    expect(first(ready({ node: undefined }), ready())).toBe(true);
    // 2. Pending < Unknown < Running
    expect(first(ready({ phase: 'Pending' }), ready({ phase: 'Unknown' }))).toBe(true);
    expect(first(ready({ phase: 'Unknown' }), ready())).toBe(true);
    // 3. not ready before ready
    expect(first(ready({ readySince: undefined }), ready())).toBe(true);
    // 4. lower deletion cost first
    const cheap = ready();
    cheap.metadata.annotations = { 'controller.kubernetes.io/pod-deletion-cost': '-5' };
    expect(first(cheap, ready())).toBe(true);
    // 5. more colocated siblings first
    expect(compareForDeletion(rank(ready(), 3), rank(ready(), 1), t0)).toBeLessThan(0);
    // 6. ready more recently first (different power-of-two age buckets)
    expect(first(ready({ readySince: t0 - 10_000 }), ready({ readySince: t0 - hour }))).toBe(true);
    // 7. more restarts first
    expect(first(ready({ restarts: 4 }), ready({ restarts: 1 }))).toBe(true);
    // 8. newer first
    expect(first(ready({ created: t0 - 10_000 }), ready({ created: t0 - hour }))).toBe(true);
  });

  it('within one age bucket the uid decides, so the choice is stable', () => {
    const a = pod('a', { created: t0 - 1000, uid: 'aaa' });
    const b = pod('b', { created: t0 - 1001, uid: 'bbb' });
    expect(first(a, b)).toBe(true);
  });

  it('podsToDelete counts colocated active related pods per node', () => {
    const onBusy = pod('busy', { node: 'n1', readySince: t0 - hour });
    const onQuiet = pod('quiet', { node: 'n2', readySince: t0 - hour });
    const related = [onBusy, onQuiet, pod('s1', { node: 'n1' }), pod('s2', { node: 'n1' })];
    expect(podsToDelete([onQuiet, onBusy], related, 1, t0).map((p) => p.metadata.name)).toEqual([
      'busy',
    ]);
    expect(podsToDelete([onQuiet, onBusy], related, 5, t0)).toHaveLength(2);
  });
});

describe('slowStartBatch', () => {
  it('runs batches of 1, 2, 4 … and reports successes', async () => {
    const sizes: number[] = [];
    let inFlight = 0;
    const res = await slowStartBatch(10, 1, async () => {
      inFlight++;
      await Promise.resolve();
      sizes.push(inFlight);
      inFlight--;
    });
    expect(res).toEqual({ successes: 10 });
    expect(Math.max(...sizes)).toBe(4);
  });

  it('stops after the batch with the first failure', async () => {
    let calls = 0;
    const res = await slowStartBatch(20, 1, async () => {
      if (++calls === 2) throw new Error('nope');
    });
    expect(calls).toBe(3);
    expect(res.successes).toBe(2);
    expect((res.error as Error).message).toBe('nope');
  });
});

describe('Expectations', () => {
  it('tracks creations and only the deletions it asked for, and expires', () => {
    const clock = new FakeClock(t0);
    const e = new Expectations(clock);
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expectCreations('ns/rs', 2);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    e.deletionObserved('ns/rs', 'ns/other');
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/a');
    expect(e.pending('ns/rs')).toEqual({ add: 0, del: 1 });
    clock.advance(5 * 60_000);
    expect(e.satisfied('ns/rs')).toBe(false);
    clock.advance(1);
    expect(e.satisfied('ns/rs')).toBe(true);
  });
});
