import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferSink } from '../../cli/io.js';
import type { Stored } from '../../controlplane/api/meta.js';
import type { Deployment } from '../../controlplane/api/types/index.js';
import { waitFor } from '../../lib/wait.js';
import { deploymentYaml, startCliHarness, type CliHarness } from './harness.js';

const deployPath = (name: string, sub = ''): string =>
  `/apis/apps/v1/namespaces/default/deployments/${name}${sub ? `/${sub}` : ''}`;

describe('tug workload commands against the real API server', () => {
  let h: CliHarness;
  const get = (name: string): Promise<Stored<Deployment>> =>
    h.server.client.request({ path: deployPath(name) });
  const setStatus = async (name: string, status: Record<string, unknown>): Promise<void> => {
    await h.server.client.request({
      method: 'PATCH',
      path: deployPath(name, 'status'),
      body: JSON.stringify({ status }),
      contentType: 'application/merge-patch+json',
    });
  };
  const apply = async (yaml: string): Promise<void> => {
    const r = await h.tug(['apply', '-f', '-'], { stdin: yaml });
    expect(r.err).toBe('');
  };

  beforeAll(async () => {
    h = await startCliHarness();
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('describes a deployment with its conditions, ReplicaSets and events', async () => {
    await apply(deploymentYaml('shop', 3, 'shop:1'));
    const d = await get('shop');
    await setStatus('shop', {
      observedGeneration: d.metadata.generation,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'ok' },
      ],
    });
    const now = new Date().toISOString();
    await h.server.client.request({
      method: 'POST',
      path: '/api/v1/namespaces/default/events',
      body: {
        metadata: { name: 'shop.1' },
        involvedObject: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'shop',
          namespace: 'default',
          uid: d.metadata.uid,
        },
        reason: 'ScalingReplicaSet',
        message: 'Scaled up replica set shop-abc to 3',
        type: 'Normal',
        source: { component: 'deployment-controller' },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    const r = await h.tug(['describe', 'deployment', 'shop']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Name:\s+shop\nNamespace:\s+default\n/);
    expect(r.out).toMatch(
      /Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable/,
    );
    expect(r.out).toMatch(
      /Conditions:\n {2}Type\s+Status\s+Reason\n {2}----\s+------\s+------\n {2}Available \s+True\s+MinimumReplicasAvailable\n/,
    );
    expect(r.out).toMatch(
      /Events:\n {2}Type\s+Reason\s+Age\s+From\s+Message\n.*\n {2}Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set shop-abc to 3\n$/,
    );
    const k = await h.kubectl(['describe', 'deployment', 'shop']);
    expect(r.out.replace(/\d+s\b/g, 'AGE')).toBe(k.out.replace(/\d+s\b/g, 'AGE'));
  });

  it('scales through the scale subresource, with kubectl precondition errors', async () => {
    await apply(deploymentYaml('sized', 1, 'x:1'));
    expect((await h.tug(['scale', 'deploy/sized', '--replicas=4'])).out).toBe(
      'deployment.apps/sized scaled\n',
    );
    expect((await get('sized')).spec?.replicas).toBe(4);
    const pre = await h.tug(['scale', 'deploy', 'sized', '--replicas=2', '--current-replicas=3']);
    expect(pre).toEqual({ out: '', err: 'error: Expected replicas to be 3, was 4\n', code: 1 });
    const usage = await h.tug(['scale', 'deploy', 'sized']);
    expect(usage.err).toBe(
      'error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n',
    );
  });

  it('rollout status waits until the status says done', async () => {
    await apply(deploymentYaml('roll', 2, 'roll:1'));
    const d = await get('roll');
    await setStatus('roll', {
      observedGeneration: d.metadata.generation,
      replicas: 2,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
    });
    const stdout = new BufferSink();
    const running = h.tug(['rollout', 'status', 'deployment/roll', '--timeout=60s'], { stdout });
    await waitFor(() => stdout.text.includes('1 out of 2 new replicas have been updated'), {
      timeoutMs: 20_000,
      what: 'the first status line',
    });
    await setStatus('roll', { updatedReplicas: 2, availableReplicas: 1 });
    await waitFor(() => stdout.text.includes('1 of 2 updated replicas are available'), {
      timeoutMs: 20_000,
      what: 'progress',
    });
    await setStatus('roll', { readyReplicas: 2, availableReplicas: 2 });
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'Waiting for deployment "roll" rollout to finish: 1 out of 2 new replicas have been updated...\n' +
        'Waiting for deployment "roll" rollout to finish: 1 of 2 updated replicas are available...\n' +
        'deployment "roll" successfully rolled out\n',
    );
    const once = await h.tug(['rollout', 'status', 'deploy/roll', '--watch=false']);
    expect(once.out).toBe('deployment "roll" successfully rolled out\n');
  });

  it('rollout status fails on ProgressDeadlineExceeded and on its timeout', async () => {
    await apply(deploymentYaml('stuck', 1, 'stuck:1'));
    const d = await get('stuck');
    await setStatus('stuck', { observedGeneration: d.metadata.generation });
    const t = await h.tug(['rollout', 'status', 'deploy/stuck', '--timeout=1s']);
    expect(t.code).toBe(1);
    expect(t.err).toBe('error: timed out waiting for the condition\n');
    await setStatus('stuck', {
      conditions: [
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'too slow',
        },
      ],
    });
    const r = await h.tug(['rollout', 'status', 'deploy/stuck']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: deployment "stuck" exceeded its progress deadline\n');
  });

  it('rollout history and undo use the ReplicaSets the deployment controls', async () => {
    await apply(deploymentYaml('hist', 1, 'hist:2'));
    const d = await get('hist');
    for (const [rev, image, cause] of [
      [1, 'hist:1', 'first version'],
      [2, 'hist:2', ''],
    ] as const) {
      await h.server.client.request({
        method: 'POST',
        path: '/apis/apps/v1/namespaces/default/replicasets',
        body: {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: `hist-h${rev}`,
            labels: { app: 'hist', 'pod-template-hash': `h${rev}` },
            annotations: {
              'deployment.kubernetes.io/revision': String(rev),
              ...(cause ? { 'kubernetes.io/change-cause': cause } : {}),
            },
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: 'hist',
                uid: d.metadata.uid,
                controller: true,
              },
            ],
          },
          spec: {
            replicas: rev === 2 ? 1 : 0,
            selector: { matchLabels: { app: 'hist', 'pod-template-hash': `h${rev}` } },
            template: {
              metadata: { labels: { app: 'hist', 'pod-template-hash': `h${rev}` } },
              spec: { containers: [{ name: 'hist', image, ports: [{ containerPort: 8080 }] }] },
            },
          },
        },
      });
    }
    const hist = await h.tug(['rollout', 'history', 'deploy/hist']);
    expect(hist.out).toBe(
      'deployment.apps/hist \nREVISION  CHANGE-CAUSE\n1         first version\n2         <none>\n\n',
    );
    expect(hist.out).toBe((await h.kubectl(['rollout', 'history', 'deploy/hist'])).out);
    const undo = await h.tug(['rollout', 'undo', 'deploy/hist']);
    expect(undo.out).toBe('deployment.apps/hist rolled back\n');
    const after = await get('hist');
    expect(after.spec?.template.spec?.containers[0]?.image).toBe('hist:1');
    expect(after.spec?.template.metadata?.labels).toEqual({ app: 'hist' });
    const skip = await h.tug(['rollout', 'undo', 'deploy/hist', '--to-revision=1']);
    expect(skip.out).toBe(
      'deployment.apps/hist skipped rollback (current template already matches revision 1)\n',
    );
    const missing = await h.tug(['rollout', 'undo', 'deploy/hist', '--to-revision=9']);
    expect(missing.err).toBe('error: unable to find specified revision 9 in history\n');
  });

  it('restart, pause and resume patch the deployment', async () => {
    await apply(deploymentYaml('cycle', 1, 'c:1'));
    expect((await h.tug(['rollout', 'restart', 'deploy/cycle'])).out).toBe(
      'deployment.apps/cycle restarted\n',
    );
    const restarted = await get('cycle');
    expect(
      restarted.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'],
    ).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await h.tug(['rollout', 'pause', 'deploy/cycle'])).out).toBe(
      'deployment.apps/cycle paused\n',
    );
    expect((await get('cycle')).spec?.paused).toBe(true);
    expect((await h.tug(['rollout', 'pause', 'deploy/cycle'])).err).toBe(
      'error: deployments.apps "cycle" is already paused\n',
    );
    expect((await h.tug(['rollout', 'restart', 'deploy/cycle'])).err).toBe(
      `error: deployments.apps "cycle" can't restart paused deployment (run rollout resume first)\n`,
    );
    expect((await h.tug(['rollout', 'resume', 'deploy/cycle'])).out).toBe(
      'deployment.apps/cycle resumed\n',
    );
    expect((await get('cycle')).spec?.paused).toBeUndefined();
  });

  it('labels and annotates', async () => {
    await apply(deploymentYaml('tagged', 1, 't:1'));
    expect((await h.tug(['label', 'deploy', 'tagged', 'team=a'])).out).toBe(
      'deployment.apps/tagged labeled\n',
    );
    const clash = await h.tug(['label', 'deploy', 'tagged', 'team=b']);
    expect(clash.err).toBe("error: 'team' already has a value (a), and --overwrite is false\n");
    expect((await h.tug(['label', 'deploy', 'tagged', 'team=b', '--overwrite'])).out).toBe(
      'deployment.apps/tagged labeled\n',
    );
    expect((await h.tug(['label', 'deploy/tagged', 'team-'])).out).toBe(
      'deployment.apps/tagged unlabeled\n',
    );
    expect((await h.tug(['annotate', 'deploy', 'tagged', 'note=hi there'])).out).toBe(
      'deployment.apps/tagged annotated\n',
    );
    const d = await get('tagged');
    expect(d.metadata.labels).toEqual({ app: 'tagged' });
    expect(d.metadata.annotations?.['note']).toBe('hi there');
  });

  it('reports Invalid answers as kubectl rebuilds them', async () => {
    await apply(deploymentYaml('inv', 1, 'i:1'));
    const r = await h.tug([
      'patch',
      'deploy',
      'inv',
      '--type=merge',
      '-p',
      '{"spec":{"replicas":-3}}',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'The Deployment "inv" is invalid: spec.replicas: Invalid value: -3: must be greater than or equal to 0\n',
    );
    const k = await h.kubectl([
      'patch',
      'deploy',
      'inv',
      '--type=merge',
      '-p',
      '{"spec":{"replicas":-3}}',
    ]);
    expect(r.err).toBe(k.err);
  });

  it('cordons, uncordons and drains a node, evicting its pods', async () => {
    await h.server.client.request({
      method: 'POST',
      path: '/api/v1/nodes',
      body: { metadata: { name: 'n1' } },
    });
    const pod = (name: string, owned: boolean): unknown => ({
      metadata: {
        name,
        ...(owned
          ? {
              ownerReferences: [
                {
                  apiVersion: 'apps/v1',
                  kind: 'ReplicaSet',
                  name: 'rs',
                  uid: 'u1',
                  controller: true,
                },
              ],
            }
          : {}),
      },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] },
    });
    for (const [n, owned] of [
      ['managed', true],
      ['bare', false],
    ] as const) {
      await h.server.client.request({
        method: 'POST',
        path: '/api/v1/namespaces/default/pods',
        body: pod(n, owned),
      });
    }
    expect((await h.tug(['cordon', 'n1'])).out).toBe('node/n1 cordoned\n');
    expect((await h.tug(['cordon', 'n1'])).out).toBe('node/n1 already cordoned\n');
    expect((await h.tug(['uncordon', 'n1'])).out).toBe('node/n1 uncordoned\n');
    const refused = await h.tug(['drain', 'n1']);
    expect(refused.code).toBe(1);
    expect(refused.out).toBe('node/n1 cordoned\n');
    expect(refused.err).toBe(
      'error: unable to drain node "n1" due to error: cannot delete Pods declare no controller (use --force to override): default/bare, continuing command...\n' +
        'There are pending nodes to be drained:\n n1\n' +
        'cannot delete Pods declare no controller (use --force to override): default/bare\n',
    );
    const drained = await h.tug(['drain', 'n1', '--force', '--grace-period=0', '--timeout=60s']);
    expect(drained.err).toBe('Warning: deleting Pods that declare no controller: default/bare\n');
    expect(drained.out.split('\n').sort()).toEqual(
      [
        '',
        'evicting pod default/bare',
        'evicting pod default/managed',
        'node/n1 already cordoned',
        'node/n1 drained',
        'pod/bare evicted',
        'pod/managed evicted',
      ].sort(),
    );
    expect((await h.tug(['get', 'pods', '-o', 'name'])).out).toBe('');
  });

  it('creates with run, expose and autoscale', async () => {
    expect((await h.tug(['run', 'solo', '--image=nginx', '--port=80'])).out).toBe(
      'pod/solo created\n',
    );
    expect((await h.tug(['run', 'many', '--image=nginx', '--replicas=2', '--port=80'])).out).toBe(
      'deployment.apps/many created\n',
    );
    expect((await h.tug(['expose', 'deploy', 'many', '--port=8080', '--target-port=80'])).out).toBe(
      'service/many exposed\n',
    );
    const svc = await h.tug([
      'get',
      'svc',
      'many',
      '-o',
      'jsonpath={.spec.selector.run} {.spec.ports[0].port}',
    ]);
    expect(svc.out).toBe('many 8080');
    expect((await h.tug(['autoscale', 'deploy', 'many', '--max=5', '--cpu-percent=70'])).out).toBe(
      'horizontalpodautoscaler.autoscaling/many autoscaled\n',
    );
    const hpa = await h.tug([
      'get',
      'hpa',
      'many',
      '-o',
      'jsonpath={.spec.maxReplicas} {.spec.scaleTargetRef.name}',
    ]);
    expect(hpa.out).toBe('5 many');
  });
});
