import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, Stored } from '../../controlplane/api/meta.js';
import { findResource } from '../../controlplane/api/resources.js';
import type { Event, Lease } from '../../controlplane/api/types/index.js';
import {
  ApiEventRecorder,
  InformerFactory,
  LeaderElector,
  leaseLock,
} from '../../controlplane/client/index.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { configMap, configMaps, namespace, namespaces } from '../apiserver/fixtures.js';

const leases = findResource('coordination.k8s.io', 'v1', 'leases')!;
const events = findResource('', 'v1', 'events')!;

describe('the client library against the real API server', () => {
  let s: TestApiServer;
  beforeAll(async () => {
    s = await startApiServer({ bookmarkIntervalMs: 200 });
  });
  afterAll(async () => {
    await s?.[Symbol.asyncDispose]();
  });

  it('an informer lists, follows changes and keeps its cache equal to the server', async () => {
    await s.client.resource(namespaces).create(namespace('inf'));
    const cms = s.client.resource(configMaps, 'inf');
    for (let i = 0; i < 5; i++) await cms.create(configMap(`pre-${i}`));
    const factory = new InformerFactory(s.client);
    const inf = factory.informerFor<KubeObject>(configMaps, { namespace: 'inf' });
    const seen: string[] = [];
    inf.addEventHandler({
      onAdd: (o) => seen.push(`add ${o.metadata.name}`),
      onUpdate: (_old, o) => seen.push(`update ${o.metadata.name}`),
      onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    const ac = new AbortController();
    const running = factory.run(ac.signal);
    try {
      expect(await factory.waitForSync(ac.signal)).toBe(true);
      expect(inf.lister().list().length).toBe(5);
      const c = await cms.create(configMap('live'));
      await cms.update({ ...c, data: { k: 'v2' } } as KubeObject);
      await cms.delete('pre-0');
      await waitFor(() => seen.includes('delete pre-0') && seen.includes('update live'));
      const server = (await cms.list()).items
        .map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)
        .sort();
      await waitFor(() => {
        const cached = inf
          .lister()
          .list()
          .map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)
          .sort();
        return JSON.stringify(cached) === JSON.stringify(server);
      });
    } finally {
      ac.abort();
      await running;
    }
  });

  it('leader election on a real Lease: one leads, the other takes over when it steps down', async () => {
    const lock = () => leaseLock(s.client.resource<Lease>(leases), 'kube-system', 'test-leader');
    const leading: string[] = [];
    const elector = (id: string) =>
      new LeaderElector({
        lock: lock(),
        identity: id,
        leaseDurationMs: 2000,
        renewDeadlineMs: 1500,
        retryPeriodMs: 200,
        callbacks: {
          onStartedLeading: async (signal) => {
            leading.push(id);
            await new Promise<void>((r) =>
              signal.addEventListener('abort', () => r(), { once: true }),
            );
          },
          onStoppedLeading: () => {},
        },
      });
    const a = new AbortController();
    const b = new AbortController();
    const ra = elector('a').run(a.signal);
    await waitFor(() => leading.length === 1);
    const rb = elector('b').run(b.signal);
    const lease = (await s.client
      .resource<Lease>(leases, 'kube-system')
      .get('test-leader')) as Stored<Lease>;
    expect(lease.spec?.holderIdentity).toBe('a');
    a.abort();
    await ra;
    await waitFor(() => leading.length === 2, { timeoutMs: 10_000 });
    expect(leading).toEqual(['a', 'b']);
    b.abort();
    await rb;
  });

  it('the event recorder writes events and aggregates repeats', async () => {
    const subject = await s.client.resource(configMaps, 'default').create(configMap('ev-subject'));
    const rec = new ApiEventRecorder(s.client, { component: 'test-component' });
    rec.event(subject, 'Normal', 'Thing', 'it happened');
    rec.event(subject, 'Normal', 'Thing', 'it happened');
    rec.event(subject, 'Warning', 'Other', 'something else');
    await rec.flush();
    const list = await s.client.resource<Event>(events, 'default').list({
      fieldSelector: `involvedObject.name=ev-subject,involvedObject.uid=${subject.metadata.uid}`,
    });
    const byReason = Object.fromEntries(list.items.map((e) => [e.reason, e]));
    expect(list.items).toHaveLength(2);
    expect(byReason['Thing']).toMatchObject({
      count: 2,
      type: 'Normal',
      source: { component: 'test-component' },
    });
    expect(byReason['Other']).toMatchObject({
      count: 1,
      type: 'Warning',
      message: 'something else',
    });
  });
});
