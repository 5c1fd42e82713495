import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../controlplane/api/resources.js';
import type {
  Event,
  Lease,
  Namespace,
  Node,
  Pod,
  Toleration,
} from '../../controlplane/api/types/index.js';
import {
  nodeLifecycle,
  taintEviction,
} from '../../controlplane/controllers/nodelifecycle/index.js';
import { isAlreadyExists } from '../../controlplane/api/errors.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { runControllers, type ControllerRun } from './gc-node-runner.js';

const nodes = findResource('', 'v1', 'nodes')!;
const pods = findResource('', 'v1', 'pods')!;
const namespaces = findResource('', 'v1', 'namespaces')!;
const leases = findResource('coordination.k8s.io', 'v1', 'leases')!;
const events = findResource('', 'v1', 'events')!;

const nowTime = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

describe('node lifecycle on a real API server', () => {
  let s: TestApiServer;
  let run: ControllerRun;

  beforeAll(async () => {
    s = await startApiServer();
    await s.client
      .resource<Namespace>(namespaces)
      .create({ metadata: { name: 'kube-node-lease' } })
      .catch((e: unknown) => {
        if (!isAlreadyExists(e)) throw e;
      });
  });
  afterAll(async () => {
    await run?.[Symbol.asyncDispose]();
    await s?.[Symbol.asyncDispose]();
  });

  const podClient = () => s.client.resource<Pod>(pods, 'default');
  async function readyPod(name: string, tolerations?: Toleration[]): Promise<void> {
    await podClient().create({
      metadata: { name },
      spec: {
        nodeName: 'n1',
        containers: [{ name: 'c', image: 'busybox' }],
        ...(tolerations ? { tolerations } : {}),
      },
    });
    await podClient().patch(
      name,
      'merge',
      {
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: nowTime() }],
        },
      },
      { subresource: 'status' },
    );
  }

  it('marks a node whose lease is not renewed Unknown, taints it, and evicts per toleration', async () => {
    await s.client.resource<Node>(nodes).create({ metadata: { name: 'n1' } });
    await s.client.resource<Node>(nodes).patch(
      'n1',
      'merge',
      {
        status: {
          conditions: [
            { type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: nowTime() },
          ],
        },
      },
      { subresource: 'status' },
    );
    await s.client.resource<Lease>(leases, 'kube-node-lease').create({
      metadata: { name: 'n1' },
      spec: { holderIdentity: 'n1', leaseDurationSeconds: 2, renewTime: new Date().toISOString() },
    });
    await readyPod('short', [
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 1,
      },
    ]);
    await readyPod('default-tolerations');
    const dflt = await podClient().get('default-tolerations');
    expect(dflt.spec?.tolerations?.map((t) => t.tolerationSeconds)).toEqual([300, 300]);

    // The lease is never renewed: the agent "died" as the controllers start.
    run = await runControllers(s.client, [nodeLifecycle, taintEviction], {
      nodeMonitorGracePeriodMs: 2_000,
    });

    const n1 = await waitFor(
      async () => {
        const n = await s.client.resource<Node>(nodes).get('n1');
        const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
        return ready?.status === 'Unknown' && (n.spec?.taints ?? []).length === 2 ? n : undefined;
      },
      { timeoutMs: 30_000, what: 'n1 to be Unknown and tainted' },
    );
    expect(n1.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
    });
    expect(n1.spec?.taints?.map((t) => `${t.key}:${t.effect}`).sort()).toEqual([
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);

    // The pod tolerating it for 1 s is deleted (gracefully: it stays Terminating, no agent).
    const short = await waitFor(
      async () => {
        const p = await podClient().get('short');
        return p.metadata.deletionTimestamp ? p : undefined;
      },
      { timeoutMs: 30_000, what: 'pod short to be evicted' },
    );
    expect(short.metadata.deletionGracePeriodSeconds).toBeGreaterThan(0);

    // The pod with the default 300 s stays, marked not ready.
    const kept = await waitFor(
      async () => {
        const p = await podClient().get('default-tolerations');
        const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
        return ready?.status === 'False' ? p : undefined;
      },
      { timeoutMs: 30_000, what: 'pod default-tolerations to be marked not ready' },
    );
    expect(kept.metadata.deletionTimestamp).toBeUndefined();

    await run.flush();
    const evs = await waitFor(
      async () => {
        const list = await s.client.resource<Event>(events, 'default').list();
        const reasons = list.items.map((e) => `${e.involvedObject.name}:${e.reason}`);
        return reasons.includes('n1:NodeNotReady') && reasons.includes('short:TaintManagerEviction')
          ? reasons
          : undefined;
      },
      { timeoutMs: 30_000, what: 'NodeNotReady and TaintManagerEviction events' },
    );
    expect(evs).toContain('default-tolerations:NodeNotReady');

    // The agent comes back (renewing its lease as it goes): Ready=True clears the taints.
    const renew = () =>
      s.client.resource<Lease>(leases, 'kube-node-lease').patch('n1', 'merge', {
        spec: { renewTime: new Date().toISOString() },
      });
    await renew();
    await s.client.resource<Node>(nodes).patch(
      'n1',
      'merge',
      {
        status: {
          conditions: [
            { type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: nowTime() },
          ],
        },
      },
      { subresource: 'status' },
    );
    await waitFor(
      async () => {
        await renew();
        return ((await s.client.resource<Node>(nodes).get('n1')).spec?.taints ?? []).length === 0;
      },
      { timeoutMs: 30_000, what: 'the taints to be removed' },
    );
  });
});
