import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/time.js';
import { FakePodApi } from '../testing/fake-pod-api.js';
import { cachedObjects } from './object-cache.js';

describe('cachedObjects', () => {
  it('serves ConfigMaps and Secrets (and their absence) from memory until the TTL passes', async () => {
    const clock = new FakeClock();
    const api = new FakePodApi();
    let reads = 0;
    const get = api.getConfigMap.bind(api);
    api.getConfigMap = async (ns, name) => {
      reads++;
      return get(ns, name);
    };
    const cached = cachedObjects(api, clock, 10_000);
    expect(await cached.getConfigMap('d', 'cm')).toBeUndefined();
    api.addConfigMap('d', 'cm', { a: '1' });
    expect(await cached.getConfigMap('d', 'cm')).toBeUndefined(); // the miss is cached
    expect(reads).toBe(1);
    clock.advance(10_000);
    expect((await cached.getConfigMap('d', 'cm'))?.data).toEqual({ a: '1' });
    expect(reads).toBe(2);
    api.addSecret('d', 's', { k: 'v' });
    expect((await cached.getSecret('d', 's'))?.data?.['k']).toBe(
      Buffer.from('v').toString('base64'),
    );
  });

  it('does not cache a failed read', async () => {
    const clock = new FakeClock();
    const api = new FakePodApi();
    let fail = true;
    api.getSecret = async () => {
      if (fail) throw new Error('connection refused');
      return undefined;
    };
    const cached = cachedObjects(api, clock);
    await expect(cached.getSecret('d', 's')).rejects.toThrow('connection refused');
    fail = false;
    expect(await cached.getSecret('d', 's')).toBeUndefined();
  });
});
