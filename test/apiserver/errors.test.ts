import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound, isServiceUnavailable, StatusError } from '../../controlplane/api/errors.js';
import type { Status } from '../../controlplane/api/meta.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { configMap, configMaps, deployment, deployments } from './fixtures.js';

/** raw sends a request and returns the HTTP code and the decoded body, without throwing on errors. */
async function raw(
  s: TestApiServer,
  method: string,
  path: string,
  body?: string | Buffer,
  contentType = 'application/json',
  token: string | undefined = s.token,
) {
  try {
    const [p, q] = path.split('?');
    const res = await s.restClient(token).request<unknown>({
      method: method as 'GET',
      path: p!,
      query: Object.fromEntries(new URLSearchParams(q ?? '')),
      ...(body !== undefined ? { body, contentType } : {}),
    });
    return { code: 200, body: res as Status };
  } catch (e) {
    if (e instanceof StatusError) return { code: e.code, body: e.status };
    throw e;
  }
}

describe('API server errors are Kubernetes Status objects', () => {
  let s: TestApiServer;
  beforeAll(async () => {
    s = await startApiServer();
  });
  afterAll(async () => {
    await s?.[Symbol.asyncDispose]();
  });

  it('401 without or with a wrong bearer token; health endpoints need none', async () => {
    for (const token of [undefined, 'wrong']) {
      const r = await raw(s, 'GET', '/api/v1/namespaces', undefined, undefined, token ?? '');
      expect(r.code).toBe(401);
      expect(r.body).toMatchObject({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Unauthorized',
        code: 401,
      });
    }
    expect(await s.restClient('').requestText({ path: '/healthz' })).toBe('ok');
    expect(await s.restClient('').requestText({ path: '/livez' })).toBe('ok');
    expect(await s.restClient('').requestText({ path: '/readyz' })).toBe('ok');
    const metrics = await raw(s, 'GET', '/metrics', undefined, undefined, '');
    expect(metrics.code).toBe(401);
    const text = await s.client.requestText({ path: '/metrics' });
    expect(text).toContain('apiserver_request_total');
    expect(text).toContain('etcd_request_duration_seconds');
    expect(text).toContain('apiserver_registered_watchers');
  });

  it('400 for malformed JSON or YAML, a wrong kind or apiVersion, unknown fields in strict mode', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    const bad = await raw(s, 'POST', path, '{"apiVersion":"v1",');
    expect(bad.code).toBe(400);
    expect(bad.body.reason).toBe('BadRequest');
    const badYaml = await raw(s, 'POST', path, 'a: [b', 'application/yaml');
    expect(badYaml.code).toBe(400);
    const wrongKind = await raw(
      s,
      'POST',
      path,
      JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }),
    );
    expect(wrongKind.code).toBe(400);
    expect(wrongKind.body.message).toContain('kind');
    const wrongVersion = await raw(
      s,
      'POST',
      path,
      JSON.stringify({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } }),
    );
    expect(wrongVersion.code).toBe(400);
    const strict = await raw(
      s,
      'POST',
      `/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict`,
      JSON.stringify({
        ...deployment('strict'),
        spec: { ...(deployment('strict') as { spec: object }).spec, replicass: 3 },
      }),
    );
    expect(strict.code).toBe(400);
    expect(strict.body.message).toContain('unknown field "spec.replicass"');
    await expect(s.client.resource(deployments, 'default').get('strict')).rejects.toSatisfy(
      isNotFound,
    );
    // Warn (the default) accepts, drops the field and says so.
    const warned = await s.client
      .resource(deployments, 'default')
      .create({ ...deployment('warned'), extra: 1 } as never);
    expect((warned as Record<string, unknown>)['extra']).toBeUndefined();
    const wrongType = await raw(
      s,
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      JSON.stringify({ ...deployment('t'), spec: { replicas: 'three' } }),
    );
    expect(wrongType.code).toBe(400);
    expect(wrongType.body.message).toContain('spec.replicas');
  });

  it('YAML bodies are accepted', async () => {
    const r = await s.client.request<{ metadata: { name: string } }>({
      method: 'POST',
      path: '/api/v1/namespaces/default/configmaps',
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: b\n',
      contentType: 'application/yaml',
    });
    expect(r.metadata.name).toBe('from-yaml');
  });

  it('404 NotFound for missing objects and unknown paths', async () => {
    const r = await raw(s, 'GET', '/api/v1/namespaces/default/configmaps/none');
    expect(r.code).toBe(404);
    expect(r.body).toMatchObject({
      reason: 'NotFound',
      message: 'configmaps "none" not found',
      details: { name: 'none', kind: 'configmaps' },
    });
    const d = await raw(s, 'GET', '/apis/apps/v1/namespaces/default/deployments/none');
    expect(d.body.message).toBe('deployments.apps "none" not found');
    expect(d.body.details).toMatchObject({ group: 'apps', kind: 'deployments' });
    expect((await raw(s, 'GET', '/apis/nope.example.com/v1/things')).code).toBe(404);
  });

  it('413 for a body over 3 MiB, and nothing is stored', async () => {
    const big = JSON.stringify(configMap('big', { blob: 'x'.repeat(3 * 1024 * 1024 + 10) }));
    const r = await raw(s, 'POST', '/api/v1/namespaces/default/configmaps', big);
    expect(r.code).toBe(413);
    expect(r.body.reason).toBe('RequestEntityTooLarge');
    await expect(s.client.resource(configMaps, 'default').get('big')).rejects.toSatisfy(isNotFound);
  });

  it('503 while etcd is down, and serves again by itself when it returns', async () => {
    const cms = s.client.resource(configMaps, 'default');
    await cms.create(configMap('before-outage'));
    await s.etcd.stop();
    try {
      const err = await cms.get('before-outage').catch((e: unknown) => e);
      expect(isServiceUnavailable(err)).toBe(true);
      expect((err as StatusError).status.kind).toBe('Status');
      const werr = await cms.create(configMap('during-outage')).catch((e: unknown) => e);
      expect(isServiceUnavailable(werr)).toBe(true);
    } finally {
      await s.etcd.start();
    }
    await waitFor(async () => (await cms.get('before-outage')).metadata.name === 'before-outage', {
      timeoutMs: 30_000,
    });
    await waitFor(async () => !!(await cms.create(configMap('after-outage'))), {
      timeoutMs: 30_000,
    });
    await expect(cms.get('during-outage')).rejects.toSatisfy(isNotFound);
    await waitFor(async () => (await s.restClient('').requestText({ path: '/readyz' })) === 'ok', {
      timeoutMs: 30_000,
    });
    // The watch cache follows etcd again: cached reads come to include the new object.
    await waitFor(
      async () =>
        (await cms.list({ resourceVersion: '0' })).items.some(
          (o) => o.metadata.name === 'after-outage',
        ),
      { timeoutMs: 30_000, what: 'the watch cache to catch up after the outage' },
    );
  });
});
