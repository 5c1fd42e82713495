import { describe, expect, it } from 'vitest';
import { nopLogger } from '../../lib/log.js';
import { FakeClock } from '../../lib/time.js';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
} from './rate-limiters.js';
import { runWorkers } from './run-workers.js';
import { WorkQueue } from './workqueue.js';

/** tick lets every pending promise continuation run. */
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('WorkQueue', () => {
  it('dedups a key while it is queued and hands keys out in FIFO order', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len).toBe(0);
  });

  it('never hands a processing key to a second worker; re-added, it comes back after done', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    expect(await q.get()).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.len).toBe(0);
    let second: string | undefined;
    const p = q.get().then((k) => (second = k));
    await tick();
    expect(second).toBeUndefined();
    q.done('a');
    await p;
    expect(second).toBe('a');
    q.done('a');
    // done without a re-add does not queue it again
    expect(q.len).toBe(0);
  });

  it('serves waiting getters first come first served', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const got: string[] = [];
    const g1 = q.get().then((k) => got.push(`1:${k}`));
    const g2 = q.get().then((k) => got.push(`2:${k}`));
    q.add('x');
    q.add('y');
    await Promise.all([g1, g2]);
    expect(got).toEqual(['1:x', '2:y']);
  });

  it('resolves get undefined when its signal aborts, without losing the next key', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const ac = new AbortController();
    const aborted = q.get(ac.signal);
    ac.abort();
    expect(await aborted).toBeUndefined();
    q.add('k');
    expect(await q.get()).toBe('k');
    expect(await q.get(AbortSignal.abort())).toBeUndefined();
  });

  it('addAfter releases keys in deadline order, earliest request wins, dedups on firing', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('a', 100);
    q.addAfter('b', 50);
    q.addAfter('c', 100);
    q.addAfter('a', 300); // later than pending: ignored
    q.addAfter('d', 80);
    q.addAfter('d', 10); // earlier: wins
    q.addAfter('now', 0);
    expect(q.len).toBe(1);
    expect(await q.get()).toBe('now');
    q.done('now');
    await tick();
    expect(q.len).toBe(0);
    clock.advance(9);
    await tick();
    expect(q.len).toBe(0);
    clock.advance(1);
    await tick();
    expect(q.len).toBe(1);
    clock.advance(39);
    await tick();
    expect(q.len).toBe(1);
    clock.advance(1);
    await tick();
    expect(q.len).toBe(2);
    q.add('a'); // already queued when its delay fires: dedup
    clock.advance(50);
    await tick();
    const got: (string | undefined)[] = [];
    while (q.len > 0) got.push(await q.get());
    expect(got).toEqual(['d', 'b', 'a', 'c']);
    clock.advance(1000);
    await tick();
    expect(q.len).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('addAfter(0) adds at once', () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.addAfter('k', 0);
    expect(q.len).toBe(1);
  });

  it('addRateLimited backs a key off exponentially until forget', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({
      clock,
      rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000),
    });
    q.addRateLimited('k');
    q.addRateLimited('other');
    expect(q.numRequeues('k')).toBe(1);
    clock.advance(4);
    await tick();
    expect(q.len).toBe(0);
    clock.advance(1);
    await tick();
    expect(q.len).toBe(2);
    expect(await q.get()).toBe('k');
    q.addRateLimited('k'); // 10 ms this time
    q.done('k');
    clock.advance(9);
    await tick();
    expect(q.len).toBe(1); // only 'other'
    clock.advance(1);
    await tick();
    expect(q.len).toBe(2);
    expect(q.numRequeues('k')).toBe(2);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
  });

  it('shutDown resolves waiting and later getters undefined, ignores adds and drops timers', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const waiting = q.get();
    q.addAfter('later', 1000);
    expect(clock.pending).toBe(1);
    q.shutDown();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    expect(clock.pending).toBe(0);
    q.add('x');
    q.addAfter('y', 5);
    q.addRateLimited('z');
    expect(q.len).toBe(0);
    expect(await q.get()).toBeUndefined();
    expect(q.shuttingDown).toBe(true);
  });

  it('shutDownWithDrain waits for processing keys to be done', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    expect(await q.get()).toBe('a');
    let drained = false;
    const p = q.shutDownWithDrain().then(() => (drained = true));
    await tick();
    expect(drained).toBe(false);
    // 'b' was queued but not processing: it is dropped, not waited for.
    expect(await q.get()).toBeUndefined();
    q.done('a');
    await p;
    expect(drained).toBe(true);
    await new WorkQueue({ clock: new FakeClock() }).shutDownWithDrain(); // nothing processing
  });
});

describe('rate limiters', () => {
  it('ItemExponentialFailureRateLimiter doubles from 5 ms and caps at 1000 s', () => {
    const rl = new ItemExponentialFailureRateLimiter<string>();
    const delays = Array.from({ length: 20 }, () => rl.when('k'));
    expect(delays.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(delays[17]).toBe(655_360);
    expect(delays[18]).toBe(1_000_000);
    expect(delays[19]).toBe(1_000_000);
    for (let i = 0; i < 2000; i++) rl.when('k');
    expect(rl.when('k')).toBe(1_000_000); // no overflow to NaN
    expect(rl.when('j')).toBe(5); // per key
    expect(rl.numRequeues('k')).toBe(2021);
    rl.forget('k');
    expect(rl.when('k')).toBe(5);
  });

  it('BucketRateLimiter allows a burst, then spaces keys at qps, refilling with time', () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter<string>({ qps: 10, burst: 100, clock });
    for (let i = 0; i < 100; i++) expect(rl.when(`k${i}`)).toBe(0);
    expect(rl.when('x')).toBe(100);
    expect(rl.when('y')).toBe(200);
    clock.advance(1000); // 10 tokens back, 2 owed
    for (let i = 0; i < 8; i++) expect(rl.when(`r${i}`)).toBe(0);
    expect(rl.when('z')).toBe(100);
    expect(rl.numRequeues('x')).toBe(0);
  });

  it('MaxOfRateLimiter (the default) takes the longest delay of its parts', () => {
    const clock = new FakeClock();
    const rl = defaultControllerRateLimiter<string>(clock);
    expect(rl.when('a')).toBe(5);
    expect(rl.when('a')).toBe(10);
    for (let i = 0; i < 98; i++) rl.when(`k${i}`);
    // bucket exhausted: the 101st request waits 100 ms even for a fresh key
    expect(rl.when('fresh')).toBe(100);
    expect(rl.numRequeues('a')).toBe(2);
    rl.forget('a');
    expect(rl.numRequeues('a')).toBe(0);
    expect(() => new MaxOfRateLimiter()).toThrow(RangeError);
  });
});

describe('runWorkers', () => {
  it('retries failures with backoff, forgets on success, and never runs one key twice at once', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000) });
    const ac = new AbortController();
    const running = new Set<string>();
    const calls: string[] = [];
    let overlap = false;
    let failuresLeft = 2;
    const gates: (() => void)[] = [];
    const reconcile = async (key: string): Promise<void> => {
      if (running.has(key)) overlap = true;
      running.add(key);
      calls.push(key);
      try {
        if (key === 'slow') await new Promise<void>((r) => gates.push(r));
        if (key === 'flaky' && failuresLeft-- > 0) throw new Error('boom');
      } finally {
        running.delete(key);
      }
    };
    const done = runWorkers(q, 3, reconcile, ac.signal, nopLogger);
    q.add('slow');
    await tick();
    q.add('slow'); // re-added while processing: must wait for done
    await tick();
    expect(calls.filter((k) => k === 'slow')).toHaveLength(1);
    q.add('flaky');
    await tick();
    expect(q.numRequeues('flaky')).toBe(1);
    clock.advance(5);
    await tick();
    expect(q.numRequeues('flaky')).toBe(2);
    clock.advance(10);
    await tick();
    expect(calls.filter((k) => k === 'flaky')).toHaveLength(3);
    expect(q.numRequeues('flaky')).toBe(0); // forgotten after success
    gates.shift()?.();
    await tick();
    expect(calls.filter((k) => k === 'slow')).toHaveLength(2);
    gates.shift()?.();
    await tick();
    expect(overlap).toBe(false);
    ac.abort();
    await done;
    expect(q.shuttingDown).toBe(true);
  });

  it('returns when the queue is shut down by someone else and workers are idle', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    let finished = false;
    let open = (): void => {};
    const gate = new Promise<void>((r) => (open = r));
    q.add('k');
    const p = runWorkers(q, 2, () => gate, new AbortController().signal, nopLogger).then(
      () => (finished = true),
    );
    await tick();
    q.shutDown();
    await tick();
    expect(finished).toBe(false); // 'k' still in flight
    open();
    await p;
    expect(finished).toBe(true);
  });
});
