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
  newTooManyRequests,
  reasonOf,
  type StatusError,
} from '../api/errors.js';
import type { KubeObject } from '../api/meta.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import { generateCa } from '../../lib/pki.js';
import { freePort } from '../../lib/ports.js';
import { FakeClock } from '../../lib/time.js';
import { waitFor } from '../../lib/wait.js';
import { isConnectionError, isDecodeError } from './errors.js';
import { RestClient } from './rest-client.js';
import { sendJson, TestHttpsServer } from './test-server.js';

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

let srv: TestHttpsServer;
beforeAll(async () => {
  srv = await TestHttpsServer.start();
});
afterAll(() => srv.close());
afterEach(() => srv.closeClients());

const pod = (ns: string, name: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, uid: 'u1', resourceVersion: '5', creationTimestamp: 'now' },
});

describe('RestClient verbs', () => {
  it('get sends the bearer token to the object path and decodes the answer', async () => {
    srv.handle((_req, res) => sendJson(res, 200, pod('ns', 'p')));
    const got = await srv.client().resource<Pod>(pods).namespace('ns').get('p');
    expect(got.metadata.name).toBe('p');
    expect(srv.seen[0]).toMatchObject({ method: 'GET', path: '/api/v1/namespaces/ns/pods/p' });
    expect(srv.seen[0]?.headers['authorization']).toBe('Bearer sekret');
    expect(srv.seen[0]?.headers['accept']).toBe('application/json');
  });

  it('list passes every query parameter and fills in item apiVersion/kind; listAll follows continue', async () => {
    srv.handle((req, res) => {
      const page = req.query['continue'] === 'c1' ? 2 : 1;
      sendJson(res, 200, {
        apiVersion: 'v1',
        kind: 'PodList',
        metadata: { resourceVersion: '42', ...(page === 1 ? { continue: 'c1' } : {}) },
        items: [{ metadata: { name: `p${page}`, namespace: 'ns' } }],
      });
    });
    const c = srv.client().resource<Pod>(pods);
    const list = await c.list({
      labelSelector: 'app=web',
      fieldSelector: 'spec.nodeName=n1',
      limit: 1,
      resourceVersion: '0',
      resourceVersionMatch: 'NotOlderThan',
      timeoutSeconds: 5,
    });
    expect(srv.seen[0]?.path).toBe('/api/v1/pods');
    expect(srv.seen[0]?.query).toEqual({
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
    expect(srv.seen.slice(1).map((s) => [s.path, s.query['continue']])).toEqual([
      ['/api/v1/namespaces/ns/pods', undefined],
      ['/api/v1/namespaces/ns/pods', 'c1'],
    ]);
  });

  it('create, update and updateStatus use the right verb, path, body and write options', async () => {
    srv.handle((req, res) =>
      sendJson(res, req.method === 'POST' ? 201 : 200, JSON.parse(req.body)),
    );
    const c = srv.client().resource<KubeObject>(deployments);
    const created = await c.create(
      { metadata: { name: 'web', namespace: 'prod' } },
      { fieldManager: 'tug', fieldValidation: 'Strict', dryRun: true },
    );
    expect(created).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
    expect(srv.seen[0]).toMatchObject({
      method: 'POST',
      path: '/apis/apps/v1/namespaces/prod/deployments',
      query: { fieldManager: 'tug', fieldValidation: 'Strict', dryRun: 'All' },
    });
    expect(srv.seen[0]?.headers['content-type']).toBe('application/json');
    await c.update({ metadata: { name: 'web', namespace: 'prod', resourceVersion: '7' } });
    await c.namespace('prod').updateStatus({ metadata: { name: 'web' } });
    expect(srv.seen.slice(1).map((s) => `${s.method} ${s.path}`)).toEqual([
      'PUT /apis/apps/v1/namespaces/prod/deployments/web',
      'PUT /apis/apps/v1/namespaces/prod/deployments/web/status',
    ]);
    expect(JSON.parse(srv.seen[1]?.body ?? '{}').metadata.resourceVersion).toBe('7');
  });

  it('patch sends each patch type with its content type, to subresources too', async () => {
    srv.handle((_req, res) => sendJson(res, 200, { kind: 'Scale', spec: { replicas: 5 } }));
    const c = srv.client().resource<KubeObject>(deployments).namespace('d');
    await c.patch('web', 'merge', { spec: { replicas: 5 } }, { subresource: 'scale' });
    await c.patch('web', 'json', [{ op: 'replace', path: '/spec/replicas', value: 2 }]);
    await c.patch('web', 'strategic', { spec: {} }, { fieldManager: 'kubectl' });
    await c.apply(
      { metadata: { name: 'web', namespace: 'd' } },
      { fieldManager: 'tug', force: true },
    );
    await expect(c.patch('web', 'apply', {})).rejects.toThrow(TypeError);
    expect(srv.seen.map((s) => [s.path, s.headers['content-type'], s.query])).toEqual([
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
    expect(JSON.parse(srv.seen[1]?.body ?? '')).toEqual([
      { op: 'replace', path: '/spec/replicas', value: 2 },
    ]);
    expect(JSON.parse(srv.seen[3]?.body ?? '')).toMatchObject({
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
    srv.handle((_req, res) => sendJson(res, 200, answer));
    const c = srv.client().resource<Pod>(pods).namespace('ns');
    expect(
      await c.delete('p', { propagationPolicy: 'Background', gracePeriodSeconds: 0 }),
    ).toBeUndefined();
    expect(srv.seen[0]).toMatchObject({ method: 'DELETE', path: '/api/v1/namespaces/ns/pods/p' });
    expect(JSON.parse(srv.seen[0]?.body ?? '')).toEqual({
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
    expect(JSON.parse(srv.seen[1]?.body ?? '').dryRun).toEqual(['All']);
    await c.deleteCollection({ labelSelector: 'app=web' });
    expect(srv.seen[2]).toMatchObject({
      method: 'DELETE',
      path: '/api/v1/namespaces/ns/pods',
      query: { labelSelector: 'app=web' },
    });
  });

  it('uses cluster-scoped paths, subresource calls, and rejects a missing namespace before sending', async () => {
    srv.handle((req, res) =>
      sendJson(res, req.method === 'POST' ? 201 : 200, { kind: 'X', metadata: {} }),
    );
    const c = srv.client();
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
    expect(srv.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'GET /api/v1/nodes/n1',
      'POST /api/v1/namespaces/ns/pods/p/binding',
      'GET /apis/apps/v1/namespaces/ns/deployments/web/scale',
      'PUT /apis/apps/v1/namespaces/ns/deployments/web/scale',
    ]);
    await expect(c.resource(pods).get('p')).rejects.toThrow(/namespaced/);
    await expect(c.resource(pods).namespace('ns').get('')).rejects.toThrow(TypeError);
    expect(srv.seen).toHaveLength(4);
  });

  it('raw request and text streams: /version, a followed log', async () => {
    srv.handle((req, res) => {
      if (req.path === '/version') return sendJson(res, 200, { major: '1', minor: '32' });
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('line 1\n');
      setTimeout(() => res.end('line 2\n'), 20);
    });
    const c = srv.client();
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
    expect(srv.seen[1]).toMatchObject({
      path: '/api/v1/namespaces/ns/pods/p/log',
      query: { follow: 'true', container: 'web', tailLines: '10' },
    });
  });

  it('presents the client certificate and reports Warning headers', async () => {
    srv.handle((_req, res) =>
      sendJson(res, 200, {}, { Warning: '299 - "spec.foo: deprecated field"' }),
    );
    const warnings: string[] = [];
    const c = new RestClient(
      {
        server: `${srv.url}`,
        ca: srv.ca.cert,
        cert: srv.clientPair.cert,
        key: srv.clientPair.key,
      },
      { onWarning: (w) => warnings.push(w) },
    );
    try {
      await c.request({ path: '/version' });
    } finally {
      c.close();
    }
    expect(srv.seen[0]?.clientCN).toBe('alice');
    expect(srv.seen[0]?.headers['authorization']).toBeUndefined();
    expect(warnings).toEqual(['spec.foo: deprecated field']);
    expect(() => new RestClient({ server: 'https://x', cert: 'c' })).toThrow(TypeError);
    expect(() => new RestClient({ server: 'ftp://x' })).toThrow(TypeError);
  });
});

describe('RestClient errors', () => {
  it('decodes Status answers into typed errors', async () => {
    let status: unknown;
    srv.handle((_req, res) => sendJson(res, (status as { code: number }).code, status));
    const c = srv.client().resource<Pod>(pods).namespace('ns');
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
    srv.handle((_req, res) => {
      res.writeHead(code, { 'Content-Type': 'text/plain' });
      res.end(body);
    });
    const get = (): Promise<unknown> =>
      srv
        .client()
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
    srv.handle((_req, res) => {
      if (left-- > 0)
        sendJson(res, 429, newTooManyRequests('slow down', 1).status, { 'Retry-After': '1' });
      else sendJson(res, 200, { ok: true });
    });
    const clock = new FakeClock();
    const c = srv.client({}, clock);
    const p = c.request({ path: '/x' });
    for (let i = 0; i < 2; i++) {
      await waitFor(() => clock.pending > 0, { timeoutMs: 10_000 });
      clock.advance(1000);
    }
    expect(await p).toEqual({ ok: true });
    expect(srv.seen).toHaveLength(3);

    left = 3;
    srv.seen.length = 0;
    const p2 = c.request({ path: '/x' }).catch((e: unknown) => e);
    for (let i = 0; i < 2; i++) {
      await waitFor(() => clock.pending > 0, { timeoutMs: 10_000 });
      clock.advance(1000);
    }
    const e = await p2;
    expect(isTooManyRequests(e)).toBe(true);
    expect((e as StatusError).status.details?.retryAfterSeconds).toBe(1);
    expect(srv.seen).toHaveLength(3);

    srv.handle((_req, res) => sendJson(res, 429, newTooManyRequests('no hint', 0).status));
    expect(isTooManyRequests(await c.request({ path: '/x' }).catch((e: unknown) => e))).toBe(true);
    expect(srv.seen).toHaveLength(1);
  });

  it('reports transport failures as ConnectionError: refused, bad CA, timeout; abort rejects with its reason', async () => {
    const closed = await freePort();
    const refused = await new RestClient({ server: `https://127.0.0.1:${closed}` })
      .request({ path: '/' })
      .catch((e: unknown) => e);
    expect(isConnectionError(refused)).toBe(true);
    expect((refused as { code?: string }).code).toBe('ECONNREFUSED');

    srv.handle((_req, res) => sendJson(res, 200, {}));
    const other = await generateCa('other');
    const badCa = await srv
      .client({ ca: other.cert })
      .request({ path: '/' })
      .catch((e: unknown) => e);
    expect(isConnectionError(badCa)).toBe(true);
    expect(
      await srv.client({ ca: undefined, insecureSkipTLSVerify: true }).request({ path: '/' }),
    ).toEqual({});

    srv.handle(() => {}); // never answers
    const slow = await srv
      .client({ timeoutMs: 300 })
      .request({ path: '/' })
      .catch((e: unknown) => e);
    expect(isConnectionError(slow)).toBe(true);
    expect((slow as { code?: string }).code).toBe('ETIMEDOUT');

    const ac = new AbortController();
    const p = srv
      .client()
      .request({ path: '/', signal: ac.signal })
      .catch((e: unknown) => e);
    await waitFor(() => srv.seen.length === 2);
    ac.abort(new Error('stop'));
    expect(((await p) as Error).message).toBe('stop');
  });

  it('applies the optional client-side QPS limit', async () => {
    srv.handle((_req, res) => sendJson(res, 200, {}));
    const clock = new FakeClock();
    const c = srv.client({ qps: 1, burst: 1 }, clock);
    await c.request({ path: '/a' });
    const p = c.request({ path: '/b' });
    await waitFor(() => clock.pending > 0);
    expect(srv.seen).toHaveLength(1);
    clock.advance(1000);
    await p;
    expect(srv.seen).toHaveLength(2);
  });
});
