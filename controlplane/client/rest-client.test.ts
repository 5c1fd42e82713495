import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isServiceUnavailable,
  isTooManyRequests,
  isUnauthorized,
  newConflict,
  newNotFound,
  newResourceExpired,
  newTooManyRequests,
  reasonOf,
  type StatusError,
} from '../api/errors.js';
import type { KubeObject, WatchEvent } from '../api/meta.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import { generateCa, generateCert, type KeyPair } from '../../lib/pki.js';
import { freePort } from '../../lib/ports.js';
import { FakeClock } from '../../lib/time.js';
import { waitFor } from '../../lib/wait.js';
import { isConnectionError, isDecodeError } from './errors.js';
import { SharedInformer } from './informer.js';
import { listerWatcherFor } from './informer-factory.js';
import { RestClient, type RestConfig } from './rest-client.js';

const info = (group: string, version: string, resource: string): ResourceInfo => {
  const r = findResource(group, version, resource);
  if (!r) throw new Error(`no resource ${resource}`);
  return r;
};
const pods = info('', 'v1', 'pods');
const nodes = info('', 'v1', 'nodes');
const deployments = info('apps', 'v1', 'deployments');

interface Pod extends KubeObject {
  spec?: { nodeName?: string };
}

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
  clientCN: string | undefined;
}

type Handler = (req: Seen, res: ServerResponse) => void | Promise<void>;

let ca: KeyPair;
let serving: KeyPair;
let clientPair: KeyPair;
let server: Server;
let port: number;
let handler: Handler;
let seen: Seen[];
const clients: RestClient[] = [];

function json(res: ServerResponse, code: number, body: unknown, headers = {}): void {
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function client(extra: Partial<RestConfig> = {}, clock?: FakeClock): RestClient {
  const c = new RestClient(
    { server: `https://127.0.0.1:${port}`, ca: ca.cert, token: 'sekret', ...extra },
    clock ? { clock } : {},
  );
  clients.push(c);
  return c;
}

beforeAll(async () => {
  ca = await generateCa('client-test-ca');
  serving = await generateCert(ca, { commonName: 'apiserver', ips: ['127.0.0.1'] });
  clientPair = await generateCert(ca, { commonName: 'alice', usage: ['client'] });
  server = createServer(
    {
      cert: serving.cert,
      key: serving.key,
      ca: ca.cert,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'https://x');
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        const s: Seen = {
          method: req.method ?? '',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body,
          clientCN: peer && 'subject' in peer && peer.subject ? String(peer.subject.CN) : undefined,
        };
        seen.push(s);
        void Promise.resolve(handler(s, res)).catch((e: unknown) => {
          res.destroy(e as Error);
        });
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

function reset(h: Handler): void {
  seen = [];
  handler = h;
}

const pod = (ns: string, name: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, uid: 'u1', resourceVersion: '5', creationTimestamp: 'now' },
});

describe('RestClient verbs', () => {
  it('get sends the bearer token to the object path and decodes the answer', async () => {
    reset((_req, res) => json(res, 200, pod('ns', 'p')));
    const got = await client().resource<Pod>(pods).namespace('ns').get('p');
    expect(got.metadata.name).toBe('p');
    expect(seen[0]).toMatchObject({ method: 'GET', path: '/api/v1/namespaces/ns/pods/p' });
    expect(seen[0]?.headers['authorization']).toBe('Bearer sekret');
    expect(seen[0]?.headers['accept']).toBe('application/json');
  });

  it('list passes every query parameter and fills in item apiVersion/kind; listAll follows continue', async () => {
    reset((req, res) => {
      const page = req.query['continue'] === 'c1' ? 2 : 1;
      json(res, 200, {
        apiVersion: 'v1',
        kind: 'PodList',
        metadata: { resourceVersion: '42', ...(page === 1 ? { continue: 'c1' } : {}) },
        items: [{ metadata: { name: `p${page}`, namespace: 'ns' } }],
      });
    });
    const c = client().resource<Pod>(pods);
    const list = await c.list({
      labelSelector: 'app=web',
      fieldSelector: 'spec.nodeName=n1',
      limit: 1,
      resourceVersion: '0',
      resourceVersionMatch: 'NotOlderThan',
      timeoutSeconds: 5,
    });
    expect(seen[0]?.path).toBe('/api/v1/pods');
    expect(seen[0]?.query).toEqual({
      labelSelector: 'app=web',
      fieldSelector: 'spec.nodeName=n1',
      limit: '1',
      resourceVersion: '0',
      resourceVersionMatch: 'NotOlderThan',
      timeoutSeconds: '5',
    });
    expect(list.items[0]).toMatchObject({ apiVersion: 'v1', kind: 'Pod' });
    expect(list.metadata.continue).toBe('c1');
    const all = await c.namespace('ns').listAll({ limit: 1 });
    expect(all.items.map((p) => p.metadata.name)).toEqual(['p1', 'p2']);
    expect(all.metadata).toEqual({ resourceVersion: '42' });
    expect(seen.slice(1).map((s) => [s.path, s.query['continue']])).toEqual([
      ['/api/v1/namespaces/ns/pods', undefined],
      ['/api/v1/namespaces/ns/pods', 'c1'],
    ]);
  });

  it('create, update and updateStatus use the right verb, path, body and write options', async () => {
    reset((req, res) => json(res, req.method === 'POST' ? 201 : 200, JSON.parse(req.body)));
    const c = client().resource<KubeObject>(deployments);
    const created = await c.create(
      { metadata: { name: 'web', namespace: 'prod' } },
      { fieldManager: 'tug', fieldValidation: 'Strict', dryRun: true },
    );
    expect(created).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      path: '/apis/apps/v1/namespaces/prod/deployments',
      query: { fieldManager: 'tug', fieldValidation: 'Strict', dryRun: 'All' },
    });
    expect(seen[0]?.headers['content-type']).toBe('application/json');
    await c.update({ metadata: { name: 'web', namespace: 'prod', resourceVersion: '7' } });
    await c.namespace('prod').updateStatus({ metadata: { name: 'web' } });
    expect(seen.slice(1).map((s) => `${s.method} ${s.path}`)).toEqual([
      'PUT /apis/apps/v1/namespaces/prod/deployments/web',
      'PUT /apis/apps/v1/namespaces/prod/deployments/web/status',
    ]);
    expect(JSON.parse(seen[1]?.body ?? '{}').metadata.resourceVersion).toBe('7');
  });

  it('patch sends each patch type with its content type, to subresources too', async () => {
    reset((_req, res) => json(res, 200, { kind: 'Scale', spec: { replicas: 5 } }));
    const c = client().resource<KubeObject>(deployments).namespace('d');
    await c.patch('web', 'merge', { spec: { replicas: 5 } }, { subresource: 'scale' });
    await c.patch('web', 'json', [{ op: 'replace', path: '/spec/replicas', value: 2 }]);
    await c.patch('web', 'strategic', { spec: {} }, { fieldManager: 'kubectl' });
    await c.apply(
      { metadata: { name: 'web', namespace: 'd' } },
      { fieldManager: 'tug', force: true },
    );
    await expect(c.patch('web', 'apply', {})).rejects.toThrow(TypeError);
    expect(seen.map((s) => [s.path, s.headers['content-type'], s.query])).toEqual([
      ['/apis/apps/v1/namespaces/d/deployments/web/scale', 'application/merge-patch+json', {}],
      ['/apis/apps/v1/namespaces/d/deployments/web', 'application/json-patch+json', {}],
      [
        '/apis/apps/v1/namespaces/d/deployments/web',
        'application/strategic-merge-patch+json',
        { fieldManager: 'kubectl' },
      ],
      [
        '/apis/apps/v1/namespaces/d/deployments/web',
        'application/apply-patch+yaml',
        { fieldManager: 'tug', force: 'true' },
      ],
    ]);
    expect(JSON.parse(seen[1]?.body ?? '')).toEqual([
      { op: 'replace', path: '/spec/replicas', value: 2 },
    ]);
    expect(JSON.parse(seen[3]?.body ?? '')).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
    });
  });

  it('delete sends DeleteOptions and tells a finished delete from a pending one', async () => {
    let answer: unknown = {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Success',
      code: 200,
      metadata: {},
    };
    reset((_req, res) => json(res, 200, answer));
    const c = client().resource<Pod>(pods).namespace('ns');
    expect(
      await c.delete('p', { propagationPolicy: 'Background', gracePeriodSeconds: 0 }),
    ).toBeUndefined();
    expect(seen[0]).toMatchObject({ method: 'DELETE', path: '/api/v1/namespaces/ns/pods/p' });
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Background',
      gracePeriodSeconds: 0,
    });
    answer = {
      ...pod('ns', 'p'),
      metadata: { ...pod('ns', 'p').metadata, deletionTimestamp: 't' },
    };
    expect((await c.delete('p', { dryRun: true }))?.metadata.deletionTimestamp).toBe('t');
    expect(JSON.parse(seen[1]?.body ?? '').dryRun).toEqual(['All']);
    await c.deleteCollection({ labelSelector: 'app=web' });
    expect(seen[2]).toMatchObject({
      method: 'DELETE',
      path: '/api/v1/namespaces/ns/pods',
      query: { labelSelector: 'app=web' },
    });
  });

  it('uses cluster-scoped paths, subresource calls, and rejects a missing namespace before sending', async () => {
    reset((req, res) => json(res, req.method === 'POST' ? 201 : 200, { kind: 'X', metadata: {} }));
    const c = client();
    await c.resource(nodes).get('n1');
    await c
      .resource(pods)
      .namespace('ns')
      .createSubresource('p', 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'p' },
        target: { kind: 'Node', name: 'n1' },
      });
    await c.resource(deployments).namespace('ns').getSubresource('web', 'scale');
    await c.resource(deployments).updateSubresource('web', 'scale', {
      metadata: { name: 'web', namespace: 'ns' },
      spec: { replicas: 3 },
    });
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'GET /api/v1/nodes/n1',
      'POST /api/v1/namespaces/ns/pods/p/binding',
      'GET /apis/apps/v1/namespaces/ns/deployments/web/scale',
      'PUT /apis/apps/v1/namespaces/ns/deployments/web/scale',
    ]);
    await expect(c.resource(pods).get('p')).rejects.toThrow(/namespaced/);
    await expect(c.resource(pods).namespace('ns').get('')).rejects.toThrow(TypeError);
    expect(seen).toHaveLength(4);
  });

  it('raw request and text streams: /version, a followed log', async () => {
    reset((req, res) => {
      if (req.path === '/version') return json(res, 200, { major: '1', minor: '32' });
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('line 1\n');
      setTimeout(() => res.end('line 2\n'), 20);
    });
    const c = client();
    expect(await c.request<{ minor: string }>({ path: '/version' })).toEqual({
      major: '1',
      minor: '32',
    });
    const res = await c
      .resource(pods)
      .namespace('ns')
      .streamSubresource('p', 'log', { follow: true, container: 'web', tailLines: 10 });
    res.setEncoding('utf8');
    let text = '';
    for await (const chunk of res as AsyncIterable<string>) text += chunk;
    expect(text).toBe('line 1\nline 2\n');
    expect(seen[1]).toMatchObject({
      path: '/api/v1/namespaces/ns/pods/p/log',
      query: { follow: 'true', container: 'web', tailLines: '10' },
    });
  });

  it('presents the client certificate and reports Warning headers', async () => {
    reset((_req, res) => json(res, 200, {}, { Warning: '299 - "spec.foo: deprecated field"' }));
    const warnings: string[] = [];
    const c = new RestClient(
      {
        server: `https://127.0.0.1:${port}`,
        ca: ca.cert,
        cert: clientPair.cert,
        key: clientPair.key,
      },
      { onWarning: (w) => warnings.push(w) },
    );
    clients.push(c);
    await c.request({ path: '/version' });
    expect(seen[0]?.clientCN).toBe('alice');
    expect(seen[0]?.headers['authorization']).toBeUndefined();
    expect(warnings).toEqual(['spec.foo: deprecated field']);
    expect(() => new RestClient({ server: 'https://x', cert: 'c' })).toThrow(TypeError);
    expect(() => new RestClient({ server: 'ftp://x' })).toThrow(TypeError);
  });
});

describe('RestClient errors', () => {
  it('decodes Status answers into typed errors', async () => {
    let status: unknown;
    reset((_req, res) => json(res, (status as { code: number }).code, status));
    const c = client().resource<Pod>(pods).namespace('ns');
    status = newNotFound({ group: '', resource: 'pods' }, 'p').status;
    const e1 = await c.get('p').catch((e: unknown) => e);
    expect(isNotFound(e1)).toBe(true);
    expect((e1 as StatusError).message).toBe('pods "p" not found');
    expect((e1 as StatusError).status.details?.name).toBe('p');
    status = newConflict({ group: '', resource: 'pods' }, 'p').status;
    expect(isConflict(await c.update(pod('ns', 'p')).catch((e: unknown) => e))).toBe(true);
    status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      details: { causes: [{ field: 'spec.replicas', reason: 'FieldValueInvalid' }] },
    };
    const e3 = await c.create(pod('ns', 'p')).catch((e: unknown) => e);
    expect(isInvalid(e3)).toBe(true);
    expect((e3 as StatusError).status.details?.causes?.[0]?.field).toBe('spec.replicas');
  });

  it('maps non-Status answers by HTTP code', async () => {
    let code = 404;
    let body = '404 page not found';
    reset((_req, res) => {
      res.writeHead(code, { 'Content-Type': 'text/plain' });
      res.end(body);
    });
    const get = (): Promise<unknown> =>
      client()
        .request({ path: '/x' })
        .catch((e: unknown) => e);
    let e = await get();
    expect(isNotFound(e)).toBe(true);
    expect((e as StatusError).code).toBe(404);
    expect((e as StatusError).message).toContain('404 page not found');
    const cases: [number, (e: unknown) => boolean][] = [
      [401, isUnauthorized],
      [403, isForbidden],
      [409, isConflict],
      [410, isGone],
      [503, isServiceUnavailable],
    ];
    for (const [c, guard] of cases) {
      code = c;
      body = '';
      e = await get();
      expect(guard(e), `code ${c}`).toBe(true);
    }
    code = 502;
    body = '<html>bad gateway</html>';
    e = await get();
    expect(reasonOf(e)).toBe('InternalError');
    expect((e as StatusError).code).toBe(502);
    code = 200;
    body = 'not json';
    expect(isDecodeError(await get())).toBe(true);
  });

  it('retries 429 with Retry-After on the injected clock, at most twice', async () => {
    let left = 2;
    reset((_req, res) => {
      if (left-- > 0)
        json(res, 429, newTooManyRequests('slow down', 1).status, { 'Retry-After': '1' });
      else json(res, 200, { ok: true });
    });
    const clock = new FakeClock();
    const c = client({}, clock);
    const p = c.request({ path: '/x' });
    for (let i = 0; i < 2; i++) {
      await waitFor(() => clock.pending > 0, { timeoutMs: 10_000 });
      clock.advance(1000);
    }
    expect(await p).toEqual({ ok: true });
    expect(seen).toHaveLength(3);

    left = 3;
    seen = [];
    const p2 = c.request({ path: '/x' }).catch((e: unknown) => e);
    for (let i = 0; i < 2; i++) {
      await waitFor(() => clock.pending > 0, { timeoutMs: 10_000 });
      clock.advance(1000);
    }
    const e = await p2;
    expect(isTooManyRequests(e)).toBe(true);
    expect((e as StatusError).status.details?.retryAfterSeconds).toBe(1);
    expect(seen).toHaveLength(3);

    reset((_req, res) => json(res, 429, newTooManyRequests('no hint', 0).status));
    expect(isTooManyRequests(await c.request({ path: '/x' }).catch((e: unknown) => e))).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it('reports transport failures as ConnectionError: refused, bad CA, timeout; abort rejects with its reason', async () => {
    const closed = await freePort();
    const refused = await new RestClient({ server: `https://127.0.0.1:${closed}` })
      .request({ path: '/' })
      .catch((e: unknown) => e);
    expect(isConnectionError(refused)).toBe(true);
    expect((refused as { code?: string }).code).toBe('ECONNREFUSED');

    reset((_req, res) => json(res, 200, {}));
    const other = await generateCa('other');
    const badCa = await client({ ca: other.cert })
      .request({ path: '/' })
      .catch((e: unknown) => e);
    expect(isConnectionError(badCa)).toBe(true);
    expect(
      await client({ ca: undefined, insecureSkipTLSVerify: true }).request({ path: '/' }),
    ).toEqual({});

    reset(() => {}); // never answers
    const slow = await client({ timeoutMs: 300 })
      .request({ path: '/' })
      .catch((e: unknown) => e);
    expect(isConnectionError(slow)).toBe(true);
    expect((slow as { code?: string }).code).toBe('ETIMEDOUT');

    const ac = new AbortController();
    const p = client()
      .request({ path: '/', signal: ac.signal })
      .catch((e: unknown) => e);
    await waitFor(() => seen.length === 2);
    ac.abort(new Error('stop'));
    expect(((await p) as Error).message).toBe('stop');
  });

  it('applies the optional client-side QPS limit', async () => {
    reset((_req, res) => json(res, 200, {}));
    const clock = new FakeClock();
    const c = client({ qps: 1, burst: 1 }, clock);
    await c.request({ path: '/a' });
    const p = c.request({ path: '/b' });
    await waitFor(() => clock.pending > 0);
    expect(seen).toHaveLength(1);
    clock.advance(1000);
    await p;
    expect(seen).toHaveLength(2);
  });
});

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
    reset(async (_req, res) => {
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
    const w = client().resource<Pod>(pods).namespace('ns');
    for await (const e of w.watch(
      { resourceVersion: '0', allowWatchBookmarks: true, timeoutSeconds: 30, labelSelector: 'a=b' },
      new AbortController().signal,
    )) {
      got.push(`${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`);
    }
    expect(got).toEqual(['ADDED a 1', 'MODIFIED ä-ö 2', 'BOOKMARK  3', 'DELETED a 4']);
    expect(seen[0]?.query).toEqual({
      watch: 'true',
      resourceVersion: '0',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '30',
      labelSelector: 'a=b',
    });
  });

  it('throws an ERROR event as its StatusError (410 → isGone)', async () => {
    reset((_req, res) => {
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
      for await (const e of client().resource(pods).watch({}, new AbortController().signal))
        got.push(e);
    })().catch((e: unknown) => e);
    expect(got).toHaveLength(1);
    expect(isGone(err)).toBe(true);
    expect((err as StatusError).reason).toBe('Expired');
  });

  it('ends cleanly when the signal aborts mid-stream, and the server sees the connection close', async () => {
    let closed = false;
    reset((_req, res) => {
      res.writeHead(200);
      res.flushHeaders();
      res.write(ev('ADDED', 'a', '1'));
      res.on('close', () => (closed = true));
    });
    const ac = new AbortController();
    const got: string[] = [];
    for await (const e of client().resource<Pod>(pods).watch({}, ac.signal)) {
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
      for await (const e of client().resource<Pod>(pods).watch({}, ac2.signal)) types.push(e.type);
    })();
    await waitFor(() => types.length === 1);
    ac2.abort();
    await loop;
    expect(types).toEqual(['ADDED']);
    await waitFor(() => closed, { what: 'server-side close after idle abort' });
  });

  it('throws the Status of a refused watch, and ConnectionError when the stream breaks', async () => {
    reset((_req, res) =>
      json(res, 403, {
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
        for await (const _e of client().resource(pods).watch({}, new AbortController().signal)) {
          // consume
        }
        return undefined;
      } catch (e) {
        return e;
      }
    };
    expect(isForbidden(await drainWatch())).toBe(true);
    reset((_req, res) => {
      res.writeHead(200);
      res.write(ev('ADDED', 'a', '1'));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    expect(isConnectionError(await drainWatch())).toBe(true);
    reset((_req, res) => {
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
    reset((req, res) => {
      const item = (name: string, rv: string): object => ({
        metadata: { name, namespace: 'ns', resourceVersion: rv },
      });
      if (req.query['watch'] !== 'true') {
        lists++;
        json(res, 200, {
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
    const c = client();
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
      const watchQueries = seen.filter((s) => s.query['watch'] === 'true').map((s) => s.query);
      expect(watchQueries.map((q) => [q['resourceVersion'], q['allowWatchBookmarks']])).toEqual([
        ['10', 'true'],
        ['20', 'true'],
      ]);
      expect(seen.every((s) => s.path === '/api/v1/namespaces/ns/pods')).toBe(true);
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
