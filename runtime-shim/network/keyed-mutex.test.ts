import { describe, expect, it } from 'vitest';
import { KeyedMutex } from './keyed-mutex.js';

describe('KeyedMutex', () => {
  it('serialises one key in call order and runs different keys concurrently', async () => {
    const m = new KeyedMutex();
    const events: string[] = [];
    let releaseA = (): void => {};
    const gateA = new Promise<void>((r) => (releaseA = r));
    const a1 = m.run('a', async () => {
      events.push('a1 start');
      await gateA;
      events.push('a1 end');
    });
    const a2 = m.run('a', async () => {
      events.push('a2');
    });
    const b = m.run('b', async () => {
      events.push('b');
    });
    await b;
    expect(events).toEqual(['a1 start', 'b']);
    releaseA();
    await Promise.all([a1, a2]);
    expect(events).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
    expect(m.size).toBe(0);
  });

  it('passes errors through and lets the next holder run', async () => {
    const m = new KeyedMutex();
    const failed = m.run('k', () => Promise.reject(new Error('boom')));
    const next = m.run('k', () => Promise.resolve(42));
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe(42);
    expect(m.size).toBe(0);
  });
});
