import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EtcdServer } from '../../../lib/etcd-server.js';
import { waitFor } from '../../../lib/wait.js';
import { startEtcd } from '../../../test/helpers/etcd.js';
import { EtcdStorage, type StorageEvent } from './etcd-storage.js';
import { isCompacted, isKeyExists, isKeyNotFound, isRevisionConflict } from './errors.js';

describe('EtcdStorage on a real etcd', () => {
  let etcd: EtcdServer;
  let store: EtcdStorage;
  beforeAll(async () => {
    etcd = await startEtcd();
    store = new EtcdStorage({ endpoints: [etcd.endpoint] });
  });
  afterAll(async () => {
    store?.close();
    await etcd?.[Symbol.asyncDispose]();
  });

  it('creates once, updates only at the revision it read, deletes guarded', async () => {
    const rev1 = await store.create({ key: '/registry/t/a', value: Buffer.from('1') });
    await expect(store.create({ key: '/registry/t/a', value: Buffer.from('x') })).rejects.toSatisfy(
      isKeyExists,
    );
    const rev2 = await store.update({ key: '/registry/t/a', value: Buffer.from('2') }, rev1);
    expect(rev2).toBeGreaterThan(rev1);
    const err = await store
      .update({ key: '/registry/t/a', value: Buffer.from('3') }, rev1)
      .catch((e: unknown) => e);
    expect(isRevisionConflict(err)).toBe(true);
    expect((await store.get('/registry/t/a'))?.value.toString()).toBe('2');
    await expect(
      store.update({ key: '/registry/t/none', value: Buffer.from('') }, 5),
    ).rejects.toSatisfy(isKeyNotFound);
    await expect(store.delete('/registry/t/a', rev1)).rejects.toSatisfy(isRevisionConflict);
    await store.delete('/registry/t/a', rev2);
    expect(await store.get('/registry/t/a')).toBeUndefined();
  });

  it('lists pages at one revision while writes go on', async () => {
    for (let i = 0; i < 10; i++)
      await store.create({ key: `/registry/p/k${i}`, value: Buffer.from(String(i)) });
    const first = await store.list('/registry/p/', { limit: 4 });
    expect(first.kvs.map((k) => k.value.toString())).toEqual(['0', '1', '2', '3']);
    expect(first.more).toBe(true);
    await store.create({ key: '/registry/p/k5a', value: Buffer.from('new') });
    const next = await store.list('/registry/p/', {
      startKey: first.kvs[3]!.key + '\u0000',
      limit: 100,
      revision: first.revision,
    });
    expect(next.kvs.map((k) => k.value.toString())).toEqual(['4', '5', '6', '7', '8', '9']);
    expect(next.more).toBe(false);
  });

  it('watches a prefix from a revision, with previous values on delete, and reports compaction', async () => {
    const start = (await store.revision()) + 1;
    await store.create({ key: '/registry/w/a', value: Buffer.from('a1') });
    const kv = await store.get('/registry/w/a');
    await store.update({ key: '/registry/w/a', value: Buffer.from('a2') }, kv!.modRevision);
    const kv2 = await store.get('/registry/w/a');
    await store.delete('/registry/w/a', kv2!.modRevision);
    const seen: StorageEvent[] = [];
    const ac = new AbortController();
    await store.watch(
      '/registry/w/',
      start,
      { onEvents: (evs) => seen.push(...evs), onProgress: () => {}, onError: () => {} },
      ac.signal,
    );
    await waitFor(() => seen.length >= 3, { timeoutMs: 10_000 });
    ac.abort();
    expect(
      seen.map((e) => [e.type, e.value.toString(), e.prevValue?.toString(), e.created]),
    ).toEqual([
      ['put', 'a1', undefined, true],
      ['put', 'a2', 'a1', false],
      ['delete', '', 'a2', false],
    ]);

    await store.compact(await store.revision());
    const errs: Error[] = [];
    const ac2 = new AbortController();
    const started = store
      .watch(
        '/registry/w/',
        start,
        { onEvents: () => {}, onProgress: () => {}, onError: (e) => errs.push(e) },
        ac2.signal,
      )
      .catch((e: unknown) => errs.push(e as Error));
    await started;
    await waitFor(() => errs.length > 0, { timeoutMs: 10_000 });
    ac2.abort();
    expect(errs[0]).toSatisfy(isCompacted);
  });
});
