import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBadRequest } from '../../controlplane/api/errors.js';
import type { KubeObject } from '../../controlplane/api/meta.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { configMap, configMaps, namespace, namespaces, pod, pods } from './fixtures.js';

describe('API server list', () => {
  let s: TestApiServer;
  beforeAll(async () => {
    s = await startApiServer();
    await s.client.resource(namespaces).create(namespace('pages'));
    const cms = s.client.resource(configMaps, 'pages');
    for (let i = 0; i < 25; i++) {
      await cms.create(
        configMap(
          `cm-${String(i).padStart(2, '0')}`,
          {},
          { parity: i % 2 ? 'odd' : 'even', n: String(i) },
        ),
      );
    }
  });
  afterAll(async () => {
    await s?.[Symbol.asyncDispose]();
  });

  it('pages with limit/continue at one revision while writes go on', async () => {
    const cms = s.client.resource(configMaps, 'pages');
    const first = await cms.list({ limit: 10 });
    expect(first.items).toHaveLength(10);
    expect(first.metadata.continue).toBeTruthy();
    expect(first.metadata.remainingItemCount).toBe(15);
    // Writes between pages: a new object, a change and a delete must not show up in this list.
    await cms.create(configMap('cm-00a'));
    await cms.create(configMap('cm-99'));
    await cms.delete('cm-20');
    const got = [...first.items];
    let cont = first.metadata.continue;
    while (cont) {
      const page = await cms.list({ limit: 10, continue: cont });
      expect(page.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
      got.push(...page.items);
      cont = page.metadata.continue;
    }
    expect(got.map((o) => o.metadata.name)).toEqual(
      Array.from({ length: 25 }, (_, i) => `cm-${String(i).padStart(2, '0')}`),
    );
    await cms.delete('cm-00a');
    await cms.delete('cm-99');
    await cms.create(configMap('cm-20', {}, { parity: 'even', n: '20' }));
  });

  it('filters with equality and set-based label selectors', async () => {
    const cms = s.client.resource(configMaps, 'pages');
    expect((await cms.list({ labelSelector: 'parity=odd' })).items).toHaveLength(12);
    expect((await cms.list({ labelSelector: 'parity!=odd' })).items).toHaveLength(13);
    expect(
      (await cms.list({ labelSelector: 'n in (1,2,3),parity=odd' })).items.map(
        (o) => o.metadata.name,
      ),
    ).toEqual(['cm-01', 'cm-03']);
    expect((await cms.list({ labelSelector: '!parity' })).items).toHaveLength(0);
    // Filtered pages still page through everything.
    const page = await cms.list({ labelSelector: 'parity=even', limit: 5 });
    expect(page.items).toHaveLength(5);
    expect(page.metadata.continue).toBeTruthy();
    expect(page.metadata.remainingItemCount).toBeUndefined();
    const rest = await cms.list({
      labelSelector: 'parity=even',
      continue: page.metadata.continue!,
    });
    expect(page.items.length + rest.items.length).toBe(13);
  });

  it('filters with field selectors, and refuses unsupported fields and bad selectors with 400', async () => {
    const cms = s.client.resource(configMaps, 'pages');
    expect(
      (await cms.list({ fieldSelector: 'metadata.name=cm-07' })).items.map((o) => o.metadata.name),
    ).toEqual(['cm-07']);
    const ps = s.client.resource(pods, 'pages');
    await ps.create(pod('on-a', 'node-a'));
    await ps.create(pod('on-b', 'node-b'));
    await ps.create(pod('nowhere'));
    expect(
      (await ps.list({ fieldSelector: 'spec.nodeName=node-a' })).items.map((o) => o.metadata.name),
    ).toEqual(['on-a']);
    expect(
      (await ps.list({ fieldSelector: 'spec.nodeName=' })).items.map((o) => o.metadata.name),
    ).toEqual(['nowhere']);
    expect(
      (await ps.list({ fieldSelector: 'status.phase=Pending,spec.nodeName!=node-a' })).items,
    ).toHaveLength(2);
    const e1 = await cms.list({ fieldSelector: 'spec.foo=bar' }).catch((e: unknown) => e);
    expect(isBadRequest(e1)).toBe(true);
    expect((e1 as Error).message).toContain('field label not supported: spec.foo');
    const e2 = await cms.list({ labelSelector: 'a in (b' }).catch((e: unknown) => e);
    expect(isBadRequest(e2)).toBe(true);
  });

  it('serves resourceVersion=0 from the cache and exact versions from etcd', async () => {
    const cms = s.client.resource(configMaps, 'pages');
    const before = await cms.list();
    await cms.create(configMap('late'));
    const cached = await cms.list({ resourceVersion: '0' });
    expect(Number(cached.metadata.resourceVersion)).toBeGreaterThanOrEqual(
      Number(before.metadata.resourceVersion),
    );
    const exact = await cms.list({
      resourceVersion: before.metadata.resourceVersion!,
      resourceVersionMatch: 'Exact',
    });
    expect(exact.items.map((o) => o.metadata.name)).not.toContain('late');
    expect(exact.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    const notOlder = await cms.list({
      resourceVersion: before.metadata.resourceVersion!,
      resourceVersionMatch: 'NotOlderThan',
    });
    expect(Number(notOlder.metadata.resourceVersion)).toBeGreaterThanOrEqual(
      Number(before.metadata.resourceVersion),
    );
  });

  it('lists across namespaces at the cluster-wide path', async () => {
    await s.client.resource(configMaps, 'default').create(configMap('elsewhere'));
    const all = await s.client.resource(configMaps).list();
    const nss = new Set(all.items.map((o: KubeObject) => o.metadata?.namespace));
    expect(nss.has('pages')).toBe(true);
    expect(nss.has('default')).toBe(true);
  });
});
