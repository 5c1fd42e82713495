import { describe, expect, it } from 'vitest';
import { storedPod } from '../testing/fake-pod-api.js';
import { FakePodApi } from '../testing/fake-pod-api.js';
import {
  containerEnv,
  expandVars,
  fieldValue,
  isContainerConfigError,
  resourceValue,
} from './env.js';
import { defaultPullPolicy, normalizeImageName, parseImageName } from './image-ref.js';

const vars: Record<string, string> = { A: 'x', B: 'y' };
const lookup = (n: string): string | undefined => vars[n];

describe('expandVars', () => {
  it.each([
    ['plain', 'plain'],
    ['$(A)', 'x'],
    ['$(A)-$(B)', 'x-y'],
    ['$$(A)', '$(A)'],
    ['$(C)', '$(C)'],
    ['$(A', '$(A'],
    ['$()', '$()'],
    ['cost $5', 'cost $5'],
    ['trailing $', 'trailing $'],
    ['$$$(A)', '$x'],
  ])('%s → %s', (input, want) => {
    expect(expandVars(input, lookup)).toBe(want);
  });
});

describe('fieldValue and resourceValue', () => {
  const pod = storedPod({
    metadata: {
      name: 'p',
      namespace: 'ns1',
      uid: 'u',
      labels: { app: 'web', tier: 'fe' },
      annotations: { a: '1' },
    },
    spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [{ name: 'c' }] },
  });
  const ctx = { pod, hostIP: '192.168.0.1', podIPs: ['10.0.0.5'] };

  it('resolves the downward API paths kubelet supports', () => {
    expect(fieldValue({ fieldPath: "metadata.labels['app']" }, ctx)).toBe('web');
    expect(fieldValue({ fieldPath: "metadata.annotations['a']" }, ctx)).toBe('1');
    expect(fieldValue({ fieldPath: 'metadata.labels' }, ctx)).toBe('app="web"\ntier="fe"');
    expect(fieldValue({ fieldPath: 'spec.nodeName' }, ctx)).toBe('n1');
    expect(fieldValue({ fieldPath: 'spec.serviceAccountName' }, ctx)).toBe('sa');
    expect(fieldValue({ fieldPath: 'status.podIPs' }, ctx)).toBe('10.0.0.5');
    expect(fieldValue({ fieldPath: 'metadata.uid' }, ctx)).toBe('u');
    expect(() => fieldValue({ fieldPath: 'spec.containers' }, ctx)).toThrow(
      'unsupported fieldPath',
    );
  });

  it('divides resources by the divisor, rounding up; unset limits are the node’s', () => {
    const c = {
      name: 'c',
      resources: { limits: { cpu: '1500m', memory: '100Mi' }, requests: { cpu: '250m' } },
    };
    const node = { cpuMilli: 4000, memoryBytes: 8 * 1024 ** 3 };
    expect(resourceValue({ resource: 'limits.cpu' }, c, node)).toBe('2');
    expect(resourceValue({ resource: 'limits.cpu', divisor: '1m' }, c, node)).toBe('1500');
    expect(resourceValue({ resource: 'requests.cpu', divisor: '100m' }, c, node)).toBe('3');
    expect(resourceValue({ resource: 'limits.memory', divisor: '1Mi' }, c, node)).toBe('100');
    expect(resourceValue({ resource: 'limits.memory' }, { name: 'x' }, node)).toBe(
      String(8 * 1024 ** 3),
    );
    expect(() => resourceValue({ resource: 'limits.gpu' }, c, node)).toThrow('unsupported');
  });
});

describe('containerEnv errors', () => {
  it('a missing key of an existing ConfigMap or Secret is a ContainerConfigError', async () => {
    const api = new FakePodApi();
    api.addConfigMap('default', 'cm', { a: '1' });
    api.addSecret('default', 's', { a: '1' });
    const pod = storedPod({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } });
    const base = {
      pod,
      hostIP: '1.1.1.1',
      podIPs: [],
      node: { cpuMilli: 1, memoryBytes: 1 },
      objects: api,
    };
    const e1 = await containerEnv(
      { name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'b' } } }] },
      base,
    ).catch((e: unknown) => e);
    expect(isContainerConfigError(e1)).toBe(true);
    expect((e1 as Error).message).toBe("couldn't find key b in ConfigMap default/cm");
    const e2 = await containerEnv(
      { name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'b' } } }] },
      base,
    ).catch((e: unknown) => e);
    expect((e2 as Error).message).toBe('secret "nope" not found');
    const ok = await containerEnv(
      {
        name: 'c',
        envFrom: [
          { secretRef: { name: 's' } },
          { configMapRef: { name: 'missing', optional: true } },
        ],
        env: [{ name: 'a', value: 'override-$(a)' }],
      },
      base,
    );
    expect(ok).toEqual([{ key: 'a', value: 'override-1' }]);
  });
});

describe('image names', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest', 'Always'],
    ['busybox:1.35', 'docker.io/library/busybox:1.35', 'IfNotPresent'],
    ['tugboat/webserver:1', 'docker.io/tugboat/webserver:1', 'IfNotPresent'],
    ['localhost:5000/app', 'localhost:5000/app:latest', 'Always'],
    ['example.com/a/b:latest', 'example.com/a/b:latest', 'Always'],
    [
      `busybox@sha256:${'a'.repeat(64)}`,
      `docker.io/library/busybox@sha256:${'a'.repeat(64)}`,
      'IfNotPresent',
    ],
  ])('%s is %s, pull policy %s', (name, norm, policy) => {
    expect(normalizeImageName(name)).toBe(norm);
    expect(defaultPullPolicy(name)).toBe(policy);
  });

  it('rejects names that do not parse', () => {
    for (const bad of ['', 'Busybox', 'a b', 'x:', 'a//b', 'x@sha256:zz']) {
      expect(parseImageName(bad), bad).toBeUndefined();
    }
  });
});
