import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound } from '../../controlplane/api/errors.js';
import { findResource } from '../../controlplane/api/resources.js';
import type { Lease, Node, Pod, StoredPod } from '../../controlplane/api/types/index.js';
import { waitFor } from '../../lib/wait.js';
import { startHollowNodes, type HollowNodes } from '../../node-agent/index.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';

const pods = findResource('', 'v1', 'pods')!;
const nodes = findResource('', 'v1', 'nodes')!;
const leases = findResource('coordination.k8s.io', 'v1', 'leases')!;

describe('node agents on fake runtimes against a real API server', () => {
  let api: TestApiServer;
  let hollow: HollowNodes;

  beforeAll(async () => {
    api = await startApiServer();
    hollow = await startHollowNodes({
      rest: api.client,
      count: 3,
      namePrefix: 'hn',
      timings: { crashBackoffInitialMs: 1000, crashBackoffMaxMs: 4000, relistMs: 2000 },
    });
  });

  afterAll(async () => {
    await hollow?.[Symbol.asyncDispose]();
    await api?.[Symbol.asyncDispose]();
  });

  const podClient = () => api.client.resource<Pod>(pods).namespace('default');

  async function waitPod(
    name: string,
    cond: (p: StoredPod) => boolean,
    what: string,
  ): Promise<StoredPod> {
    return waitFor(
      async () => {
        const p = await podClient().get(name);
        return cond(p) ? p : undefined;
      },
      { timeoutMs: 30_000, what },
    );
  }

  it('registers each Node (Ready, capacity, nodeInfo) and its Lease', async () => {
    const list = await waitFor(
      async () => {
        const l = await api.client.resource<Node>(nodes).list();
        const ready = l.items.filter((n) =>
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready.length === 3 ? l : undefined;
      },
      { timeoutMs: 30_000, what: 'three Ready nodes' },
    );
    const n1 = list.items.find((n) => n.metadata.name === 'hn-1')!;
    expect(n1.status?.capacity).toMatchObject({ cpu: '4', memory: '8Gi', pods: '110' });
    expect(n1.status?.allocatable?.['memory']).toBe('8092Mi'); // 100 Mi kept for eviction
    expect(n1.status?.nodeInfo).toMatchObject({
      kubeletVersion: 'v1.32.0-tugboat',
      containerRuntimeVersion: 'tug-shim://0.1.0',
      operatingSystem: 'linux',
      architecture: 'amd64',
    });
    expect(n1.status?.addresses).toEqual([
      { type: 'InternalIP', address: '10.99.0.2' },
      { type: 'Hostname', address: 'hn-1' },
    ]);
    expect(n1.metadata.labels?.['kubernetes.io/hostname']).toBe('hn-1');
    for (const name of ['hn-1', 'hn-2', 'hn-3']) {
      const lease = await waitFor(
        () => api.client.resource<Lease>(leases).namespace('kube-node-lease').get(name),
        { timeoutMs: 20_000, what: `lease ${name}` },
      );
      expect(lease.spec).toMatchObject({ holderIdentity: name, leaseDurationSeconds: 40 });
      expect(lease.spec?.renewTime).toMatch(/^\d{4}-.*\.\d{6}Z$/);
    }
  });

  it('runs a bound pod to Running and Ready with a pod IP from its node', async () => {
    await podClient().create({
      metadata: { name: 'web' },
      spec: {
        nodeName: 'hn-2',
        containers: [
          { name: 'web', image: 'tugboat/webserver:1', ports: [{ containerPort: 8080 }] },
        ],
      },
    });
    const p = await waitPod(
      'web',
      (x) =>
        x.status?.phase === 'Running' &&
        !!x.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      'pod web Running and Ready',
    );
    expect(p.status?.podIP).toMatch(/^10\.102\.0\.\d+$/);
    expect(p.status?.hostIP).toBe('10.99.0.3');
    expect(p.status?.containerStatuses?.[0]).toMatchObject({
      name: 'web',
      ready: true,
      started: true,
      restartCount: 0,
      image: 'docker.io/tugboat/webserver:1',
    });
    expect(p.status?.containerStatuses?.[0]?.containerID).toMatch(/^tug-shim:\/\/[0-9a-f]{64}$/);
    expect(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    expect(hollow.nodes[1]!.runtime.runningCount).toBe(1);
  });

  it('deletes a pod gracefully: its containers stop and the object goes away', async () => {
    await podClient().create({
      metadata: { name: 'bye' },
      spec: { nodeName: 'hn-1', containers: [{ name: 'main', image: 'busybox' }] },
    });
    await waitPod('bye', (x) => x.status?.phase === 'Running', 'pod bye Running');
    const rt = hollow.nodes[0]!.runtime;
    expect(rt.sandboxCount).toBe(1);
    await podClient().delete('bye');
    await waitFor(
      async () => {
        try {
          await podClient().get('bye');
          return false;
        } catch (e) {
          return isNotFound(e);
        }
      },
      { timeoutMs: 30_000, what: 'pod bye to be gone' },
    );
    expect(rt.sandboxCount).toBe(0);
    expect(rt.listContainers()).toEqual([]);
  });

  it('restarts an exited container under restartPolicy Always, with back-off', async () => {
    await podClient().create({
      metadata: { name: 'crash' },
      spec: { nodeName: 'hn-3', containers: [{ name: 'main', image: 'busybox' }] },
    });
    await waitPod('crash', (x) => x.status?.phase === 'Running', 'pod crash Running');
    const rt = hollow.nodes[2]!.runtime;
    rt.exitContainer(rt.findContainer('crash', 'main')!.id, 1);
    await waitPod(
      'crash',
      (x) =>
        x.status?.containerStatuses?.[0]?.restartCount === 1 &&
        !!x.status.containerStatuses[0].state?.running,
      'first restart',
    );
    rt.exitContainer(rt.findContainer('crash', 'main')!.id, 1);
    const backoff = await waitPod(
      'crash',
      (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff',
      'CrashLoopBackOff',
    );
    expect(backoff.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(1);
    const restarted = await waitPod(
      'crash',
      (x) =>
        x.status?.containerStatuses?.[0]?.restartCount === 2 &&
        !!x.status.containerStatuses[0].state?.running,
      'second restart after the back-off',
    );
    expect(restarted.status?.phase).toBe('Running');
  });
});
