import { describe, expect, it } from 'vitest';
import type * as T from '../../controlplane/api/types/index.js';
import { CliError } from '../errors.js';
import { planDrain } from './drain.js';
import { exposable, serviceFor } from './expose.js';
import { metaPatch, outcomeWord, parseMetaArgs } from './label.js';
import {
  deploymentHistory,
  deploymentStatus,
  rollbackPatch,
  rollbackTarget,
} from './rollout/index.js';
import { runObjects } from './run.js';
import { imagePatch } from './set-image.js';

const deployment = (
  o: Partial<{
    gen: number;
    obs: number;
    want: number;
    updated: number;
    total: number;
    available: number;
    reason: string;
  }>,
): T.Deployment => ({
  metadata: {
    name: 'web',
    generation: o.gen ?? 2,
    uid: 'd1',
    annotations: { 'deployment.kubernetes.io/revision': '2' },
  },
  spec: {
    replicas: o.want ?? 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:2' }] },
    },
  },
  status: {
    observedGeneration: o.obs ?? 2,
    updatedReplicas: o.updated ?? 3,
    replicas: o.total ?? 3,
    availableReplicas: o.available ?? 3,
    ...(o.reason
      ? { conditions: [{ type: 'Progressing', status: 'False', reason: o.reason }] }
      : {}),
  },
});

describe('rollout status', () => {
  it('follows kubectl: observed generation, then updated, old, available', () => {
    expect(deploymentStatus(deployment({ obs: 1 })).message).toBe(
      'Waiting for deployment spec update to be observed...',
    );
    expect(deploymentStatus(deployment({ updated: 1 })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    );
    expect(deploymentStatus(deployment({ total: 5 })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 2 old replicas are pending termination...',
    );
    expect(deploymentStatus(deployment({ available: 1 })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...',
    );
    expect(deploymentStatus(deployment({}))).toEqual({
      message: 'deployment "web" successfully rolled out',
      done: true,
    });
  });

  it('fails on ProgressDeadlineExceeded and on another revision', () => {
    expect(() => deploymentStatus(deployment({ reason: 'ProgressDeadlineExceeded' }))).toThrow(
      'deployment "web" exceeded its progress deadline',
    );
    expect(() => deploymentStatus(deployment({}), 3)).toThrow(
      'desired revision (3) is different from the running revision (2)',
    );
  });
});

describe('rollout history and undo', () => {
  const rs = (rev: number, image: string, cause?: string): T.ReplicaSet => ({
    metadata: {
      name: `web-${rev}`,
      annotations: {
        'deployment.kubernetes.io/revision': String(rev),
        ...(cause ? { 'kubernetes.io/change-cause': cause } : {}),
      },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true },
      ],
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', 'pod-template-hash': `h${rev}` } },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  });
  const d = deployment({});
  const others: T.ReplicaSet = {
    ...rs(9, 'x'),
    metadata: { ...rs(9, 'x').metadata, ownerReferences: [] },
  };
  const h = deploymentHistory(d, [rs(2, 'nginx:2'), rs(1, 'nginx:1', 'first'), others]);

  it('lists the revisions of the ReplicaSets the deployment controls', () => {
    expect(h.map((e) => e.revision)).toEqual([1, 2]);
  });

  it('undoes to the previous revision or a chosen one, as kubectl', () => {
    expect(rollbackTarget(d, h, 0).metadata?.name).toBe('web-1');
    expect(rollbackTarget(d, h, 2).metadata?.name).toBe('web-2');
    expect(() => rollbackTarget(d, h, 7)).toThrow('unable to find specified revision 7 in history');
    expect(() => rollbackTarget(d, h.slice(1), 0)).toThrow(
      'no rollout history found for deployment "web"',
    );
  });

  it('patches the template without pod-template-hash and keeps bookkeeping annotations', () => {
    const patch = rollbackPatch(d, rs(1, 'nginx:1', 'first')) as {
      path: string;
      value: T.PodTemplateSpec & Record<string, string>;
    }[];
    expect(patch[0]?.path).toBe('/spec/template');
    expect(patch[0]?.value.metadata?.labels).toEqual({ app: 'web' });
    expect(patch[1]?.value).toEqual({
      'deployment.kubernetes.io/revision': '2',
      'kubernetes.io/change-cause': 'first',
    });
  });
});

describe('label and annotate', () => {
  it('splits resources from changes', () => {
    expect(parseMetaArgs(['deploy', 'web', 'a=b', 'c-'], 'label')).toEqual({
      resources: ['deploy', 'web'],
      change: { set: { a: 'b' }, remove: ['c'] },
    });
    expect(() => parseMetaArgs(['deploy/web', 'a=b', 'a-'], 'label')).toThrow(CliError);
  });

  it('refuses to change a value without --overwrite and words the outcome as kubectl', () => {
    expect(() => metaPatch({ a: 'x' }, { set: { a: 'y' }, remove: [] }, false)).toThrow(
      "'a' already has a value (x), and --overwrite is false",
    );
    expect(metaPatch({ a: 'x' }, { set: { a: 'y' }, remove: [] }, true)).toEqual({ a: 'y' });
    expect(metaPatch({ a: 'x' }, { set: { a: 'x' }, remove: ['zz'] }, false)).toBeUndefined();
    expect(outcomeWord('label', undefined, false)).toBe('not labeled');
    expect(outcomeWord('label', { a: null }, false)).toBe('unlabeled');
    expect(outcomeWord('annotation', undefined, false)).toBe('annotated');
  });
});

describe('drain plan', () => {
  const pod = (
    name: string,
    o: { owner?: string; emptyDir?: boolean; phase?: string; mirror?: boolean } = {},
  ): T.Pod => ({
    metadata: {
      name,
      namespace: 'default',
      ...(o.owner
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: o.owner, name: 'x', uid: 'u', controller: true },
            ],
          }
        : {}),
      ...(o.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {}),
    },
    spec: { containers: [], ...(o.emptyDir ? { volumes: [{ name: 'd', emptyDir: {} }] } : {}) },
    ...(o.phase ? { status: { phase: o.phase as T.PodPhase } } : {}),
  });

  it('refuses what kubectl refuses, with its messages', () => {
    const p = planDrain(
      [
        pod('a', { owner: 'ReplicaSet' }),
        pod('b'),
        pod('c', { owner: 'ReplicaSet', emptyDir: true }),
        pod('d', { owner: 'DaemonSet' }),
      ],
      {},
    );
    expect(p.fatal).toEqual([
      'cannot delete Pods declare no controller (use --force to override): default/b',
      'cannot delete Pods with local storage (use --delete-emptydir-data to override): default/c',
      'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/d',
    ]);
  });

  it('evicts what the flags allow and warns about it; skips mirror pods; finished pods always go', () => {
    const p = planDrain(
      [
        pod('a', { owner: 'ReplicaSet' }),
        pod('b'),
        pod('c', { emptyDir: true, owner: 'ReplicaSet' }),
        pod('d', { owner: 'DaemonSet' }),
        pod('m', { mirror: true }),
        pod('f', { phase: 'Succeeded' }),
      ],
      { force: true, ignoreDaemonsets: true, deleteEmptydirData: true },
    );
    expect(p.fatal).toEqual([]);
    expect(p.evict.map((x) => x.metadata?.name)).toEqual(['a', 'b', 'c', 'f']);
    expect(p.warnings).toEqual([
      'deleting Pods that declare no controller: default/b',
      'deleting Pods with local storage: default/c',
      'ignoring DaemonSet-managed Pods: default/d',
    ]);
  });
});

describe('object generators', () => {
  it('run makes a pod labelled run=NAME, or a deployment with --replicas', () => {
    const pod = runObjects('web', { image: 'nginx', port: '80', restart: 'Always' }, []);
    expect(pod.obj).toMatchObject({
      kind: 'Pod',
      metadata: { name: 'web', labels: { run: 'web' } },
    });
    const dep = runObjects(
      'web',
      { image: 'nginx', replicas: '3', restart: 'Always', expose: true, port: '80' },
      ['--flag'],
    );
    expect(dep.obj).toMatchObject({
      kind: 'Deployment',
      spec: { replicas: 3, selector: { matchLabels: { run: 'web' } } },
    });
    expect(dep.service).toMatchObject({
      spec: { ports: [{ port: 80, targetPort: 80 }], selector: { run: 'web' } },
    });
    expect(() => runObjects('web', { restart: 'Always' }, [])).toThrow('--image is required');
  });

  it('expose reads selector, labels and ports from the object', () => {
    const d = deployment({}) as unknown as Record<string, unknown>;
    const x = exposable({ ...d, kind: 'Deployment' });
    expect(x.selector).toEqual({ app: 'web' });
    expect(() => serviceFor('web', x, {})).toThrow(
      "couldn't find port via --port flag or introspection",
    );
    expect(serviceFor('web', x, { port: '80', targetPort: 'http' })).toMatchObject({
      spec: {
        ports: [{ port: 80, protocol: 'TCP', targetPort: 'http' }],
        selector: { app: 'web' },
      },
    });
  });

  it('set image patches only changed containers and refuses unknown names', () => {
    const spec = {
      containers: [
        { name: 'a', image: 'x:1' },
        { name: 'b', image: 'y:1' },
      ],
    } as T.PodSpec;
    expect(imagePatch(spec, { a: 'x:2' })).toEqual({ containers: [{ name: 'a', image: 'x:2' }] });
    expect(imagePatch(spec, { '*': 'z' })?.containers.length).toBe(2);
    expect(imagePatch(spec, { a: 'x:1' })).toBeUndefined();
    expect(() => imagePatch(spec, { c: 'q' })).toThrow('unable to find container named "c"');
  });
});
