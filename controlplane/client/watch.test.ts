import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isConnectionError, isDecodeError } from './errors.js';
import { isForbidden, isGone, newResourceExpired, type StatusError } from '../api/errors.js';
import type { KubeObject, WatchEvent } from '../api/meta.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import { waitFor } from '../../lib/wait.js';
import { SharedInformer } from './informer.js';
import { InformerFactory, listerWatcherFor } from './informer-factory.js';
import { sendJson, TestHttpsServer } from './test-server.js';

const info = (group: string, version: string, resource: string): ResourceInfo => {
  const r = findResource(group, version, resource);
  if (!r) throw new Error(`no resource ${resource}`);
  return r;
};
const pods = info('', 'v1', 'pods');

interface Pod extends KubeObject {
  spec?: { nodeName?: string };
}

let srv: TestHttpsServer;
beforeAll(async () => {
  srv = await TestHttpsServer.start();
});
afterAll(() => srv.close());
afterEach(() => srv.closeClients());

describe('RestClient watch', () => {
  const ev = (type: string, name: string, rv: string): string =>
    JSON.stringify({ type, object: { metadata: { name, namespace: 'ns', resourceVersion: rv } } }) +
    '\n';

  it('parses a newline-delimited stream split at arbitrary points, multi-byte characters included', async () => {
    const lines =
      ev('ADDED', 'a', '1') +
      ev('MODIFIED', 'ä-ö', '2') +
      ev('BOOKMARK', '', '3') +
      ev('DELETED', 'a', '4');
    const bytes = Buffer.from(lines);
    srv.handle(async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      // 7-byte pieces cut lines and UTF-8 sequences apart
      for (let i = 0; i < bytes.length; i += 7) {
        res.write(bytes.subarray(i, i + 7));
        await new Promise((r) => setTimeout(r, 1));
      }
      res.end();
    });
    const got: string[] = [];
    const w = srv.client().resource<Pod>(pods).namespace('ns');
    for await (const e of w.watch(
      { resourceVersion: '0', allowWatchBookmarks: true, timeoutSeconds: 30, labelSelector: 'a=b' },
      new AbortController().signal,
    )) {
      got.push(`${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`);
    }
    expect(got).toEqual(['ADDED a 1', 'MODIFIED ä-ö 2', 'BOOKMARK  3', 'DELETED a 4']);
    expect(srv.seen[0]?.query).toEqual({
      watch: 'true',
      resourceVersion: '0',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '30',
      labelSelector: 'a=b',
    });
  });

  it('throws an ERROR event as its StatusError (410 → isGone)', async () => {
    srv.handle((_req, res) => {
      res.writeHead(200);
      res.write(ev('ADDED', 'a', '1'));
      res.end(
        JSON.stringify({
          type: 'ERROR',
          object: newResourceExpired('too old resource version: 1 (5)').status,
        }) + '\n',
      );
    });
    const got: WatchEvent<unknown>[] = [];
    const err = await (async () => {
      for await (const e of srv.client().resource(pods).watch({}, new AbortController().signal))
        got.push(e);
    })().catch((e: unknown) => e);
    expect(got).toHaveLength(1);
    expect(isGone(err)).toBe(true);
    expect((err as StatusError).reason).toBe('Expired');
  });

  it('ends cleanly when the signal aborts mid-stream, and the server sees the connection close', async () => {
    let closed = false;
    srv.handle((_req, res) => {
      res.writeHead(200);
      res.flushHeaders();
      res.write(ev('ADDED', 'a', '1'));
      res.on('close', () => (closed = true));
    });
    const ac = new AbortController();
    const got: string[] = [];
    for await (const e of srv.client().resource<Pod>(pods).watch({}, ac.signal)) {
      got.push(e.type);
      ac.abort();
    }
    expect(got).toEqual(['ADDED']);
    await waitFor(() => closed, { what: 'server-side close' });

    // Aborted while waiting for the next chunk, not right after an event.
    closed = false;
    const ac2 = new AbortController();
    const types: string[] = [];
    const loop = (async () => {
      for await (const e of srv.client().resource<Pod>(pods).watch({}, ac2.signal))
        types.push(e.type);
    })();
    await waitFor(() => types.length === 1);
    ac2.abort();
    await loop;
    expect(types).toEqual(['ADDED']);
    await waitFor(() => closed, { what: 'server-side close after idle abort' });
  });

  it('throws the Status of a refused watch, and ConnectionError when the stream breaks', async () => {
    srv.handle((_req, res) =>
      sendJson(res, 403, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
      }),
    );
    const drainWatch = async (): Promise<unknown> => {
      try {
        for await (const _e of srv
          .client()
          .resource(pods)
          .watch({}, new AbortController().signal)) {
          // consume
        }
        return undefined;
      } catch (e) {
        return e;
      }
    };
    expect(isForbidden(await drainWatch())).toBe(true);
    srv.handle((_req, res) => {
      res.writeHead(200);
      res.write(ev('ADDED', 'a', '1'));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    expect(isConnectionError(await drainWatch())).toBe(true);
    srv.handle((_req, res) => {
      res.writeHead(200);
      res.end('{"type":"ADDED"\n');
    });
    expect(isDecodeError(await drainWatch())).toBe(true);
  });
});

describe('SharedInformer over the REST client', () => {
  it('lists, watches, relists on a 410 ERROR event and reports the vanished object as deleted', async () => {
    let lists = 0;
    let watches = 0;
    srv.handle((req, res) => {
      const item = (name: string, rv: string): object => ({
        metadata: { name, namespace: 'ns', resourceVersion: rv },
      });
      if (req.query['watch'] !== 'true') {
        lists++;
        sendJson(res, 200, {
          apiVersion: 'v1',
          kind: 'PodList',
          metadata: { resourceVersion: lists === 1 ? '10' : '20' },
          items: lists === 1 ? [item('a', '5')] : [item('a', '5'), item('c', '15')],
        });
        return;
      }
      watches++;
      res.writeHead(200);
      res.flushHeaders();
      if (watches === 1) {
        res.write(JSON.stringify({ type: 'ADDED', object: item('b', '11') }) + '\n');
        res.end(
          JSON.stringify({ type: 'ERROR', object: newResourceExpired('too old').status }) + '\n',
        );
      }
    });
    const c = srv.client();
    const inf = new SharedInformer(listerWatcherFor(c.resource<Pod>(pods), { namespace: 'ns' }), {
      watchTimeoutSeconds: 60,
    });
    const events: string[] = [];
    inf.addEventHandler({
      onAdd: (o) => events.push(`add ${o.metadata.name}`),
      onDelete: (o) => events.push(`delete ${o.metadata.name}`),
    });
    const ac = new AbortController();
    const done = inf.run(ac.signal);
    try {
      await waitFor(() => events.length === 4 && watches === 2, { what: 'relist' });
      expect(events).toEqual(['add a', 'add b', 'add c', 'delete b']);
      const watchQueries = srv.seen.filter((s) => s.query['watch'] === 'true').map((s) => s.query);
      expect(watchQueries.map((q) => [q['resourceVersion'], q['allowWatchBookmarks']])).toEqual([
        ['10', 'true'],
        ['20', 'true'],
      ]);
      expect(srv.seen.every((s) => s.path === '/api/v1/namespaces/ns/pods')).toBe(true);
      expect(
        inf
          .lister()
          .namespace('ns')
          .list()
          .map((p) => p.kind),
      ).toEqual(['Pod', 'Pod']);
    } finally {
      ac.abort();
      await done;
    }
  });
});

describe('InformerFactory', () => {
  it('shares one informer per resource and scope, starts late requests, and stops on abort', async () => {
    srv.handle((req, res) => {
      if (req.query['watch'] === 'true') {
        res.writeHead(200);
        res.flushHeaders();
        return; // held open until the client goes away
      }
      const ns = req.path.split('/')[4] ?? '';
      sendJson(res, 200, {
        apiVersion: 'v1',
        kind: 'PodList',
        metadata: { resourceVersion: '7' },
        items: [{ metadata: { name: `in-${ns || 'all'}`, namespace: ns || 'x' } }],
      });
    });
    const factory = new InformerFactory(srv.client());
    const a = factory.informerFor<Pod>(pods, { namespace: 'a' });
    expect(factory.informerFor<Pod>(pods, { namespace: 'a' })).toBe(a);
    const ac = new AbortController();
    const done = factory.run(ac.signal);
    expect(await factory.waitForSync(ac.signal)).toBe(true);
    const late = factory.informerFor<Pod>(pods, {
      namespace: 'b',
      indexers: { byName: (p) => [p.metadata.name] },
    });
    expect(late).not.toBe(a);
    expect(await late.waitForSync(ac.signal)).toBe(true);
    expect(
      a
        .lister()
        .list()
        .map((p) => p.metadata.name),
    ).toEqual(['in-a']);
    expect(late.lister().byIndex('byName', 'in-b')).toHaveLength(1);
    await waitFor(() => srv.seen.filter((s) => s.query['watch'] === 'true').length === 2);
    ac.abort();
    await done;
  });
});
