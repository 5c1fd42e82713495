import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isAlreadyExists,
  isConflict,
  isInvalid,
  isNotFound,
  StatusError,
} from '../../controlplane/api/errors.js';
import type { KubeObject, Stored } from '../../controlplane/api/meta.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import {
  configMap,
  configMaps,
  deployment,
  deployments,
  namespace,
  namespaces,
  pod,
  pods,
} from './fixtures.js';

type Obj = Stored<KubeObject> & Record<string, unknown>;

describe('API server CRUD on real etcd', () => {
  let s: TestApiServer;
  beforeAll(async () => {
    s = await startApiServer();
  });
  afterAll(async () => {
    await s?.[Symbol.asyncDispose]();
  });

  it('has the bootstrap namespaces from the start', async () => {
    const list = await s.client.resource(namespaces).list();
    const names = list.items.map((n) => n.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-node-lease']));
    const def = (await s.client.resource(namespaces).get('default')) as Obj;
    expect(def['status']).toEqual({ phase: 'Active' });
  });

  it('creates with server-set metadata, refuses a second create, reads back', async () => {
    const cms = s.client.resource(configMaps, 'default');
    const created = (await cms.create(configMap('c1'))) as Obj;
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.metadata.namespace).toBe('default');
    // Only kinds whose controllers report observedGeneration carry a generation (as in Kubernetes).
    expect(created.metadata.generation).toBeUndefined();
    const err = await cms.create(configMap('c1')).catch((e: unknown) => e);
    expect(isAlreadyExists(err)).toBe(true);
    expect((err as StatusError).status).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
      message: 'configmaps "c1" already exists',
      details: { name: 'c1', kind: 'configmaps' },
    });
    expect(await cms.get('c1')).toEqual(created);
  });

  it('refuses a stale resourceVersion with 409 Conflict and changes nothing', async () => {
    const cms = s.client.resource(configMaps, 'default');
    const v1 = (await cms.create(configMap('c2', { a: '1' }))) as Obj;
    const v2 = (await cms.update({ ...v1, data: { a: '2' } } as KubeObject)) as Obj;
    expect(Number(v2.metadata.resourceVersion)).toBeGreaterThan(
      Number(v1.metadata.resourceVersion),
    );
    const err = await cms
      .update({ ...v1, data: { a: 'stale' } } as KubeObject)
      .catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect((err as StatusError).message).toBe(
      'Operation cannot be fulfilled on configmaps "c2": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect(((await cms.get('c2')) as Obj)['data']).toEqual({ a: '2' });
  });

  it('gives exactly one winner per version to 50 concurrent updates', async () => {
    const cms = s.client.resource(configMaps, 'default');
    const base = (await cms.create(configMap('race', { n: '0' }))) as Obj;
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        cms.update({ ...base, data: { n: String(i + 1) } } as KubeObject),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.every((r) => isConflict((r as PromiseRejectedResult).reason))).toBe(true);
    const winner = (won[0] as PromiseFulfilledResult<Obj>).value;
    expect(await cms.get('race')).toEqual(winner);

    // Chained: each round every writer reads the latest and tries; each version has exactly one winner.
    let current = winner;
    const versions = new Set<string>();
    for (let round = 0; round < 5; round++) {
      const rs = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          cms.update({ ...current, data: { n: `${round}-${i}` } } as KubeObject),
        ),
      );
      const w = rs.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Obj>[];
      expect(w).toHaveLength(1);
      current = w[0]!.value;
      expect(versions.has(current.metadata.resourceVersion)).toBe(false);
      versions.add(current.metadata.resourceVersion);
    }
  });

  it('refuses objects in a namespace that does not exist (404) and in one being deleted (403)', async () => {
    const err = await s.client
      .resource(configMaps, 'nope')
      .create(configMap('x'))
      .catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect((err as StatusError).message).toBe('namespaces "nope" not found');
    await s.client.resource(namespaces).create(namespace('doomed'));
    await s.client.resource(namespaces).delete('doomed');
    const ns = (await s.client.resource(namespaces).get('doomed')) as Obj;
    expect(ns.metadata.deletionTimestamp).toBeTruthy();
    expect(ns['status']).toEqual({ phase: 'Terminating' });
    const err2 = await s.client
      .resource(configMaps, 'doomed')
      .create(configMap('x'))
      .catch((e: unknown) => e);
    expect((err2 as StatusError).code).toBe(403);
    expect((err2 as StatusError).message).toContain('because it is being terminated');
  });

  it('bumps generation only for spec changes; status writes go through the status subresource only', async () => {
    const deps = s.client.resource(deployments, 'default');
    const d = (await deps.create(deployment('gen'))) as Obj;
    expect(d.metadata.generation).toBe(1);
    const labelled = (await deps.update({
      ...d,
      metadata: { ...d.metadata, labels: { app: 'gen', x: 'y' } },
    } as KubeObject)) as Obj;
    expect(labelled.metadata.generation).toBe(1);
    const scaled = (await deps.update({
      ...labelled,
      spec: { ...(labelled['spec'] as object), replicas: 5 },
    } as KubeObject)) as Obj;
    expect(scaled.metadata.generation).toBe(2);
    // The main resource ignores status.
    const ignored = (await deps.update({
      ...scaled,
      status: { replicas: 99 },
    } as KubeObject)) as Obj;
    expect(ignored['status']).toEqual(scaled['status']);
    // The status subresource writes status and nothing else.
    const withStatus = (await deps.updateStatus({
      ...ignored,
      spec: { ...(ignored['spec'] as object), replicas: 1 },
      status: { replicas: 3, observedGeneration: 2 },
    } as KubeObject)) as Obj;
    expect(withStatus['status']).toEqual({ replicas: 3, observedGeneration: 2 });
    expect((withStatus['spec'] as { replicas: number }).replicas).toBe(5);
    expect(withStatus.metadata.generation).toBe(2);
  });

  it('fills defaults server-side', async () => {
    const d = (await s.client
      .resource(deployments, 'default')
      .create(deployment('defaults'))) as Obj;
    const spec = d['spec'] as Record<string, unknown>;
    expect(spec['strategy']).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    expect(spec['revisionHistoryLimit']).toBe(10);
    expect(spec['progressDeadlineSeconds']).toBe(600);
    const podSpec = (spec['template'] as { spec: Record<string, unknown> }).spec;
    expect(podSpec['restartPolicy']).toBe('Always');
    expect(podSpec['terminationGracePeriodSeconds']).toBe(30);
    const c = (podSpec['containers'] as Record<string, unknown>[])[0]!;
    expect(c['imagePullPolicy']).toBe('IfNotPresent');
    expect((c['ports'] as { protocol: string }[])[0]!.protocol).toBe('TCP');
  });

  it('validates with 422 Invalid and field paths, and writes nothing', async () => {
    const bad = deployment('bad') as Obj;
    const spec = bad['spec'] as {
      replicas: number;
      template: { spec: { containers: { image?: string }[] } };
    };
    spec.replicas = -1;
    delete spec.template.spec.containers[0]!.image;
    const err = await s.client
      .resource(deployments, 'default')
      .create(bad)
      .catch((e: unknown) => e);
    expect(isInvalid(err)).toBe(true);
    const st = (err as StatusError).status;
    expect(st.code).toBe(422);
    expect(st.details?.kind).toBe('Deployment');
    expect(st.details?.group).toBe('apps');
    const fields = st.details?.causes?.map((c) => c.field);
    expect(fields).toEqual(
      expect.arrayContaining(['spec.replicas', 'spec.template.spec.containers[0].image']),
    );
    expect(st.message).toMatch(/^Deployment\.apps "bad" is invalid: /);
    await expect(s.client.resource(deployments, 'default').get('bad')).rejects.toSatisfy(
      isNotFound,
    );
  });

  it('names objects from generateName and honours dryRun', async () => {
    const cms = s.client.resource(configMaps, 'default');
    const made = (await cms.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { generateName: 'gen-' },
    } as KubeObject)) as Obj;
    expect(made.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const dry = (await cms.create(configMap('dry'), { dryRun: true })) as Obj;
    expect(dry.metadata.name).toBe('dry');
    await expect(cms.get('dry')).rejects.toSatisfy(isNotFound);
  });

  it('keeps an object with finalizers until the last one is removed', async () => {
    const cms = s.client.resource(configMaps, 'default');
    const c = (await cms.create({
      ...configMap('fin'),
      metadata: { name: 'fin', finalizers: ['example.com/a', 'example.com/b'] },
    } as KubeObject)) as Obj;
    await cms.delete('fin');
    const marked = (await cms.get('fin')) as Obj;
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(marked.metadata.uid).toBe(c.metadata.uid);
    const one = (await cms.update({
      ...marked,
      metadata: { ...marked.metadata, finalizers: ['example.com/b'] },
    } as KubeObject)) as Obj;
    expect(one.metadata.finalizers).toEqual(['example.com/b']);
    await cms.update({ ...one, metadata: { ...one.metadata, finalizers: [] } } as KubeObject);
    await expect(cms.get('fin')).rejects.toSatisfy(isNotFound);
  });

  it('records the propagation policy as a finalizer and honours delete preconditions', async () => {
    const cms = s.client.resource(configMaps, 'default');
    const c = (await cms.create(configMap('orph'))) as Obj;
    const err = await cms
      .delete('orph', { preconditions: { uid: 'not-the-uid' } })
      .catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    await cms.delete('orph', {
      propagationPolicy: 'Orphan',
      preconditions: { uid: c.metadata.uid },
    });
    expect(((await cms.get('orph')) as Obj).metadata.finalizers).toEqual(['orphan']);
    await cms.delete('orph', { propagationPolicy: 'Foreground' });
    // Deletion already under way: the policy is not added again.
    expect(((await cms.get('orph')) as Obj).metadata.finalizers).toEqual(['orphan']);
  });

  it('deletes an unbound pod at once and a bound one gracefully', async () => {
    const ps = s.client.resource(pods, 'default');
    const unbound = (await ps.create(pod('free'))) as Obj;
    expect(unbound['status']).toMatchObject({ phase: 'Pending', qosClass: 'BestEffort' });
    await ps.delete('free');
    await expect(ps.get('free')).rejects.toSatisfy(isNotFound);

    await ps.create(pod('bound', 'node-a'));
    await ps.delete('bound', { gracePeriodSeconds: 30 });
    const marked = (await ps.get('bound')) as Obj;
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(Date.parse(marked.metadata.deletionTimestamp!)).toBeGreaterThan(Date.now() + 20_000);
    // A shorter grace moves the deadline closer; the agent finishes with grace 0.
    await ps.delete('bound', { gracePeriodSeconds: 5 });
    expect(((await ps.get('bound')) as Obj).metadata.deletionGracePeriodSeconds).toBe(5);
    await ps.delete('bound', { gracePeriodSeconds: 0 });
    await expect(ps.get('bound')).rejects.toSatisfy(isNotFound);
  });
});
