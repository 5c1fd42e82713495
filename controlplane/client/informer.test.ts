import { afterEach, describe, expect, it } from 'vitest';
import { newResourceExpired, newServiceUnavailable } from '../api/errors.js';
import { parseSelector } from '../api/labels/index.js';
import type { ObjectMeta } from '../api/meta.js';
import { FakeClock } from '../../lib/time.js';
import { enqueueHandler } from './event-handlers.js';
import { SharedInformer, waitForCacheSync, type EventHandler } from './informer.js';
import { ControllerUidIndex, NamespaceIndex, NodeNameIndex, OwnerUidIndex } from './store.js';
import { FakeListerWatcher } from './testing.js';

interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: { nodeName?: string; n?: number };
}

const obj = (ns: string, name: string, spec: Obj['spec'] = {}, meta: ObjectMeta = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, ...meta },
  spec,
});

/** until lets continuations run until `cond` holds; no wall-clock time involved. */
async function until(cond: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

const rv = (o: Obj): string => o.metadata.resourceVersion ?? '?';
const id = (o: Obj): string => `${o.metadata.namespace}/${o.metadata.name}`;

/** recorder notes every notification as a string. */
function recorder(): { events: string[]; handler: EventHandler<Obj> } {
  const events: string[] = [];
  return {
    events,
    handler: {
      onAdd: (o) => events.push(`add ${id(o)}@${rv(o)}`),
      onUpdate: (a, b) => events.push(`update ${id(b)}@${rv(a)}->${rv(b)}`),
      onDelete: (o) => events.push(`delete ${id(o)}@${rv(o)}`),
    },
  };
}

const stops: AbortController[] = [];
afterEach(() => {
  for (const ac of stops.splice(0)) ac.abort();
});

function start(
  lw: FakeListerWatcher<Obj>,
  opts: ConstructorParameters<typeof SharedInformer<Obj>>[1] = {},
): { inf: SharedInformer<Obj>; clock: FakeClock; ac: AbortController; done: Promise<void> } {
  const clock = opts.clock instanceof FakeClock ? opts.clock : new FakeClock();
  const inf = new SharedInformer(lw, {
    clock,
    watchTimeoutSeconds: 300,
    backoff: { initialMs: 1000, maxMs: 8000, jitter: 0 },
    ...opts,
  });
  const ac = new AbortController();
  stops.push(ac);
  const done = inf.run(ac.signal);
  return { inf, clock, ac, done };
}

describe('SharedInformer', () => {
  it('lists in pages, fills the cache, syncs, then watches from the list resourceVersion', async () => {
    const lw = new FakeListerWatcher<Obj>('PodList');
    for (let i = 0; i < 5; i++) lw.upsert(obj('ns', `p${i}`));
    const { inf, ac, done } = start(lw, { pageSize: 2 });
    const rec = recorder();
    inf.addEventHandler(rec.handler);
    expect(await inf.waitForSync()).toBe(true);
    expect(inf.hasSynced()).toBe(true);
    expect(lw.listCalls.map((c) => [c.limit, c.continue])).toEqual([
      [2, undefined],
      [2, '0:2'],
      [2, '0:4'],
    ]);
    expect(rec.events).toEqual([
      'add ns/p0@101',
      'add ns/p1@102',
      'add ns/p2@103',
      'add ns/p3@104',
      'add ns/p4@105',
    ]);
    await until(() => lw.activeWatches === 1, 'watch');
    expect(lw.watchCalls[0]).toMatchObject({ resourceVersion: '105', allowWatchBookmarks: true });
    expect(inf.lastSyncResourceVersion).toBe('105');
    ac.abort();
    await done;
    expect(lw.activeWatches).toBe(0);
  });

  it('applies watch events to the cache and notifies handlers in order; bookmarks move the resourceVersion', async () => {
    const lw = new FakeListerWatcher<Obj>();
    lw.upsert(obj('ns', 'a'));
    const { inf } = start(lw);
    const order: string[] = [];
    const rec = recorder();
    inf.addEventHandler({ onAdd: (o) => order.push(`first ${id(o)}`) });
    inf.addEventHandler(rec.handler);
    inf.addEventHandler({ onAdd: (o) => order.push(`third ${id(o)}`) });
    await inf.waitForSync();
    await until(() => lw.activeWatches === 1);
    lw.upsert(obj('ns', 'b'));
    lw.upsert(obj('ns', 'a', { n: 2 }));
    lw.remove('ns/b');
    await until(() => rec.events.length === 4);
    expect(rec.events).toEqual([
      'add ns/a@101',
      'add ns/b@102',
      'update ns/a@101->103',
      'delete ns/b@104',
    ]);
    expect(order).toEqual(['first ns/a', 'third ns/a', 'first ns/b', 'third ns/b']);
    expect(inf.lister().get('ns', 'a')?.spec?.n).toBe(2);
    expect(inf.lister().get('ns', 'b')).toBeUndefined();
    expect(inf.lastSyncResourceVersion).toBe('104');
    lw.rv = 150;
    lw.bookmark();
    await until(() => inf.lastSyncResourceVersion === '150', 'bookmark rv');
    expect(rec.events).toHaveLength(4);
  });

  it('re-watches from the last resourceVersion seen when a watch ends, without repeating events', async () => {
    const lw = new FakeListerWatcher<Obj>();
    const { inf } = start(lw);
    const rec = recorder();
    inf.addEventHandler(rec.handler);
    await inf.waitForSync();
    await until(() => lw.activeWatches === 1);
    lw.upsert(obj('ns', 'a'));
    await until(() => rec.events.length === 1);
    lw.endWatches();
    await until(() => lw.watchCalls.length === 2, 're-watch');
    expect(lw.watchCalls[1]?.resourceVersion).toBe('101');
    lw.upsert(obj('ns', 'b'));
    await until(() => rec.events.length === 2);
    expect(rec.events).toEqual(['add ns/a@101', 'add ns/b@102']);
    expect(lw.listCalls).toHaveLength(1);
  });

  it('relists on 410 and delivers deletes (last known state) for objects gone during the gap', async () => {
    const lw = new FakeListerWatcher<Obj>();
    lw.upsert(obj('ns', 'stays'));
    lw.upsert(obj('ns', 'changes'));
    lw.upsert(obj('ns', 'goes', { n: 7 }));
    const { inf, clock } = start(lw);
    const rec = recorder();
    inf.addEventHandler(rec.handler);
    await inf.waitForSync();
    await until(() => lw.activeWatches === 1);
    rec.events.length = 0;
    // While the watch is cut off, history is compacted past what the informer saw.
    lw.removeSilently('ns/goes');
    lw.upsertSilently(obj('ns', 'changes', { n: 1 }));
    lw.upsertSilently(obj('ns', 'new'));
    lw.compact();
    lw.endWatches();
    // That watch saw no event, so the informer pauses before re-watching.
    await until(() => clock.pending > 0);
    expect(lw.watchCalls).toHaveLength(1);
    clock.advance(1000);
    await until(() => lw.listCalls.length === 2, 'relist');
    await until(() => rec.events.length === 3);
    expect(rec.events.sort()).toEqual(
      ['add ns/new@106', 'delete ns/goes@103', 'update ns/changes@102->105'].sort(),
    );
    const gone = inf.lister().get('ns', 'goes');
    expect(gone).toBeUndefined();
    expect(inf.lastSyncResourceVersion).toBe('106');
    await until(() => lw.activeWatches === 1);
    expect(lw.watchCalls.at(-1)?.resourceVersion).toBe('106');
  });

  it('relists when the watch sends an ERROR event with a 410 Status', async () => {
    const lw = new FakeListerWatcher<Obj>();
    lw.upsert(obj('ns', 'a'));
    const { inf } = start(lw);
    await inf.waitForSync();
    await until(() => lw.activeWatches === 1);
    lw.sendError(newResourceExpired('too old resource version').status);
    await until(() => lw.listCalls.length === 2, 'relist after ERROR');
    await until(() => lw.activeWatches === 1);
    expect(inf.lister().list()).toHaveLength(1);
  });

  it('backs off on the injected clock after a failed list, then retries', async () => {
    const lw = new FakeListerWatcher<Obj>();
    lw.upsert(obj('ns', 'a'));
    lw.failNextList(newServiceUnavailable('etcd down'));
    lw.failNextList(new Error('connection refused'));
    const { inf, clock } = start(lw);
    await until(() => lw.listCalls.length === 1 && clock.pending > 0);
    expect(inf.hasSynced()).toBe(false);
    clock.advance(999);
    await until(() => clock.pending > 0);
    expect(lw.listCalls).toHaveLength(1);
    clock.advance(1);
    await until(() => lw.listCalls.length === 2 && clock.pending > 0);
    clock.advance(1999); // second delay is doubled
    await until(() => clock.pending > 0);
    expect(lw.listCalls).toHaveLength(2);
    clock.advance(1);
    expect(await inf.waitForSync()).toBe(true);
    expect(lw.listCalls).toHaveLength(3);
  });

  it('retries a failed watch from the same resourceVersion after a backoff, without relisting', async () => {
    const lw = new FakeListerWatcher<Obj>();
    lw.upsert(obj('ns', 'a'));
    const { inf, clock } = start(lw);
    const rec = recorder();
    inf.addEventHandler(rec.handler);
    await inf.waitForSync();
    await until(() => lw.activeWatches === 1);
    lw.failWatches(new Error('ECONNRESET'));
    await until(() => lw.activeWatches === 0 && clock.pending > 0);
    lw.upsert(obj('ns', 'b')); // happens while the watch is down
    expect(lw.watchCalls).toHaveLength(1);
    clock.advance(1000);
    await until(() => rec.events.length === 2, 'event replayed after re-watch');
    expect(lw.watchCalls[1]?.resourceVersion).toBe('101');
    expect(lw.listCalls).toHaveLength(1);
    expect(rec.events).toEqual(['add ns/a@101', 'add ns/b@102']);
  });

  it('falls back to one unpaginated list when a continue token expires', async () => {
    const lw = new FakeListerWatcher<Obj>();
    for (let i = 0; i < 3; i++) lw.upsert(obj('ns', `p${i}`));
    const real = lw.list.bind(lw);
    lw.list = async (opts) => {
      const page = await real(opts);
      if (!opts.continue) lw.expireContinueTokens();
      return page;
    };
    const { inf } = start(lw, { pageSize: 2 });
    await inf.waitForSync();
    expect(lw.listCalls.map((c) => [c.limit, c.continue])).toEqual([
      [2, undefined],
      [2, '0:2'],
      [undefined, undefined],
    ]);
    expect(inf.lister().list()).toHaveLength(3);
  });

  it('indexes by namespace, controller owner, owners, spec.nodeName and custom indexers', async () => {
    const lw = new FakeListerWatcher<Obj>();
    const owner = (uid: string, controller: boolean): ObjectMeta => ({
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid, controller }],
    });
    lw.upsert(
      obj('a', 'p1', { nodeName: 'n1' }, { labels: { app: 'web' }, ...owner('rs1', true) }),
    );
    lw.upsert(
      obj('a', 'p2', { nodeName: 'n2' }, { labels: { app: 'db' }, ...owner('rs2', false) }),
    );
    lw.upsert(obj('b', 'p1', {}, { labels: { app: 'web' } }));
    const { inf } = start(lw);
    await inf.waitForSync();
    const l = inf.lister();
    const names = (os: Obj[]): string[] => os.map(id).sort();
    expect(names(l.byIndex(NamespaceIndex, 'a'))).toEqual(['a/p1', 'a/p2']);
    expect(names(l.byIndex(ControllerUidIndex, 'rs1'))).toEqual(['a/p1']);
    expect(l.byIndex(ControllerUidIndex, 'rs2')).toEqual([]);
    expect(names(l.byIndex(OwnerUidIndex, 'rs2'))).toEqual(['a/p2']);
    expect(names(l.byIndex(NodeNameIndex, 'n1'))).toEqual(['a/p1']);
    expect(names(l.list((lb) => lb['app'] === 'web'))).toEqual(['a/p1', 'b/p1']);
    expect(names(l.namespace('a').list((lb) => lb['app'] === 'web'))).toEqual(['a/p1']);
    expect(names(l.list(parseSelector('app in (web,db),app!=db')))).toEqual(['a/p1', 'b/p1']);
    expect(l.namespace('b').get('p1')?.metadata.labels).toEqual({ app: 'web' });
    expect(l.getByKey('a/p2')?.spec?.nodeName).toBe('n2');
    expect(() => l.byIndex('nope', 'x')).toThrow(RangeError);

    inf.addIndexers({ byApp: (o) => [o.metadata.labels?.['app'] ?? ''] });
    expect(names(l.byIndex('byApp', 'web'))).toEqual(['a/p1', 'b/p1']);
    await until(() => lw.activeWatches === 1);
    lw.upsert(obj('a', 'p1', { nodeName: 'n2' }, { labels: { app: 'db' } }));
    await until(() => l.byIndex(NodeNameIndex, 'n1').length === 0, 'index moved');
    expect(names(l.byIndex(NodeNameIndex, 'n2'))).toEqual(['a/p1', 'a/p2']);
    expect(names(l.byIndex('byApp', 'db'))).toEqual(['a/p1', 'a/p2']);
    expect(l.byIndex(ControllerUidIndex, 'rs1')).toEqual([]);
  });

  it('resyncs every cached object as onUpdate(obj, obj) each period', async () => {
    const lw = new FakeListerWatcher<Obj>();
    lw.upsert(obj('ns', 'a'));
    lw.upsert(obj('ns', 'b'));
    const { inf, clock } = start(lw, { resyncPeriodMs: 30_000 });
    const rec = recorder();
    inf.addEventHandler(rec.handler);
    await inf.waitForSync();
    await until(() => lw.activeWatches === 1);
    clock.advance(29_999);
    await until(() => clock.pending > 0);
    expect(rec.events.filter((e) => e.startsWith('update'))).toEqual([]);
    clock.advance(1);
    await until(() => rec.events.length === 4);
    expect(rec.events.slice(2).sort()).toEqual(['update ns/a@101->101', 'update ns/b@102->102']);
    clock.advance(30_000);
    await until(() => rec.events.length === 6);
  });

  it('replays the cache to a late handler, survives a throwing handler, and supports removal', async () => {
    const lw = new FakeListerWatcher<Obj>();
    lw.upsert(obj('ns', 'a'));
    const { inf } = start(lw);
    await inf.waitForSync();
    const late = recorder();
    inf.addEventHandler({
      onAdd: () => {
        throw new Error('bad handler');
      },
    });
    const reg = inf.addEventHandler(late.handler);
    expect(late.events).toEqual(['add ns/a@101']);
    await until(() => lw.activeWatches === 1);
    lw.upsert(obj('ns', 'b'));
    await until(() => late.events.length === 2);
    reg.remove();
    reg.remove();
    lw.upsert(obj('ns', 'c'));
    await until(() => inf.lister().get('ns', 'c') !== undefined);
    expect(late.events).toEqual(['add ns/a@101', 'add ns/b@102']);
  });

  it('freezes cached objects, ignores malformed events, and runs only once', async () => {
    const lw = new FakeListerWatcher<Obj>();
    lw.upsert(obj('ns', 'a'));
    const { inf, ac, done } = start(lw);
    await inf.waitForSync();
    const a = inf.lister().get('ns', 'a') as Obj;
    expect(() => {
      (a.metadata.labels as unknown) = { x: 'y' };
    }).toThrow(TypeError);
    await until(() => lw.activeWatches === 1);
    lw.upsert({ metadata: {} } as Obj);
    lw.upsert(obj('ns', 'ok'));
    await until(() => inf.lister().get('ns', 'ok') !== undefined);
    expect(inf.lister().list()).toHaveLength(2);
    await expect(inf.run(new AbortController().signal)).rejects.toThrow(/already started/);
    ac.abort();
    await done;
  });

  it('waitForSync and waitForCacheSync resolve false when aborted before sync', async () => {
    const lw = new FakeListerWatcher<Obj>();
    lw.failNextList(new Error('down'));
    const { inf } = start(lw);
    const ac = new AbortController();
    const p = waitForCacheSync(ac.signal, inf);
    ac.abort();
    expect(await p).toBe(false);
    expect(await inf.waitForSync(AbortSignal.abort())).toBe(false);
  });
});

describe('enqueueHandler', () => {
  it('feeds object keys, or mapped keys, into a queue', () => {
    const added: string[] = [];
    const h = enqueueHandler<Obj>({ add: (k) => added.push(k) });
    h.onAdd?.(obj('ns', 'a'));
    h.onUpdate?.(obj('ns', 'a'), obj('ns', 'b'));
    h.onDelete?.({ metadata: { name: 'node1' } });
    const byOwner = enqueueHandler<Obj>(
      { add: (k) => added.push(k) },
      (o) => o.metadata.ownerReferences?.[0]?.name,
    );
    byOwner.onAdd?.(obj('ns', 'orphan'));
    expect(added).toEqual(['ns/a', 'ns/b', 'node1']);
  });
});
