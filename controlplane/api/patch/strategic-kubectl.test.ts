import { describe, expect, it } from 'vitest';
import {
  applyStrategicMergePatch,
  createThreeWayMergePatch,
  createTwoWayMergePatch,
  patchMetaFor,
  type JsonObject,
  type JsonValue,
} from './index.js';
import { sortKeysDeep } from './json.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const deploymentMeta = patchMetaFor('apps', 'Deployment');

/** manifest is a Deployment as a user writes it. */
function manifest(opts: { replicas: number; image: string; extra?: JsonObject }): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'web', image: opts.image, ports: [{ containerPort: 80 }], ...opts.extra },
          ],
        },
      },
    },
  };
}

/** lastAppliedOf is the annotation value kubectl writes: the manifest as sorted JSON plus a newline. */
const lastAppliedOf = (m: JsonObject): string => `${JSON.stringify(sortKeysDeep(m))}\n`;

/** withAnnotation is what kubectl diffs against: the manifest carrying its own last-applied annotation. */
function withAnnotation(m: JsonObject): JsonObject {
  const copy = structuredClone(m) as { metadata: JsonObject };
  copy.metadata.annotations = { [LAST_APPLIED]: lastAppliedOf(m) };
  return copy as unknown as JsonObject;
}

/** live is the stored Deployment after the first apply: defaults, server fields, status. */
function live(m: JsonObject): JsonObject {
  const spec = m.spec as JsonObject;
  const template = spec.template as JsonObject;
  const podSpec = template.spec as { containers: JsonObject[] };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: '5f0c-uid',
      resourceVersion: '1234',
      generation: 1,
      creationTimestamp: '2025-01-01T00:00:00Z',
      annotations: { 'deployment.kubernetes.io/revision': '1', [LAST_APPLIED]: lastAppliedOf(m) },
    },
    spec: {
      replicas: spec.replicas as number,
      selector: spec.selector as JsonObject,
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: {
          containers: podSpec.containers.map((c) => ({
            ...c,
            ...(c.ports
              ? { ports: (c.ports as JsonObject[]).map((p) => ({ ...p, protocol: 'TCP' })) }
              : {}),
            resources: {},
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
            imagePullPolicy: 'IfNotPresent',
          })),
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
      },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    },
  };
}

/** kubectlApply computes the patch `kubectl apply` sends for a new manifest against the live object. */
function kubectlApply(next: JsonObject, current: JsonObject, meta = deploymentMeta): JsonObject {
  const annotations = (current.metadata as JsonObject).annotations as JsonObject | undefined;
  const lastApplied = annotations?.[LAST_APPLIED];
  const original =
    typeof lastApplied === 'string' ? (JSON.parse(lastApplied) as JsonValue) : undefined;
  return createThreeWayMergePatch(original, withAnnotation(next), current, meta);
}

const get = (o: JsonValue, path: string): JsonValue | undefined =>
  path.split('.').reduce<JsonValue | undefined>((v, k) => {
    if (v === undefined || v === null || typeof v !== 'object') return undefined;
    return Array.isArray(v) ? v[Number(k)] : v[k];
  }, o);

describe('kubectl apply on a Deployment', () => {
  const v1 = manifest({ replicas: 2, image: 'nginx:1.26' });
  const v2 = manifest({ replicas: 3, image: 'nginx:1.27' });
  const current = live(v1);

  it('computes the second-apply body kubectl really sends, byte for byte', () => {
    const patch = kubectlApply(v2, current);
    const annotation = JSON.stringify(lastAppliedOf(v2));
    expect(JSON.stringify(patch)).toBe(
      `{"metadata":{"annotations":{"${LAST_APPLIED}":${annotation}}},"spec":{"replicas":3,"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"nginx:1.27","name":"web"}]}}}}`,
    );
  });

  it('applies that body on the server, keeping defaults and status', () => {
    const body = JSON.parse(
      `{"metadata":{"annotations":{"${LAST_APPLIED}":${JSON.stringify(lastAppliedOf(v2))}}},"spec":{"replicas":3,"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"nginx:1.27","name":"web"}]}}}}`,
    ) as JsonObject;
    const result = applyStrategicMergePatch(current, body, deploymentMeta);
    const expected = structuredClone(current) as JsonObject;
    (expected.spec as JsonObject).replicas = 3;
    const c = get(expected, 'spec.template.spec.containers.0') as JsonObject;
    c.image = 'nginx:1.27';
    ((expected.metadata as JsonObject).annotations as JsonObject)[LAST_APPLIED] = lastAppliedOf(v2);
    expect(result).toEqual(expected);
    expect(
      JSON.stringify(Object.keys(get(result, 'spec.template.spec.containers.0') as JsonObject)),
    ).toBe(JSON.stringify(Object.keys(c)));
  });

  it('re-applying the same manifest sends nothing but the unchanged annotation', () => {
    expect(kubectlApply(v1, current)).toEqual({});
  });

  it('removes a container that left the manifest', () => {
    const withSidecar = manifest({ replicas: 2, image: 'nginx:1.26' });
    const containers = get(withSidecar, 'spec.template.spec.containers') as JsonObject[];
    containers.push({ name: 'sidecar', image: 'busybox' });
    const cur = live(withSidecar);
    const patch = kubectlApply(v1, cur);
    expect(get(patch, 'spec.template.spec')).toEqual({
      '$setElementOrder/containers': [{ name: 'web' }],
      containers: [{ $patch: 'delete', name: 'sidecar' }],
    });
    const result = applyStrategicMergePatch(cur, patch, deploymentMeta);
    const names = (get(result, 'spec.template.spec.containers') as JsonObject[]).map((c) => c.name);
    expect(names).toEqual(['web']);
    expect(get(result, 'spec.template.spec.containers.0.imagePullPolicy')).toBe('IfNotPresent');
  });

  it('adds a container in manifest order', () => {
    const next = manifest({ replicas: 2, image: 'nginx:1.26' });
    (get(next, 'spec.template.spec.containers') as JsonObject[]).unshift({
      name: 'init-ish',
      image: 'busybox',
    });
    const result = applyStrategicMergePatch(current, kubectlApply(next, current), deploymentMeta);
    const names = (get(result, 'spec.template.spec.containers') as JsonObject[]).map((c) => c.name);
    expect(names).toEqual(['init-ish', 'web']);
  });

  it('keeps a label someone else added, and deletes one the manifest dropped', () => {
    const labelled = manifest({ replicas: 2, image: 'nginx:1.26' });
    (labelled.metadata as JsonObject).labels = { app: 'web', tier: 'fe' };
    const cur = live(labelled);
    (cur.metadata as JsonObject).labels = { app: 'web', tier: 'fe', team: 'payments' };
    const next = manifest({ replicas: 2, image: 'nginx:1.26' });
    (next.metadata as JsonObject).labels = { app: 'web' };
    const patch = kubectlApply(next, cur);
    expect(get(patch, 'metadata.labels')).toEqual({ tier: null });
    const result = applyStrategicMergePatch(cur, patch, deploymentMeta);
    expect(get(result, 'metadata.labels')).toEqual({ app: 'web', team: 'payments' });
  });

  it('changes a container port: the old one is deleted, the new one added', () => {
    const next = manifest({ replicas: 2, image: 'nginx:1.26' });
    (get(next, 'spec.template.spec.containers.0') as JsonObject).ports = [{ containerPort: 8080 }];
    const patch = kubectlApply(next, current);
    expect(get(patch, 'spec.template.spec.containers.0')).toEqual({
      '$setElementOrder/ports': [{ containerPort: 8080 }],
      name: 'web',
      ports: [{ containerPort: 8080 }, { $patch: 'delete', containerPort: 80 }],
    });
    const result = applyStrategicMergePatch(current, patch, deploymentMeta);
    expect(get(result, 'spec.template.spec.containers.0.ports')).toEqual([{ containerPort: 8080 }]);
  });

  it('naming a port merges into the live port by containerPort, keeping its protocol', () => {
    const next = manifest({ replicas: 2, image: 'nginx:1.26' });
    (get(next, 'spec.template.spec.containers.0') as JsonObject).ports = [
      { containerPort: 80, name: 'http' },
    ];
    const result = applyStrategicMergePatch(current, kubectlApply(next, current), deploymentMeta);
    expect(get(result, 'spec.template.spec.containers.0.ports')).toEqual([
      { containerPort: 80, protocol: 'TCP', name: 'http' },
    ]);
  });

  it('merges env by name and volumeMounts by mountPath', () => {
    const before = manifest({
      replicas: 2,
      image: 'nginx:1.26',
      extra: {
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
          { name: 'C', value: '3' },
        ],
        volumeMounts: [
          { name: 'data', mountPath: '/data' },
          { name: 'data', mountPath: '/backup', subPath: 'b' },
        ],
      },
    });
    const cur = live(before);
    // Someone else injected a variable and a mount (a webhook, say).
    const c = get(cur, 'spec.template.spec.containers.0') as JsonObject;
    (c.env as JsonObject[]).push({ name: 'INJECTED', value: 'x' });
    (c.volumeMounts as JsonObject[]).push({
      name: 'token',
      mountPath: '/var/run/secrets',
      readOnly: true,
    });
    const after = manifest({
      replicas: 2,
      image: 'nginx:1.26',
      extra: {
        env: [
          { name: 'A', value: '1' },
          { name: 'C', value: '30' },
          { name: 'D', value: '4' },
        ],
        volumeMounts: [
          { name: 'data', mountPath: '/data', readOnly: true },
          { name: 'data', mountPath: '/backup', subPath: 'b' },
        ],
      },
    });
    const patch = kubectlApply(after, cur);
    const result = applyStrategicMergePatch(cur, patch, deploymentMeta);
    expect(get(result, 'spec.template.spec.containers.0.env')).toEqual([
      { name: 'A', value: '1' },
      { name: 'C', value: '30' },
      { name: 'D', value: '4' },
      { name: 'INJECTED', value: 'x' },
    ]);
    expect(get(result, 'spec.template.spec.containers.0.volumeMounts')).toEqual([
      { name: 'data', mountPath: '/data', readOnly: true },
      { name: 'data', mountPath: '/backup', subPath: 'b' },
      { name: 'token', mountPath: '/var/run/secrets', readOnly: true },
    ]);
  });

  it('switching to the Recreate strategy clears rollingUpdate through $retainKeys', () => {
    const next = manifest({ replicas: 2, image: 'nginx:1.26' });
    (next.spec as JsonObject).strategy = { type: 'Recreate' };
    const patch = kubectlApply(next, current);
    expect(get(patch, 'spec.strategy')).toEqual({ $retainKeys: ['type'], type: 'Recreate' });
    const result = applyStrategicMergePatch(current, patch, deploymentMeta);
    expect(get(result, 'spec.strategy')).toEqual({ type: 'Recreate' });
  });

  it('switching a volume source clears the old one through $retainKeys', () => {
    const withVolume = manifest({ replicas: 2, image: 'nginx:1.26' });
    (get(withVolume, 'spec.template.spec') as JsonObject).volumes = [
      { name: 'data', emptyDir: {} },
    ];
    const cur = live(withVolume);
    (get(cur, 'spec.template.spec') as JsonObject).volumes = [{ name: 'data', emptyDir: {} }];
    const next = manifest({ replicas: 2, image: 'nginx:1.26' });
    (get(next, 'spec.template.spec') as JsonObject).volumes = [
      { name: 'data', configMap: { name: 'cfg' } },
    ];
    const patch = kubectlApply(next, cur);
    expect(get(patch, 'spec.template.spec.volumes')).toEqual([
      {
        $retainKeys: ['configMap', 'name'],
        configMap: { name: 'cfg' },
        emptyDir: null,
        name: 'data',
      },
    ]);
    const result = applyStrategicMergePatch(cur, patch, deploymentMeta);
    expect(get(result, 'spec.template.spec.volumes')).toEqual([
      { name: 'data', configMap: { name: 'cfg' } },
    ]);
  });

  it('two-way patches between Deployments round-trip exactly', () => {
    const a = live(v1);
    const b = structuredClone(a) as JsonObject;
    const spec = get(b, 'spec.template.spec') as JsonObject;
    (spec.containers as JsonObject[]).push({
      name: 'second',
      image: 'busybox',
      env: [{ name: 'X', value: '1' }],
    });
    ((spec.containers as JsonObject[])[0] as JsonObject).env = [{ name: 'Y', value: '2' }];
    spec.tolerations = [{ key: 'k', operator: 'Exists' }];
    (b.spec as JsonObject).replicas = 7;
    const names = (o: JsonValue): JsonValue[] =>
      (get(o, 'spec.template.spec.containers') as JsonObject[]).map((c) => c.name as JsonValue);
    const p = createTwoWayMergePatch(a, b, deploymentMeta);
    const forward = applyStrategicMergePatch(a, p, deploymentMeta);
    expect(forward).toEqual(b);
    expect(names(forward)).toEqual(['web', 'second']);
    const back = createTwoWayMergePatch(b, a, deploymentMeta);
    expect(applyStrategicMergePatch(b, back, deploymentMeta)).toEqual(a);
    expect(back).toEqual({
      spec: {
        replicas: 2,
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }],
            containers: [
              { env: null, name: 'web' },
              { $patch: 'delete', name: 'second' },
            ],
            tolerations: null,
          },
        },
      },
    });
  });
});
