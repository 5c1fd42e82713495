import { describe, expect, it } from 'vitest';
import { nopLogger } from '../../lib/log.js';
import { FakeClock } from '../../lib/time.js';
import type { SyncResult } from './pod-sync.js';
import { PodWorkers } from './pod-workers.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('PodWorkers', () => {
  it('serialises syncs of one UID and coalesces updates that arrive meanwhile', async () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    let active = 0;
    let maxActive = 0;
    const gates: ReturnType<typeof deferred>[] = [];
    const w = new PodWorkers({
      clock,
      logger: nopLogger,
      sync: async (uid) => {
        calls.push(uid);
        active++;
        maxActive = Math.max(maxActive, active);
        const g = deferred();
        gates.push(g);
        await g.promise;
        active--;
        return {};
      },
    });
    const ac = new AbortController();
    const running = w.run(ac.signal);
    w.update('a');
    w.update('b');
    await settle();
    expect(calls).toEqual(['a', 'b']); // different pods in parallel
    w.update('a');
    w.update('a');
    w.update('a');
    await settle();
    expect(calls).toEqual(['a', 'b']); // 'a' busy: nothing starts
    gates[0]!.resolve();
    await settle();
    expect(calls).toEqual(['a', 'b', 'a']); // three updates → one more sync
    gates[1]!.resolve();
    gates[2]!.resolve();
    await settle();
    expect(calls).toEqual(['a', 'b', 'a']);
    expect(maxActive).toBe(2);
    ac.abort();
    await running;
  });

  it('re-syncs after the requested delay, backs off after errors, and ends done workers', async () => {
    const clock = new FakeClock();
    const results: (SyncResult | Error)[] = [
      { requeueAfterMs: 10_000 },
      new Error('runtime down'),
      new Error('runtime down'),
      { done: true },
    ];
    const times: number[] = [];
    const start = clock.now();
    const w = new PodWorkers({
      clock,
      logger: nopLogger,
      errorBackoffInitialMs: 1000,
      sync: async () => {
        times.push(clock.now() - start);
        const r = results.shift() ?? {};
        if (r instanceof Error) throw r;
        return r;
      },
    });
    const ac = new AbortController();
    w.update('x'); // queued before run
    await settle();
    expect(times).toEqual([]);
    const running = w.run(ac.signal);
    await settle();
    expect(times).toEqual([0]);
    clock.advance(9_999);
    await settle();
    expect(times).toEqual([0]);
    clock.advance(1);
    await settle();
    expect(times).toEqual([0, 10_000]); // fails: retry in 1 s
    clock.advance(1000);
    await settle();
    expect(times).toEqual([0, 10_000, 11_000]); // fails again: retry in 2 s
    clock.advance(1999);
    await settle();
    expect(times).toHaveLength(3);
    clock.advance(1);
    await settle();
    expect(times).toEqual([0, 10_000, 11_000, 13_000]);
    expect(w.size).toBe(0); // done
    ac.abort();
    await running;
  });

  it('an earlier requeue replaces a later one, and an update cancels neither need', async () => {
    const clock = new FakeClock();
    let n = 0;
    const w = new PodWorkers({
      clock,
      logger: nopLogger,
      sync: async () => {
        n++;
        return { requeueAfterMs: n === 1 ? 60_000 : 5_000 };
      },
    });
    const ac = new AbortController();
    const running = w.run(ac.signal);
    w.update('p');
    await settle();
    w.update('p');
    await settle();
    expect(n).toBe(2);
    clock.advance(5_000);
    await settle();
    expect(n).toBe(3);
    ac.abort();
    await running;
  });
});
