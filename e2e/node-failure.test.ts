/**
 * End-to-end: node agents going away on a real 3-node cluster. A restarted
 * agent adopts its running containers without restarting any; an agent
 * killed with SIGKILL makes its node Unknown and tainted unreachable, and
 * the pods there (tolerating that for 2 s) are evicted and replaced on the
 * other nodes. The controller manager runs with a short node grace period.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredNode, StoredPod } from '../controlplane/api/types/index.js';
import { findResource } from '../controlplane/api/resources.js';
import type { Lease } from '../controlplane/api/types/index.js';
import { readPid } from '../cli/up/processes.js';
import { waitFor } from '../lib/wait.js';
import { startTestCluster, type TestCluster } from '../test/helpers/cluster.js';
import {
  deployment,
  deploymentSettled,
  isReady,
  pod,
  shortTolerations,
  sleeper,
  webContainer,
} from './fixtures.js';

/**
 * GRACE is the controller manager's --node-monitor-grace-period: agents renew
 * their lease every 10 s, so this leaves a healthy (if slow) node 10 s of
 * margin on this shared machine.
 */
const GRACE = '20s';

const leasesInfo = findResource('coordination.k8s.io', 'v1', 'leases')!;

async function readyPods(
  tc: TestCluster,
  app: string,
  n: number,
): Promise<StoredPod[] | undefined> {
  const { items } = await tc.pods.list({ labelSelector: `app=${app}` });
  const live = items.filter((p) => !p.metadata.deletionTimestamp);
  return live.length === n && live.every(isReady) ? live : undefined;
}

const readyCondition = (n: StoredNode): string | undefined =>
  n.status?.conditions?.find((c) => c.type === 'Ready')?.status;

interface Seen {
  uid: string;
  containerIds: string[];
  restarts: number[];
  pids: number[];
}

describe('node agents going away on a real 3-node cluster', () => {
  let tc: TestCluster;
  /** victim is the node whose agent the kill -9 test kills; doomed, the uids of its pods then. */
  let victim: string | undefined;
  let doomed: string[] = [];

  beforeAll(async () => {
    tc = await startTestCluster({
      prefix: 'e2e-nf',
      nodes: 3,
      extraArgs: {
        'controller-manager': [`--node-monitor-grace-period=${GRACE}`, '--pod-eviction-timeout=5s'],
      },
    });
  }, 200_000);

  afterAll(async () => {
    await tc?.down();
  }, 120_000);

  it('restarting every agent restarts no container', async () => {
    await tc.deployments.create(deployment('steady', 3, [webContainer(1), sleeper('side')]));
    const before = await waitFor(() => readyPods(tc, 'steady', 3), {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: '3 ready steady pods',
    });
    const seen = async (p: StoredPod): Promise<Seen> => {
      const sts = [...(p.status?.containerStatuses ?? [])].sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      return {
        uid: p.metadata.uid,
        containerIds: sts.map((s) => s.containerID ?? ''),
        restarts: sts.map((s) => s.restartCount),
        // The host pid of each container's process: the same only if it was never restarted.
        pids: await Promise.all(sts.map((s) => tc.containerPid(p, s.name))),
      };
    };
    const was = new Map<string, Seen>();
    for (const p of before) was.set(p.metadata.name, await seen(p));
    const nodesWithPods = new Set(before.map((p) => p.spec!.nodeName!));

    const leases = tc.client.resource<Lease>(leasesInfo, 'kube-node-lease');
    const restartedAt = Date.now();
    const oldPids = await Promise.all(tc.nodeNames.map((n) => readPid(tc.agentPidFile(n))));
    for (const n of tc.nodeNames) await tc.stopAgent(n);
    for (const n of tc.nodeNames) await tc.startAgent(n);
    const newPids = await Promise.all(tc.nodeNames.map((n) => readPid(tc.agentPidFile(n))));
    for (const [i, pid] of newPids.entries()) {
      expect(pid).toBeDefined();
      expect(pid).not.toBe(oldPids[i]);
    }

    // Each new agent has renewed its lease since it started …
    await waitFor(
      async () => {
        for (const n of tc.nodeNames) {
          const l = await leases.get(n);
          if (Date.parse(l.spec?.renewTime ?? '') < restartedAt) return false;
        }
        return true;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: 'every agent to renew its lease after the restart',
      },
    );
    // … and runs new pods, so it has gone through the pods it found.
    for (const n of nodesWithPods) {
      await tc.pods.create(pod(`after-${n}`, [sleeper()], { nodeName: n }));
    }
    await waitFor(
      async () => {
        const got = await Promise.all([...nodesWithPods].map((n) => tc.pods.get(`after-${n}`)));
        return got.every(isReady);
      },
      { timeoutMs: 120_000, intervalMs: 500, what: 'a new pod on each restarted node to be ready' },
    );

    const after = await waitFor(() => readyPods(tc, 'steady', 3), {
      timeoutMs: 30_000,
      intervalMs: 500,
      what: 'the 3 steady pods, still ready',
    });
    expect(after.map((p) => p.metadata.name).sort()).toEqual([...was.keys()].sort());
    for (const p of after) {
      const now = await seen(p);
      expect(now, p.metadata.name).toEqual(was.get(p.metadata.name));
    }
  });

  it('kill -9 of an agent: its node goes Unknown and tainted, and its pods move to the other nodes', async () => {
    await tc.deployments.create(
      deployment('mover', 3, [sleeper()], { tolerations: shortTolerations(2) }),
    );
    const before = await waitFor(() => readyPods(tc, 'mover', 3), {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: '3 ready mover pods',
    });
    const node0 = before[0]!.spec!.nodeName!;
    victim = node0;
    doomed = before.filter((p) => p.spec?.nodeName === node0).map((p) => p.metadata.uid);
    for (const uid of doomed) expect((await tc.podNetworks(node0)).has(uid)).toBe(true);

    await tc.stopAgent(node0, true);

    const node = await waitFor(
      async () => {
        const n = await tc.nodes.get(node0);
        const tainted = n.spec?.taints?.some(
          (t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute',
        );
        return readyCondition(n) === 'Unknown' && tainted ? n : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `${victim} Unknown with the unreachable taint` },
    );
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.reason).toBe(
      'NodeStatusUnknown',
    );
    for (const other of tc.nodeNames.filter((n) => n !== victim)) {
      expect(readyCondition(await tc.nodes.get(other))).toBe('True');
    }

    // The evicted pods are being deleted (their agent is gone, so they stay Terminating) …
    await waitFor(
      async () => {
        const { items } = await tc.pods.list({ labelSelector: 'app=mover' });
        return doomed.every((uid) => {
          const p = items.find((x) => x.metadata.uid === uid);
          return !p || !!p.metadata.deletionTimestamp;
        });
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `the pods on ${victim} to be evicted` },
    );
    // … and the Deployment is whole again on the surviving nodes.
    const now = await waitFor(() => readyPods(tc, 'mover', 3), {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: '3 ready mover pods on the surviving nodes',
    });
    for (const p of now) {
      expect(p.spec?.nodeName).not.toBe(victim);
      expect(doomed).not.toContain(p.metadata.uid);
    }
    const d = await waitFor(
      async () => {
        const d = await tc.deployments.get('mover');
        return deploymentSettled(d, 3) ? d : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'deployment mover 3/3' },
    );
    expect(d.status?.readyReplicas).toBe(3);
  });

  it('the killed agent comes back: its node is Ready and untainted, and it finishes the evicted pods', async () => {
    if (!victim) throw new Error('the kill -9 test did not run');
    const node = victim;
    await tc.startAgent(node);
    await waitFor(
      async () => {
        const n = await tc.nodes.get(node);
        const tainted = n.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/'));
        return readyCondition(n) === 'True' && !tainted;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `${node} Ready again, without taints` },
    );
    // The pods evicted while it was away are finished by their agent: gone from the API …
    await waitFor(
      async () => {
        const { items } = await tc.pods.list({ labelSelector: 'app=mover' });
        return items.every((p) => !doomed.includes(p.metadata.uid));
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `the evicted pods of ${node} to be deleted` },
    );
    // … and from the node: no sandbox (so no netns, no container) left for them.
    await waitFor(
      async () => {
        const nets = await tc.podNetworks(node);
        return doomed.every((uid) => !nets.has(uid));
      },
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: `the evicted pods' sandboxes on ${node} removed`,
      },
    );
    const d = await tc.deployments.get('mover');
    expect(deploymentSettled(d, 3)).toBe(true);
  });
});
