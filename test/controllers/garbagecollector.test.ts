import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, OwnerReference, Stored } from '../../controlplane/api/meta.js';
import { findResource } from '../../controlplane/api/resources.js';
import type { Pod } from '../../controlplane/api/types/index.js';
import { garbageCollector } from '../../controlplane/controllers/garbagecollector/index.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { runControllers, type ControllerRun } from './gc-node-runner.js';

const configmaps = findResource('', 'v1', 'configmaps')!;
const pods = findResource('', 'v1', 'pods')!;
const ns = 'default';

const ref = (o: Stored<KubeObject>, block = true): OwnerReference => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  uid: o.metadata.uid,
  blockOwnerDeletion: block,
});

describe('garbage collector on a real API server', () => {
  let s: TestApiServer;
  let run: ControllerRun;

  beforeAll(async () => {
    s = await startApiServer();
    run = await runControllers(s.client, [garbageCollector]);
  });
  afterAll(async () => {
    await run?.[Symbol.asyncDispose]();
    await s?.[Symbol.asyncDispose]();
  });

  const cms = () => s.client.resource<KubeObject>(configmaps, ns);
  const podClient = () => s.client.resource<Pod>(pods, ns);
  const owner = (name: string) =>
    cms().create({ metadata: { name }, data: { role: 'owner' } } as KubeObject);
  const dependentCm = (name: string, owners: OwnerReference[]) =>
    cms().create({ metadata: { name, ownerReferences: owners }, data: {} } as KubeObject);
  const dependentPod = (name: string, owners: OwnerReference[]) =>
    podClient().create({
      metadata: { name, ownerReferences: owners },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
  const exists = async (get: () => Promise<unknown>): Promise<boolean> =>
    get().then(
      () => true,
      () => false,
    );

  it('Background: dependents go after their owner', async () => {
    const o = await owner('bg-owner');
    await dependentPod('bg-a', [ref(o)]);
    await dependentCm('bg-b', [ref(o)]);
    await cms().delete('bg-owner', { propagationPolicy: 'Background' });
    await waitFor(
      async () =>
        !(await exists(() => podClient().get('bg-a'))) && !(await exists(() => cms().get('bg-b'))),
      { timeoutMs: 30_000, what: 'the dependents to be collected' },
    );
  });

  it('Background: a dependent with another live owner keeps living, without the dead reference', async () => {
    const o = await owner('multi-owner');
    const other = await owner('multi-other');
    await dependentPod('multi-dep', [ref(o), ref(other, false)]);
    await cms().delete('multi-owner');
    const p = await waitFor(
      async () => {
        const got = await podClient().get('multi-dep');
        return got.metadata.ownerReferences?.length === 1 ? got : undefined;
      },
      { timeoutMs: 30_000, what: 'the dead owner reference to be removed' },
    );
    expect(p.metadata.ownerReferences?.[0]?.uid).toBe(other.metadata.uid);
  });

  it('an owner recreated under the same name does not save the old dependents', async () => {
    const o = await owner('reborn');
    await cms().delete('reborn', { propagationPolicy: 'Orphan' }); // keep the dependent's ref dangling
    await waitFor(async () => !(await exists(() => cms().get('reborn'))), {
      timeoutMs: 30_000,
      what: 'the first owner to go',
    });
    await owner('reborn');
    await dependentPod('reborn-dep', [ref(o)]);
    await waitFor(async () => !(await exists(() => podClient().get('reborn-dep'))), {
      timeoutMs: 30_000,
      what: 'the dependent of the old uid to be collected',
    });
    expect(await exists(() => cms().get('reborn'))).toBe(true);
  });

  it('Foreground: nested dependents go first, then the owner', async () => {
    const top = await owner('fg-top');
    const mid = await dependentCm('fg-mid', [ref(top)]);
    await dependentPod('fg-leaf-1', [ref(mid)]);
    await dependentPod('fg-leaf-2', [ref(mid)]);
    const marked = await cms().delete('fg-top', { propagationPolicy: 'Foreground' });
    expect(marked?.metadata.finalizers).toContain('foregroundDeletion');
    await waitFor(async () => !(await exists(() => cms().get('fg-top'))), {
      timeoutMs: 30_000,
      what: 'the foreground owner to go',
    });
    // Nothing of its tree is left (the order is checked in the unit tests).
    expect(await exists(() => cms().get('fg-mid'))).toBe(false);
    expect(await exists(() => podClient().get('fg-leaf-1'))).toBe(false);
    expect(await exists(() => podClient().get('fg-leaf-2'))).toBe(false);
  });

  it('Orphan: dependents stay and lose their owner reference', async () => {
    const o = await owner('orphan-owner');
    const other = await owner('orphan-other');
    await dependentPod('orphan-a', [ref(o)]);
    await dependentCm('orphan-b', [ref(o), ref(other)]);
    await cms().delete('orphan-owner', { propagationPolicy: 'Orphan' });
    await waitFor(async () => !(await exists(() => cms().get('orphan-owner'))), {
      timeoutMs: 30_000,
      what: 'the orphaning owner to go',
    });
    const a = await podClient().get('orphan-a');
    const b = await cms().get('orphan-b');
    expect(a.metadata.ownerReferences ?? []).toEqual([]);
    expect(b.metadata.ownerReferences?.map((r) => r.name)).toEqual(['orphan-other']);
  });
});
