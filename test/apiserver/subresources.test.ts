import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConflict, isInvalid, isNotFound } from '../../controlplane/api/errors.js';
import type { KubeObject, Stored } from '../../controlplane/api/meta.js';
import { encodeObject } from '../../controlplane/apiserver/protobuf/index.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { deployment, deployments, namespace, namespaces, pod, pods, services } from './fixtures.js';

type Obj = Stored<KubeObject> & Record<string, unknown>;

describe('API server subresources', () => {
  let s: TestApiServer;
  beforeAll(async () => {
    s = await startApiServer();
  });
  afterAll(async () => {
    await s?.[Symbol.asyncDispose]();
  });

  it('scale reads and writes a deployment replica count as autoscaling/v1 Scale', async () => {
    const deps = s.client.resource(deployments, 'default');
    await deps.create(deployment('web', 2));
    const scale = await s.client.request<Record<string, unknown>>({
      path: '/apis/apps/v1/namespaces/default/deployments/web/scale',
    });
    expect(scale).toMatchObject({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      spec: { replicas: 2 },
      status: { replicas: 0, selector: 'app=web' },
    });
    const patched = await s.client.request<{ spec: { replicas: number } }>({
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/default/deployments/web/scale',
      body: { spec: { replicas: 5 } },
      contentType: 'application/merge-patch+json',
    });
    expect(patched.spec.replicas).toBe(5);
    const d = (await deps.get('web')) as Obj;
    expect((d['spec'] as { replicas: number }).replicas).toBe(5);
    expect(d.metadata.generation).toBe(2);
    const err = await s.client
      .request({
        method: 'PATCH',
        path: '/apis/apps/v1/namespaces/default/deployments/web/scale',
        body: { spec: { replicas: -1 } },
        contentType: 'application/merge-patch+json',
      })
      .catch((e: unknown) => e);
    expect(isInvalid(err)).toBe(true);
  });

  it('binding assigns a pod to a node once, with PodScheduled=True', async () => {
    const ps = s.client.resource(pods, 'default');
    await ps.create(pod('to-bind'));
    const binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'to-bind' },
      target: { kind: 'Node', name: 'node-1' },
    };
    await s.client.request({
      method: 'POST',
      path: '/api/v1/namespaces/default/pods/to-bind/binding',
      body: binding,
    });
    const p = (await ps.get('to-bind')) as Obj;
    expect((p['spec'] as { nodeName: string }).nodeName).toBe('node-1');
    expect(
      (p['status'] as { conditions: { type: string; status: string }[] }).conditions,
    ).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'True' }));
    const again = await s.client
      .request({
        method: 'POST',
        path: '/api/v1/namespaces/default/pods/to-bind/binding',
        body: { ...binding, target: { kind: 'Node', name: 'node-2' } },
      })
      .catch((e: unknown) => e);
    expect(isConflict(again)).toBe(true);
  });

  it('eviction deletes a pod with its grace period', async () => {
    const ps = s.client.resource(pods, 'default');
    await ps.create(pod('evictee'));
    await s.client.request({
      method: 'POST',
      path: '/api/v1/namespaces/default/pods/evictee/eviction',
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evictee' } },
    });
    await expect(ps.get('evictee')).rejects.toSatisfy(isNotFound);
  });

  it('takes protobuf DeleteOptions and Eviction bodies (kubectl drain sends them)', async () => {
    const ps = s.client.resource(pods, 'default');
    await ps.create(pod('pb-delete', 'node-x'));
    await s.client.request({
      method: 'DELETE',
      path: '/api/v1/namespaces/default/pods/pb-delete',
      body: encodeObject({ apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }),
      contentType: 'application/vnd.kubernetes.protobuf',
    });
    await expect(ps.get('pb-delete')).rejects.toSatisfy(isNotFound);
    await ps.create(pod('pb-evict'));
    await s.client.request({
      method: 'POST',
      path: '/api/v1/namespaces/default/pods/pb-evict/eviction',
      body: encodeObject({
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: 'pb-evict' },
      }),
      contentType: 'application/vnd.kubernetes.protobuf',
    });
    await expect(ps.get('pb-evict')).rejects.toSatisfy(isNotFound);
  });

  it('a namespace goes once its finalizers are cleared through finalize', async () => {
    const nss = s.client.resource(namespaces);
    await nss.create(namespace('short-lived'));
    await nss.delete('short-lived');
    const ns = (await nss.get('short-lived')) as Obj;
    expect((ns['spec'] as { finalizers: string[] }).finalizers).toEqual(['kubernetes']);
    // The main resource can't clear spec.finalizers.
    const upd = (await nss.update({ ...ns, spec: { finalizers: [] } } as KubeObject)) as Obj;
    expect((upd['spec'] as { finalizers: string[] }).finalizers).toEqual(['kubernetes']);
    await s.client.request({
      method: 'PUT',
      path: '/api/v1/namespaces/short-lived/finalize',
      body: { ...upd, spec: { finalizers: [] } },
    });
    await expect(nss.get('short-lived')).rejects.toSatisfy(isNotFound);
  });

  it('allocates cluster IPs and node ports, refuses taken ones, and frees them on delete', async () => {
    const svcs = s.client.resource(services, 'default');
    const mk = (name: string, spec: Record<string, unknown>) =>
      ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name },
        spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
      }) as KubeObject;
    const a = (await svcs.create(mk('a', {}))) as Obj;
    const ip = (a['spec'] as { clusterIP: string }).clusterIP;
    expect(ip).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(
      (a['spec'] as { ports: { targetPort: number; protocol: string }[] }).ports[0],
    ).toMatchObject({ targetPort: 80, protocol: 'TCP' });
    const dup = await svcs.create(mk('b', { clusterIP: ip })).catch((e: unknown) => e);
    expect(isInvalid(dup)).toBe(true);
    const np = (await svcs.create(mk('np', { type: 'NodePort' }))) as Obj;
    const nodePort = (np['spec'] as { ports: { nodePort: number }[] }).ports[0]!.nodePort;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(32767);
    const headless = (await svcs.create(mk('headless', { clusterIP: 'None' }))) as Obj;
    expect((headless['spec'] as { clusterIP: string }).clusterIP).toBe('None');
    await svcs.delete('a');
    const reuse = (await svcs.create(mk('b', { clusterIP: ip }))) as Obj;
    expect((reuse['spec'] as { clusterIP: string }).clusterIP).toBe(ip);
    const kube = (await svcs.get('kubernetes')) as Obj;
    expect((kube['spec'] as { clusterIP: string }).clusterIP).toBe('10.96.0.1');
    const port = Number(new URL(s.url).port);
    expect((kube['spec'] as { ports: { targetPort: number }[] }).ports[0]!.targetPort).toBe(port);
    // Advertised on loopback (as here), the server publishes no endpoints: Endpoints may not name loopback.
    await expect(
      s.client.request({ path: '/api/v1/namespaces/default/endpoints/kubernetes' }),
    ).rejects.toSatisfy(isNotFound);
  });

  it('a replace that leaves the cluster IP and node ports unset keeps those allocated, as Kubernetes does', async () => {
    const svcs = s.client.resource(services, 'default');
    type Spec = {
      clusterIP: string;
      clusterIPs: string[];
      ports: { name: string; nodePort: number }[];
    };
    const manifest = (ports: { name: string; port: number; nodePort?: number }[]) =>
      ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'keep' },
        spec: { type: 'NodePort', selector: { app: 'keep' }, ports },
      }) as KubeObject;
    const made = (await svcs.create(
      manifest([
        { name: 'http', port: 80 },
        { name: 'admin', port: 81 },
      ]),
    )) as Obj;
    const before = made['spec'] as Spec;
    const [http, admin] = before.ports.map((p) => p.nodePort);
    // The same manifest again (what `tug up` and `kubectl replace` send): nothing moves.
    const again = (await svcs.update({
      ...manifest([
        { name: 'http', port: 80 },
        { name: 'admin', port: 81 },
      ]),
      metadata: { name: 'keep', resourceVersion: made.metadata.resourceVersion },
    } as KubeObject)) as Obj;
    const after = again['spec'] as Spec;
    expect(after.clusterIP).toBe(before.clusterIP);
    expect(after.clusterIPs).toEqual([before.clusterIP]);
    expect(after.ports.map((p) => p.nodePort)).toEqual([http, admin]);
    // A node port the update names for another port is not given back to its old port.
    const moved = (await svcs.update({
      ...manifest([
        { name: 'http', port: 80, nodePort: admin! },
        { name: 'admin', port: 81 },
      ]),
      metadata: { name: 'keep', resourceVersion: again.metadata.resourceVersion },
    } as KubeObject)) as Obj;
    const ports = (moved['spec'] as Spec).ports.map((p) => p.nodePort);
    expect(ports[0]).toBe(admin);
    expect(ports[1]).not.toBe(admin);
    expect(ports[1]).toBeGreaterThanOrEqual(30000);
    await svcs.delete('keep');
  });
});
