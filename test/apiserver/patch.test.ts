import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConflict, StatusError } from '../../controlplane/api/errors.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { configMap, configMaps, deployment, deployments, services } from './fixtures.js';

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string }[];
  ports?: { containerPort: number; protocol?: string; name?: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Dep {
  metadata: {
    name: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    resourceVersion: string;
  };
  spec: {
    replicas: number;
    template: { spec: { containers: Container[]; volumes?: { name: string }[] } };
  };
}

describe('API server patches', () => {
  let s: TestApiServer;
  const patch = <T>(path: string, type: string, body: unknown): Promise<T> =>
    s.client.request<T>({ method: 'PATCH', path, body, contentType: `application/${type}+json` });
  const depPath = (n: string): string => `/apis/apps/v1/namespaces/default/deployments/${n}`;

  beforeAll(async () => {
    s = await startApiServer();
  });
  afterAll(async () => {
    await s?.[Symbol.asyncDispose]();
  });

  it('JSON merge patch: objects merge, null deletes, lists replace', async () => {
    await s.client
      .resource(configMaps, 'default')
      .create(configMap('mp', { a: '1', b: '2' }, { x: '1' }));
    const out = await patch<{
      data: Record<string, string>;
      metadata: { labels: Record<string, string> };
    }>('/api/v1/namespaces/default/configmaps/mp', 'merge-patch', {
      data: { b: null, c: '3' },
      metadata: { labels: { y: '2' } },
    });
    expect(out.data).toEqual({ a: '1', c: '3' });
    expect(out.metadata.labels).toEqual({ x: '1', y: '2' });
  });

  it('JSON patch: ops apply in order; a failed test op is 422 and changes nothing; a malformed one is 400', async () => {
    await s.client.resource(configMaps, 'default').create(configMap('jp', { a: '1' }));
    const path = '/api/v1/namespaces/default/configmaps/jp';
    const out = await patch<{ data: Record<string, string> }>(path, 'json-patch', [
      { op: 'test', path: '/data/a', value: '1' },
      { op: 'add', path: '/data/b', value: '2' },
      { op: 'replace', path: '/data/a', value: 'one' },
      { op: 'remove', path: '/data/b' },
    ]);
    expect(out.data).toEqual({ a: 'one' });
    const failed = await patch(path, 'json-patch', [
      { op: 'replace', path: '/data/a', value: 'two' },
      { op: 'test', path: '/data/a', value: 'nope' },
    ]).catch((e: unknown) => e);
    expect((failed as StatusError).code).toBe(422);
    const malformed = await patch(path, 'json-patch', [{ op: 'frobnicate', path: '/data' }]).catch(
      (e: unknown) => e,
    );
    expect((malformed as StatusError).code).toBe(400);
    const malformed2 = await patch(path, 'json-patch', { not: 'a list' }).catch((e: unknown) => e);
    expect((malformed2 as StatusError).code).toBe(400);
    const cm = await s.client.resource(configMaps, 'default').get('jp');
    expect((cm as unknown as { data: Record<string, string> }).data).toEqual({ a: 'one' });
  });

  it('strategic merge patch: the body kubectl sends on a second apply', async () => {
    await s.client.resource(deployments, 'default').create(deployment('smp', 2, 'nginx:1.25'));
    const lastApplied = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'smp' },
    });
    const out = await patch<Dep>(depPath('smp'), 'strategic-merge-patch', {
      metadata: {
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied },
      },
      spec: {
        replicas: 3,
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'main' }],
            containers: [{ image: 'nginx:1.27', name: 'main' }],
          },
        },
      },
    });
    expect(out.spec.replicas).toBe(3);
    const c = out.spec.template.spec.containers;
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({
      name: 'main',
      image: 'nginx:1.27',
      env: [{ name: 'A', value: '1' }],
    });
    expect(c[0]!.ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
    expect(out.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBe(
      lastApplied,
    );
  });

  it('strategic merge patch merges containers, env and ports by key, deletes with null and $patch: delete', async () => {
    await s.client.resource(deployments, 'default').create(deployment('smp2'));
    const out = await patch<Dep>(depPath('smp2'), 'strategic-merge-patch', {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'main',
                env: [{ name: 'B', value: '2' }],
                ports: [{ containerPort: 9090, name: 'metrics' }],
              },
              { name: 'sidecar', image: 'busybox', command: ['sleep', '1'] },
            ],
          },
        },
      },
    });
    const main = out.spec.template.spec.containers.find((c) => c.name === 'main')!;
    expect(main.env).toHaveLength(2);
    expect(main.env).toEqual(
      expect.arrayContaining([
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ]),
    );
    expect(main.ports?.map((p) => p.containerPort).sort()).toEqual([8080, 9090]);
    expect(main.image).toBe('busybox:1.35');
    expect(out.spec.template.spec.containers).toHaveLength(2);
    const out2 = await patch<Dep>(depPath('smp2'), 'strategic-merge-patch', {
      metadata: { labels: { app: null } },
      spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } },
    });
    expect(out2.spec.template.spec.containers.map((c) => c.name)).toEqual(['main']);
    expect(out2.metadata.labels?.['app']).toBeUndefined();
  });

  it('strategic merge patch merges service ports by port', async () => {
    const svcs = s.client.resource(services, 'default');
    await svcs.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'sp' },
      spec: {
        selector: { app: 'x' },
        ports: [
          { name: 'http', port: 80 },
          { name: 'https', port: 443 },
        ],
      },
    } as never);
    const out = await patch<{
      spec: { ports: { port: number; targetPort: number; name: string }[] };
    }>('/api/v1/namespaces/default/services/sp', 'strategic-merge-patch', {
      spec: { ports: [{ port: 443, targetPort: 8443 }] },
    });
    expect(out.spec.ports.find((p) => p.port === 443)).toMatchObject({
      name: 'https',
      targetPort: 8443,
    });
    expect(out.spec.ports.find((p) => p.port === 80)).toBeTruthy();
  });

  it('a patch naming a stale resourceVersion is a 409 Conflict', async () => {
    const cm = await s.client.resource(configMaps, 'default').create(configMap('rvp'));
    await patch('/api/v1/namespaces/default/configmaps/rvp', 'merge-patch', {
      data: { k: 'changed' },
    });
    const err = await patch('/api/v1/namespaces/default/configmaps/rvp', 'merge-patch', {
      metadata: { resourceVersion: cm.metadata.resourceVersion },
      data: { k: 'stale' },
    }).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
  });

  it('unsupported patch types are 415', async () => {
    const err = await s.client
      .request({
        method: 'PATCH',
        path: '/api/v1/namespaces/default/configmaps/rvp',
        body: 'x: 1',
        contentType: 'text/plain',
      })
      .catch((e: unknown) => e);
    expect((err as StatusError).code).toBe(415);
  });
});
