import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject, OwnerReference, Stored } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import {
  drain,
  memoryHarness,
  res,
  type MemoryHarness,
} from '../../../test/controllers/memory-harness.js';
import { GarbageCollector } from './index.js';

const configmaps = res('configmaps');
const pods = res('pods');
const deployments = res('deployments', 'apps');
const replicasets = res('replicasets', 'apps');

function ref(owner: Stored<KubeObject>, block = true): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: block,
  };
}

const obj = (name: string, owners: OwnerReference[] = [], extra: object = {}): KubeObject =>
  ({
    metadata: {
      name,
      namespace: 'default',
      ...(owners.length > 0 ? { ownerReferences: owners } : {}),
    },
    ...extra,
  }) as KubeObject;

const pod = (name: string, owners: OwnerReference[], nodeName?: string): KubeObject =>
  obj(name, owners, {
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(nodeName ? { nodeName } : {}) },
    status: { phase: 'Running' },
  });

const names = (h: MemoryHarness, info: ResourceInfo): string[] =>
  h.api
    .list(info, 'default')
    .map((o) => o.metadata.name)
    .sort();

describe('garbage collector', () => {
  let h: MemoryHarness;
  let gc: GarbageCollector;
  const pump = (): Promise<string[]> => h.pump(gc.queue, (k) => gc.reconcile(k));
  afterEach(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  async function setup(seed: (h: MemoryHarness) => void): Promise<void> {
    h = memoryHarness();
    seed(h);
    gc = new GarbageCollector(h.ctx);
    await h.start();
    await pump(); // the initial adds: everything is owned by something alive
    h.api.calls.length = 0;
  }

  it('background: deletes dependents whose only owner is gone, unhooks those with another owner', async () => {
    let owner!: Stored<KubeObject>;
    let other!: Stored<KubeObject>;
    await setup((h) => {
      owner = h.api.seed(configmaps, obj('owner'));
      other = h.api.seed(configmaps, obj('other'));
      h.api.seed(pods, pod('only', [ref(owner)]));
      h.api.seed(pods, pod('shared', [ref(owner), ref(other, false)]));
      h.api.seed(pods, pod('unrelated', []));
    });
    expect(h.api.writes).toEqual([]);

    await h.api.resource(configmaps, 'default').delete('owner'); // kubectl: Background
    h.api.calls.length = 0;
    await pump();
    expect(names(h, pods)).toEqual(['shared', 'unrelated']);
    expect(h.api.get(pods, 'default', 'shared')?.metadata.ownerReferences).toEqual([
      ref(other, false),
    ]);
    // The owner's absence was confirmed with a live read before deleting.
    const calls = h.api.calls.map((c) => `${c.method} ${c.resource}/${c.name}`);
    expect(calls.indexOf('GET configmaps/owner')).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf('GET configmaps/owner')).toBeLessThan(calls.indexOf('DELETE pods/only'));
    expect(h.api.writes.find((w) => w.name === 'only')?.body).toMatchObject({
      propagationPolicy: 'Background',
    });
  });

  it('treats an owner recreated under the same name (another uid) as gone', async () => {
    let owner!: Stored<KubeObject>;
    await setup((h) => {
      owner = h.api.seed(configmaps, obj('owner'));
      h.api.seed(pods, pod('dep', [ref(owner)]));
    });
    h.api.remove(configmaps, 'default', 'owner');
    h.api.seed(configmaps, obj('owner'));
    await pump();
    expect(names(h, pods)).toEqual([]);
    expect(names(h, configmaps)).toEqual(['owner']);
  });

  it('keeps a dependent whose owner the cache has not seen yet', async () => {
    await setup(() => {});
    const uid = 'owner-uid-1';
    h.api.seed(pods, pod('early', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'late', uid }]));
    await h.settle();
    const cm = obj('late') as Stored<KubeObject>;
    cm.metadata.uid = uid;
    h.api.seed(configmaps, cm);
    // Before the cache sees the owner: the live read finds it.
    await gc.reconcile('pods:default/early');
    expect(h.api.calls.map((c) => `${c.method} ${c.resource}/${c.name}`)).toEqual([
      'GET configmaps/late',
    ]);
    await pump();
    expect(names(h, pods)).toEqual(['early']);
  });

  it('foreground: deletes nested dependents first, each owner going once its dependents are gone', async () => {
    await setup((h) => {
      const d = h.api.seed(deployments, obj('web'));
      const rs = h.api.seed(replicasets, obj('web-1', [ref(d)]));
      h.api.seed(pods, pod('web-1-a', [ref(rs)]));
      h.api.seed(pods, pod('web-1-b', [ref(rs)]));
    });
    await h.api.resource(deployments, 'default').delete('web', { propagationPolicy: 'Foreground' });
    h.api.calls.length = 0;
    await pump();
    expect(names(h, deployments)).toEqual([]);
    expect(names(h, replicasets)).toEqual([]);
    expect(names(h, pods)).toEqual([]);

    const steps = h.api.writes.map(
      (w) =>
        `${w.method} ${w.resource}/${w.name} ${
          (w.body as { propagationPolicy?: string }).propagationPolicy ??
          JSON.stringify((w.body as { metadata?: object }).metadata)
        }`,
    );
    const at = (prefix: string): number => {
      const i = steps.findIndex((s) => s.startsWith(prefix));
      if (i < 0) throw new Error(`no step ${prefix} in ${steps.join('; ')}`);
      return i;
    };
    // The ReplicaSet has dependents of its own: it is deleted in Foreground too.
    expect(steps[at('DELETE replicasets/web-1')]).toContain('Foreground');
    expect(steps[at('DELETE pods/web-1-a')]).toContain('Background');
    expect(at('DELETE pods/web-1-a')).toBeLessThan(at('PATCH replicasets/web-1'));
    expect(at('DELETE pods/web-1-b')).toBeLessThan(at('PATCH replicasets/web-1'));
    expect(at('PATCH replicasets/web-1')).toBeLessThan(at('PATCH deployments/web'));
  });

  it('foreground: an owner waits for a blocking dependent that is terminating gracefully', async () => {
    await setup((h) => {
      const rs = h.api.seed(replicasets, obj('rs'));
      h.api.seed(pods, pod('bound', [ref(rs)], 'n1'));
      h.api.seed(pods, pod('loose', [ref(rs, false)], 'n1'));
    });
    await h.api.resource(replicasets, 'default').delete('rs', { propagationPolicy: 'Foreground' });
    await pump();
    // Both pods are Terminating (bound: graceful); only the blocking one holds the owner.
    expect(h.api.get(pods, 'default', 'bound')?.metadata.deletionTimestamp).toBeDefined();
    expect(h.api.get(pods, 'default', 'loose')?.metadata.deletionTimestamp).toBeDefined();
    expect(h.api.get(replicasets, 'default', 'rs')?.metadata.finalizers).toEqual([
      'foregroundDeletion',
    ]);
    h.api.remove(pods, 'default', 'bound'); // its agent finished it
    await pump();
    expect(names(h, replicasets)).toEqual([]);
    expect(names(h, pods)).toEqual(['loose']);
  });

  it('orphan: removes the owner reference from dependents, then lets the owner go', async () => {
    let keep!: Stored<KubeObject>;
    await setup((h) => {
      const rs = h.api.seed(replicasets, obj('rs'));
      keep = h.api.seed(configmaps, obj('keep'));
      h.api.seed(pods, pod('a', [ref(rs)]));
      h.api.seed(pods, pod('b', [ref(rs), ref(keep)]));
    });
    await h.api.resource(replicasets, 'default').delete('rs', { propagationPolicy: 'Orphan' });
    await pump();
    expect(names(h, replicasets)).toEqual([]);
    expect(names(h, pods)).toEqual(['a', 'b']);
    expect(h.api.get(pods, 'default', 'a')?.metadata.ownerReferences).toBeUndefined();
    expect(h.api.get(pods, 'default', 'b')?.metadata.ownerReferences).toEqual([ref(keep)]);
  });

  it('queues an object again only when its owners, finalizers or deletion change', async () => {
    let o!: Stored<KubeObject>;
    await setup((h) => {
      o = h.api.seed(configmaps, obj('owner'));
      h.api.seed(pods, pod('p', [ref(o)]));
    });
    const p = h.api.get<KubeObject>(pods, 'default', 'p')!;
    h.api.put(pods, { ...p, status: { phase: 'Succeeded' } });
    await h.settle();
    expect(await drain(gc.queue)).toEqual([]);
    h.api.put(pods, { ...p, metadata: { ...p.metadata, finalizers: ['example.com/x'] } });
    await h.settle();
    expect(await drain(gc.queue)).toEqual(['pods:default/p']);
  });

  it('ignores keys it does not know and objects without owners', async () => {
    await setup((h) => {
      h.api.seed(configmaps, obj('plain'));
      const widget = { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'w-1' };
      h.api.seed(pods, pod('owned-by-unwatched', [widget]));
    });
    // An owner of a kind the collector does not watch cannot be checked: it counts as alive.
    await gc.reconcile('pods:default/owned-by-unwatched');
    await gc.reconcile('configmaps:default/plain');
    await gc.reconcile('widgets.example.com:default/x');
    await gc.reconcile('pods:default/missing');
    expect(h.api.calls).toEqual([]);
    expect(await drain(gc.queue)).toEqual([]);
  });
});
