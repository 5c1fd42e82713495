import { afterEach, describe, expect, it } from 'vitest';
import type { DeploymentCondition, StoredPod, StoredReplicaSet } from '../../api/types/index.js';
import { deployment, DeploymentHarness } from './deployment-testing.js';
import { computeHash } from './hash.js';

let h: DeploymentHarness;
afterEach(() => h?.stop());

const cond = (type: string): DeploymentCondition | undefined =>
  h.d.status?.conditions?.find((c) => c.type === type);
const sizes = (): number[] => h.owned().map((rs) => rs.spec?.replicas ?? 0);
const messages = (): string[] => h.ctx.events.events.map((e) => e.message);

async function rolledOut(name = 'web'): Promise<void> {
  h = new DeploymentHarness();
  await h.start();
  h.api.addDeployment(deployment(name, 3));
  await h.sync(name);
  await h.runPods();
  await h.sync(name);
}

describe('Deployment controller: a new Deployment', () => {
  it('creates <name>-<pod-template-hash> with the hash in selector, labels and template', async () => {
    h = new DeploymentHarness();
    await h.start();
    const d = h.api.addDeployment(
      deployment('web', 3, { annotations: { 'kubernetes.io/change-cause': 'v1' } }),
    );
    await h.sync();

    const hash = computeHash(d.spec?.template);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    const [rs] = h.owned();
    expect(rs?.metadata.name).toBe(`web-${hash}`);
    expect(rs?.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs?.spec?.selector).toEqual({ matchLabels: { app: 'web', 'pod-template-hash': hash } });
    expect(rs?.spec?.template?.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs?.spec?.replicas).toBe(3);
    expect(rs?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: d.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(rs?.metadata.annotations).toEqual({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
      'kubernetes.io/change-cause': 'v1',
    });
    expect(messages()).toEqual([`Scaled up replica set web-${hash} from 0 to 3`]);
    expect(h.ctx.events.reasons).toEqual(['ScalingReplicaSet']);
    expect(h.d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(cond('Progressing')).toMatchObject({
      status: 'True',
      reason: 'NewReplicaSetCreated',
      message: `Created new replica set "web-${hash}"`,
    });
  });

  it('reports what kubectl rollout status reads, and completion', async () => {
    await rolledOut();
    const rs = h.owned()[0]!;
    expect(h.d.status).toMatchObject({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    expect(h.d.status?.unavailableReplicas).toBeUndefined();
    expect(cond('Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
      message: 'Deployment has minimum availability.',
    });
    expect(cond('Progressing')).toMatchObject({
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "${rs.metadata.name}" has successfully progressed.`,
    });
    // Nothing left to do: another sync writes nothing.
    const writes = h.api.calls.length;
    await h.sync();
    expect(h.api.calls.slice(writes).filter((c) => c.verb !== 'getDeployment')).toEqual([]);
  });

  it('warns and does nothing for a selector that selects everything', async () => {
    h = new DeploymentHarness();
    await h.start();
    const d = deployment('web', 1);
    d.spec!.selector = {};
    h.api.addDeployment(d);
    await h.sync();
    expect(h.ctx.events.reasons).toEqual(['SelectingAll']);
    expect(h.owned()).toEqual([]);
    expect(h.d.status?.observedGeneration).toBe(1);
  });
});

describe('Deployment controller: RollingUpdate', () => {
  const combos: [number, string | number, string | number, number, number][] = [
    // replicas, maxSurge, maxUnavailable → resolved surge, unavailable
    [4, 1, 1, 1, 1],
    [4, 0, 1, 0, 1],
    [4, 2, 0, 2, 0],
    [10, '25%', '25%', 3, 2],
    [3, '0%', '1%', 0, 1],
    [1, '25%', '25%', 1, 0],
  ];
  for (const [replicas, ms, mu, surge, unavailable] of combos) {
    it(`rolls ${replicas} replicas with maxSurge=${ms} maxUnavailable=${mu} within bounds`, async () => {
      h = new DeploymentHarness();
      await h.start();
      h.api.addDeployment(deployment('web', replicas, { maxSurge: ms, maxUnavailable: mu }));
      await h.sync();
      await h.runPods();
      await h.sync();
      const first = h.owned()[0]!;
      h.api.editDeployment('default', 'web', (d) => {
        d.spec!.template!.spec!.containers[0]!.image = 'nginx:2';
      });

      let steps = 0;
      for (; steps < 60; steps++) {
        await h.sync();
        const rss = h.owned();
        const total = rss.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
        const available = rss.reduce(
          (n, rs) => n + Math.min(rs.status?.availableReplicas ?? 0, rs.spec?.replicas ?? 0),
          0,
        );
        expect(total).toBeLessThanOrEqual(replicas + surge);
        expect(available).toBeGreaterThanOrEqual(replicas - unavailable);
        const s = h.d.status ?? {};
        if (
          s.updatedReplicas === replicas &&
          s.availableReplicas === replicas &&
          s.replicas === replicas
        )
          break;
        // New pods become available one step after they were asked for.
        await h.runPods();
      }
      expect(steps).toBeLessThan(60);
      const [old, next] = h.owned();
      expect(old?.metadata.uid).toBe(first.metadata.uid);
      expect(old?.spec?.replicas).toBe(0);
      expect(next?.spec?.replicas).toBe(replicas);
      expect(next?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
      expect(h.d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
      expect(h.d.status?.observedGeneration).toBe(2);
      expect(cond('Progressing')?.reason).toBe('NewReplicaSetAvailable');
      const last = new RegExp(`^Scaled down replica set ${first.metadata.name} from \\d+ to 0$`);
      expect(messages().some((m) => last.test(m))).toBe(true);
    });
  }

  it('scales unhealthy old pods down first, without waiting for availability', async () => {
    h = new DeploymentHarness();
    await h.start();
    h.api.addDeployment(deployment('web', 4, { maxSurge: 0, maxUnavailable: 1 }));
    await h.sync();
    // Only two of the four old pods ever became available.
    await h.runPods(() => false);
    const old = h.owned()[0]!;
    h.api.setReplicaSetStatus('default', old.metadata.name, {
      replicas: 4,
      readyReplicas: 2,
      availableReplicas: 2,
      observedGeneration: 1,
    });
    h.api.editDeployment('default', 'web', (d) => {
      d.spec!.template!.spec!.containers[0]!.image = 'nginx:2';
    });
    await h.sync();
    // No room to surge, so the new RS starts at 0. minAvailable is 3 and only 2 are
    // available, but scaling down is bounded by 4 pods − 3 − 0 unavailable new = 1:
    // one unhealthy old pod goes (available ones would have to wait).
    expect(h.owned().map((rs) => rs.spec?.replicas)).toEqual([3, 0]);
    await h.sync();
    expect(h.owned().map((rs) => rs.spec?.replicas)).toEqual([3, 1]);
  });

  it('never scales an old ReplicaSet up when its status still counts pods it just lost', async () => {
    h = new DeploymentHarness();
    await h.start();
    h.api.addDeployment(deployment('web', 4, { maxSurge: 1, maxUnavailable: 1 }));
    await h.sync();
    await h.runPods();
    const old = h.owned()[0]!;
    h.api.editDeployment('default', 'web', (d) => {
      d.spec!.template!.spec!.containers[0]!.image = 'nginx:2';
    });
    await h.sync();
    expect(sizes()).toEqual([3, 1]);
    await h.runPods();
    await h.sync();
    expect(sizes()).toEqual([3, 2]);
    // The new pods are available; the old RS was scaled to 3 but its status
    // (not yet updated) still counts 4 available pods.
    await h.runPods();
    h.api.setReplicaSetStatus('default', old.metadata.name, {
      replicas: 4,
      readyReplicas: 4,
      availableReplicas: 4,
      observedGeneration: 1,
    });
    await h.sync();
    expect(sizes()).toEqual([3, 2]);
    const oldSizes = h.api
      .verbs('updateReplicaSet')
      .filter((c) => c.name === old.metadata.name)
      .map((c) => (c.body as StoredReplicaSet).spec?.replicas);
    expect(oldSizes).toEqual([3]);
    // Once its status is current, the rollout goes on.
    await h.runPods();
    await h.sync();
    expect(sizes()).toEqual([1, 2]);
  });

  it('a rollover during a rollout scales every old ReplicaSet down', async () => {
    await rolledOut();
    h.api.editDeployment('default', 'web', (d) => {
      d.spec!.template!.spec!.containers[0]!.image = 'nginx:2';
    });
    await h.sync();
    await h.runPods(() => false);
    h.api.editDeployment('default', 'web', (d) => {
      d.spec!.template!.spec!.containers[0]!.image = 'nginx:3';
    });
    for (let i = 0; i < 30 && h.d.status?.updatedReplicas !== 3; i++) {
      await h.sync();
      await h.runPods((rs) => rs.spec?.template?.spec?.containers[0]?.image === 'nginx:3');
    }
    await h.sync();
    expect(sizes()).toEqual([0, 0, 3]);
    expect(h.d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('kubectl rollout restart (a template annotation) starts a new ReplicaSet', async () => {
    await rolledOut();
    h.api.editDeployment('default', 'web', (d) => {
      d.spec!.template!.metadata!.annotations = {
        'kubectl.kubernetes.io/restartedAt': '2024-05-01T10:00:00Z',
      };
    });
    await h.sync();
    expect(h.owned()).toHaveLength(2);
    expect(h.owned()[1]?.spec?.template?.metadata?.annotations).toEqual({
      'kubectl.kubernetes.io/restartedAt': '2024-05-01T10:00:00Z',
    });
  });
});

describe('Deployment controller: scaling', () => {
  it('scales the only active ReplicaSet to spec.replicas', async () => {
    await rolledOut();
    h.api.editDeployment('default', 'web', (d) => (d.spec!.replicas = 5));
    await h.sync();
    expect(sizes()).toEqual([5]);
    expect(h.owned()[0]?.metadata.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe(
      '5',
    );
    expect(messages().at(-1)).toBe(
      `Scaled up replica set ${h.owned()[0]?.metadata.name} from 3 to 5`,
    );
  });

  it('scales proportionally in the middle of a rollout', async () => {
    h = new DeploymentHarness();
    await h.start();
    h.api.addDeployment(deployment('web', 5, { maxSurge: 1, maxUnavailable: 0 }));
    await h.sync();
    await h.runPods();
    await h.sync();
    h.api.editDeployment('default', 'web', (d) => {
      d.spec!.template!.spec!.containers[0]!.image = 'nginx:2';
    });
    // Drive the rollout to old 3 / new 3 (6 = 5 + surge 1).
    for (let i = 0; i < 10 && sizes().join() !== '3,3'; i++) {
      await h.sync();
      await h.runPods();
    }
    expect(sizes()).toEqual([3, 3]);
    await h.runPods(() => false);
    // Scale to 10: allowed 10 + 3 (25% surge default? no: maxSurge 1) = 11; 5 more to spread.
    h.api.editDeployment('default', 'web', (d) => (d.spec!.replicas = 10));
    await h.sync();
    // New first among equals: round(3*11/6)-3 = 3 → new 6; old gets the other 2 → 5.
    expect(sizes()).toEqual([5, 6]);
    for (const rs of h.owned()) {
      expect(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('10');
      expect(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas']).toBe('11');
    }
  });

  it('a paused Deployment scales but does not roll out, and records pause and resume', async () => {
    await rolledOut();
    h.api.editDeployment('default', 'web', (d) => {
      d.spec!.paused = true;
      d.spec!.template!.spec!.containers[0]!.image = 'nginx:2';
    });
    await h.sync();
    expect(h.owned()).toHaveLength(1);
    expect(cond('Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'DeploymentPaused',
      message: 'Deployment is paused',
    });
    h.api.editDeployment('default', 'web', (d) => (d.spec!.replicas = 4));
    await h.sync();
    expect(sizes()).toEqual([4]);
    h.api.editDeployment('default', 'web', (d) => (d.spec!.paused = false));
    await h.sync();
    expect(h.owned()).toHaveLength(2);
    expect(h.owned()[1]?.spec?.template?.spec?.containers[0]?.image).toBe('nginx:2');
  });
});

describe('Deployment controller: Recreate', () => {
  it('scales old to 0, waits until their pods are gone, then creates the new ReplicaSet', async () => {
    h = new DeploymentHarness();
    await h.start();
    h.api.addDeployment(deployment('web', 3, { recreate: true }));
    await h.sync();
    await h.runPods();
    await h.sync();
    const old = h.owned()[0]!;
    h.api.editDeployment('default', 'web', (d) => {
      d.spec!.template!.spec!.containers[0]!.image = 'nginx:2';
    });
    await h.sync();
    expect(sizes()).toEqual([0]);
    // The old RS still reports pods: wait.
    await h.sync();
    expect(h.owned()).toHaveLength(1);
    // Its status says 0, but a pod of it is still terminating: wait.
    h.api.setReplicaSetStatus('default', old.metadata.name, { replicas: 0, observedGeneration: 2 });
    const terminating = replicaSetPod(old);
    h.pods.lw.upsert(terminating);
    await h.sync();
    expect(h.owned()).toHaveLength(1);
    // The pod is gone: the new RS comes, at full size.
    h.pods.lw.remove(`default/${terminating.metadata.name}`);
    await h.settle();
    expect(h.controller.queue.len).toBe(1);
    await h.sync();
    expect(sizes()).toEqual([0, 3]);
  });
});

function replicaSetPod(rs: StoredReplicaSet): StoredPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${rs.metadata.name}-abcde`,
      namespace: 'default',
      uid: 'pod-uid',
      resourceVersion: '1',
      creationTimestamp: '2024-05-01T10:00:00Z',
      deletionTimestamp: '2024-05-01T10:00:00Z',
      labels: { ...rs.spec?.template?.metadata?.labels },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: rs.metadata.name,
          uid: rs.metadata.uid,
          controller: true,
        },
      ],
    },
    spec: { containers: [{ name: 'web', image: 'nginx' }] },
    status: { phase: 'Running' },
  };
}
