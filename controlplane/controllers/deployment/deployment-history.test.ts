import { afterEach, describe, expect, it } from 'vitest';
import { newForbidden } from '../../api/errors.js';
import type { DeploymentCondition } from '../../api/types/index.js';
import { replicaSet, t0 } from '../replicaset/testing.js';
import { deployment, DeploymentHarness } from './deployment-testing.js';
import { computeHash } from './hash.js';

let h: DeploymentHarness;
afterEach(() => h?.stop());

const cond = (type: string): DeploymentCondition | undefined =>
  h.d.status?.conditions?.find((c) => c.type === type);
const sizes = (): number[] => h.owned().map((rs) => rs.spec?.replicas ?? 0);

async function rolledOut(name = 'web'): Promise<void> {
  h = new DeploymentHarness();
  await h.start();
  h.api.addDeployment(deployment(name, 3));
  await h.sync(name);
  await h.runPods();
  await h.sync(name);
}

describe('Deployment controller: history', () => {
  it('rolling back is a template change that revives the old ReplicaSet under a new revision', async () => {
    await rolledOut();
    const v1 = h.owned()[0]!;
    h.api.editDeployment('default', 'web', (d) => {
      d.spec!.template!.spec!.containers[0]!.image = 'nginx:2';
    });
    for (let i = 0; i < 10; i++) {
      await h.sync();
      await h.runPods();
    }
    expect(sizes()).toEqual([0, 3]);
    // kubectl rollout undo: the template of revision 1, without the hash label.
    const tpl = structuredClone(v1.spec!.template!);
    delete tpl.metadata!.labels!['pod-template-hash'];
    h.api.editDeployment('default', 'web', (d) => (d.spec!.template = tpl));
    for (let i = 0; i < 10; i++) {
      await h.sync();
      await h.runPods();
    }
    expect(h.owned()).toHaveLength(2);
    const revived = h.api.replicaSet('default', v1.metadata.name)!;
    expect(revived.metadata.uid).toBe(v1.metadata.uid);
    expect(revived.spec?.replicas).toBe(3);
    expect(revived.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(revived.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(h.d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(h.owned()[1]?.spec?.replicas).toBe(0);
  });

  it('deletes old empty ReplicaSets beyond revisionHistoryLimit, oldest revisions first', async () => {
    h = new DeploymentHarness();
    await h.start();
    h.api.addDeployment(deployment('web', 2, { revisionHistoryLimit: 1 }));
    for (const image of ['nginx:1', 'nginx:2', 'nginx:3', 'nginx:4']) {
      h.api.editDeployment('default', 'web', (d) => {
        d.spec!.template!.spec!.containers[0]!.image = image;
      });
      for (let i = 0; i < 10; i++) {
        await h.sync();
        await h.runPods();
      }
    }
    await h.sync();
    const left = h
      .owned()
      .map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision']);
    expect(left.sort()).toEqual(['3', '4']);
    expect(h.api.verbs('deleteReplicaSet')).toHaveLength(2);
  });
});

describe('Deployment controller: progress', () => {
  it('reports ProgressDeadlineExceeded when a rollout stops progressing, and checks back in time', async () => {
    h = new DeploymentHarness();
    await h.start();
    h.api.addDeployment(deployment('web', 2, { progressDeadlineSeconds: 60 }));
    await h.sync();
    await h.runPods(() => false);
    await h.sync();
    const rs = h.owned()[0]!;
    expect(cond('Progressing')).toMatchObject({
      status: 'True',
      reason: 'ReplicaSetUpdated',
      message: `ReplicaSet "${rs.metadata.name}" is progressing.`,
    });
    expect(cond('Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
    });
    while (h.controller.queue.len > 0) h.controller.queue.done((await h.controller.queue.get())!);
    // No change: the controller asks to look again once the deadline has passed.
    await h.sync();
    h.clock.advance(61_000);
    await new Promise((r) => setImmediate(r));
    expect(h.controller.queue.len).toBe(1);
    await h.sync();
    expect(cond('Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: `ReplicaSet "${rs.metadata.name}" has timed out progressing.`,
    });
    // Progress after the deadline: pods became available, the rollout completes.
    await h.runPods();
    await h.sync();
    expect(cond('Progressing')?.reason).toBe('NewReplicaSetAvailable');
  });

  it('surfaces a failure to create the ReplicaSet as a condition and an event', async () => {
    h = new DeploymentHarness();
    await h.start();
    h.api.failCreateReplicaSet = () =>
      newForbidden({ group: 'apps', resource: 'replicasets' }, 'web-x', 'quota');
    h.api.addDeployment(deployment('web', 2));
    await h.settle();
    await expect(h.controller.reconcile('default/web')).rejects.toThrow(/quota/);
    await h.settle();
    expect(cond('Progressing')).toMatchObject({ status: 'False', reason: 'ReplicaSetCreateError' });
    expect(cond('Progressing')?.message).toMatch(
      /^Failed to create new replica set "web-[a-z0-9]+": .*quota/,
    );
    expect(h.ctx.events.reasons).toEqual(['ReplicaSetCreateError']);
  });

  it('bumps collisionCount when the ReplicaSet name is taken by another object', async () => {
    h = new DeploymentHarness();
    await h.start();
    const d = deployment('web', 1);
    const taken = replicaSet(`web-${computeHash(d.spec?.template)}`, 0, {
      labels: { app: 'other' },
    });
    h.api.addReplicaSet(taken);
    h.api.addDeployment(d);
    await h.settle();
    await expect(h.controller.reconcile('default/web')).rejects.toThrow(/already exists/);
    await h.settle();
    expect(h.d.status?.collisionCount).toBe(1);
    await h.sync();
    const [rs] = h.owned();
    expect(rs?.metadata.name).toBe(`web-${computeHash(d.spec?.template, 1)}`);
    expect(rs?.metadata.name).not.toBe(taken.metadata.name);
  });

  it('adopts an orphan ReplicaSet that runs its template', async () => {
    h = new DeploymentHarness();
    await h.start();
    const d = deployment('web', 2);
    const orphan = replicaSet('web-old', 2, {
      labels: { app: 'web' },
      template: structuredClone(d.spec!.template),
    });
    orphan.metadata.creationTimestamp = new Date(t0 - 1000).toISOString();
    h.api.addReplicaSet(orphan);
    h.api.addDeployment(d);
    await h.sync();
    expect(h.api.verbs('patchReplicaSet').map((c) => c.name)).toEqual(['web-old']);
    expect(h.api.verbs('createReplicaSet')).toEqual([]);
    expect(h.owned().map((rs) => rs.metadata.name)).toEqual(['web-old']);
  });
});
