import { afterEach, describe, expect, it } from 'vitest';
import { isGone } from '../../controlplane/api/errors.js';
import type { KubeObject, Stored, WatchEvent } from '../../controlplane/api/meta.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { configMap, configMaps } from './fixtures.js';

type Ev = WatchEvent<Stored<KubeObject>>;

/** collect runs a watch in the background and gathers its events until stopped. */
function collect(
  s: TestApiServer,
  opts: Parameters<ReturnType<TestApiServer['client']['resource']>['watch']>[0],
  ns = 'default',
) {
  const events: Ev[] = [];
  const ac = new AbortController();
  let error: unknown;
  const done = (async () => {
    try {
      for await (const ev of s.client.resource(configMaps, ns).watch(opts, ac.signal))
        events.push(ev as Ev);
    } catch (e) {
      if (!ac.signal.aborted) error = e;
    }
  })();
  return {
    events,
    get error() {
      return error;
    },
    done,
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

describe('API server watch', () => {
  let s: TestApiServer | undefined;
  afterEach(async () => {
    await s?.[Symbol.asyncDispose]();
    s = undefined;
  });

  it('resumes from a resourceVersion across reconnects with nothing lost or repeated', async () => {
    s = await startApiServer();
    const cms = s.client.resource(configMaps, 'default');
    const list = await cms.list();
    let rv = list.metadata.resourceVersion!;
    const writes = (async () => {
      for (let i = 0; i < 60; i++) await cms.create(configMap(`w${i}`));
    })();
    const seen: string[] = [];
    // Reconnect every ~10 events, resuming from the last version seen.
    while (seen.length < 60) {
      const ac = new AbortController();
      let n = 0;
      for await (const ev of cms.watch({ resourceVersion: rv }, ac.signal)) {
        expect(ev.type).toBe('ADDED');
        seen.push(ev.object.metadata.name);
        rv = ev.object.metadata.resourceVersion;
        if (++n === 10) {
          ac.abort();
          break;
        }
      }
    }
    await writes;
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => `w${i}`));
  });

  it('answers 410 Gone for a version older than the cache keeps, and after compaction for lists', async () => {
    s = await startApiServer({ watchCacheCapacity: 5 });
    const cms = s.client.resource(configMaps, 'default');
    const first = await cms.create(configMap('old'));
    let last = first;
    for (let i = 0; i < 10; i++) last = await cms.create(configMap(`n${i}`));
    // The cache must have seen the writes (and so dropped the oldest) before the watch asks.
    const cache = s.server.registry.storeFor(configMaps).cache;
    await waitFor(() => cache.revision >= Number(last.metadata.resourceVersion));
    const w = collect(s, { resourceVersion: first.metadata.resourceVersion, timeoutSeconds: 30 });
    await w.done;
    expect(isGone(w.error)).toBe(true);
    expect(w.events).toEqual([]);

    // A list at an exact revision that etcd compacted away is 410 Expired.
    await s.server.storage.compact(Number((await cms.list()).metadata.resourceVersion));
    const err = await cms
      .list({ resourceVersion: first.metadata.resourceVersion, resourceVersionMatch: 'Exact' })
      .catch((e: unknown) => e);
    expect(isGone(err)).toBe(true);
  });

  it('sends bookmarks when asked and ends at timeoutSeconds', async () => {
    s = await startApiServer({ bookmarkIntervalMs: 200 });
    const cms = s.client.resource(configMaps, 'default');
    const start = await cms.list();
    const w = collect(s, {
      resourceVersion: start.metadata.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: 2,
    });
    await cms.create(configMap('b1'));
    await w.done;
    const types = w.events.map((e) => e.type);
    expect(types).toContain('ADDED');
    expect(types).toContain('BOOKMARK');
    const added = w.events.find((e) => e.type === 'ADDED')!;
    const bookmarks = w.events.filter((e) => e.type === 'BOOKMARK');
    const last = bookmarks[bookmarks.length - 1]!;
    expect(Number(last.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(
      Number(added.object.metadata.resourceVersion),
    );
    expect(w.error).toBeUndefined();
  });

  it('starts with the current state when no version is given, and applies selectors as ADDED/DELETED transitions', async () => {
    s = await startApiServer();
    const cms = s.client.resource(configMaps, 'default');
    await cms.create(configMap('pre', {}, { tier: 'web' }));
    const w = collect(s, { labelSelector: 'tier=web' });
    await waitFor(() => w.events.length >= 1);
    const c = await cms.create(configMap('later', {}, { tier: 'db' }));
    const moved = await cms.update({
      ...c,
      metadata: { ...c.metadata, labels: { tier: 'web' } },
    } as KubeObject);
    const away = await cms.update({
      ...moved,
      metadata: { ...moved.metadata, labels: { tier: 'db' } },
    } as KubeObject);
    await cms.delete(away.metadata.name);
    await cms.delete('pre');
    await waitFor(() => w.events.length >= 4);
    await w.stop();
    expect(w.events.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ['ADDED', 'pre'],
      ['ADDED', 'later'],
      ['DELETED', 'later'],
      ['DELETED', 'pre'],
    ]);
  });

  it('serves many watchers from one etcd watch per resource', async () => {
    s = await startApiServer();
    const cms = s.client.resource(configMaps, 'default');
    const rv = (await cms.list()).metadata.resourceVersion;
    const etcdWatchers = async (): Promise<number> => {
      const text = await (await fetch(`${s!.etcd.endpoint}/metrics`)).text();
      return Number(/^etcd_debugging_mvcc_watcher_total (\S+)$/m.exec(text)?.[1]);
    };
    // One etcd watch per stored resource, once every watch cache has connected.
    const resources = s.server.registry.allStores.length;
    await waitFor(async () => (await etcdWatchers()) === resources, {
      what: 'every watch cache to watch etcd',
    });
    const before = await etcdWatchers();
    const ws = Array.from({ length: 20 }, () => collect(s!, { resourceVersion: rv }));
    await waitFor(() => s!.server.registry.storeFor(configMaps).cache.watcherCount >= 20);
    expect(await etcdWatchers()).toBe(before);
    await cms.create(configMap('fan'));
    await waitFor(() => ws.every((w) => w.events.length === 1));
    await Promise.all(ws.map((w) => w.stop()));
    expect(ws.every((w) => w.events[0]!.object.metadata.name === 'fan')).toBe(true);
  });
});
