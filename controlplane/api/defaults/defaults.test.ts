import { describe, expect, it } from 'vitest';
import * as ex from '../types/examples.js';
import { kinds, type GroupVersionKind } from '../types/gvk.js';
import type {
  Deployment,
  HorizontalPodAutoscaler,
  Namespace,
  Pod,
  PodSpec,
  Secret,
  Service,
} from '../types/index.js';
import {
  applyDefaults,
  imagePullPolicyFor,
  podQosClass,
  preserveServiceAllocations,
} from './index.js';

const tolerationsAdded = [
  {
    key: 'node.kubernetes.io/not-ready',
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: 300,
  },
  {
    key: 'node.kubernetes.io/unreachable',
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: 300,
  },
];

describe('Deployment', () => {
  it('gets what kubectl get -o yaml shows for a minimal manifest', () => {
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: null as unknown as string },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }],
          },
        },
      },
    };
    applyDefaults(kinds.Deployment, d);
    expect(d).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: { app: 'web' } },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
        },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'nginx:1.27',
                imagePullPolicy: 'IfNotPresent',
                ports: [{ containerPort: 80, protocol: 'TCP' }],
                resources: {},
                terminationMessagePath: '/dev/termination-log',
                terminationMessagePolicy: 'File',
              },
            ],
            dnsPolicy: 'ClusterFirst',
            restartPolicy: 'Always',
            schedulerName: 'default-scheduler',
            securityContext: {},
            terminationGracePeriodSeconds: 30,
          },
        },
      },
    });
  });

  it('keeps a Recreate strategy without rollingUpdate', () => {
    const d = ex.exampleDeployment();
    d.spec!.strategy = { type: 'Recreate' };
    applyDefaults(kinds.Deployment, d);
    expect(d.spec!.strategy).toEqual({ type: 'Recreate' });
  });

  it('fills probe defaults and canonicalises quantities', () => {
    const d = ex.exampleDeployment();
    const c = d.spec!.template.spec!.containers[0]!;
    c.resources = {
      limits: { cpu: 0.5 as unknown as string, memory: '1024Mi' },
      requests: { cpu: '1000m' },
    };
    applyDefaults(kinds.Deployment, d);
    expect(c.readinessProbe).toEqual({
      httpGet: { path: '/', port: 'http', scheme: 'HTTP' },
      periodSeconds: 5,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c.resources).toEqual({ limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '1' } });
    expect(c.env?.[1]?.valueFrom?.fieldRef).toEqual({
      apiVersion: 'v1',
      fieldPath: 'metadata.name',
    });
    expect(d.spec!.template.spec!.volumes?.[0]).toEqual({
      name: 'config',
      configMap: { name: 'web-config', defaultMode: 420 },
    });
    // Templates do not get pod-only defaults.
    expect(d.spec!.template.spec!.enableServiceLinks).toBeUndefined();
    expect(d.spec!.template.spec!.tolerations).toBeUndefined();
  });
});

describe('Pod', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['localhost:5000/nginx', 'Always'],
    ['localhost:5000/nginx:v1', 'IfNotPresent'],
    ['nginx@sha256:0123abcd', 'IfNotPresent'],
  ])('pulls %s with %s', (image, policy) => {
    expect(imagePullPolicyFor(image)).toBe(policy);
  });

  it('gets admission defaults on create and pod-only defaults', () => {
    const p = ex.examplePod();
    applyDefaults(kinds.Pod, p);
    const spec = p.spec!;
    expect(spec.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' },
      ...tolerationsAdded,
    ]);
    expect(spec.serviceAccountName).toBe('default');
    expect(spec.serviceAccount).toBe('default');
    expect(spec.priority).toBe(0);
    expect(spec.enableServiceLinks).toBe(true);
    expect(spec.volumes).toEqual([{ name: 'work', emptyDir: {} }]);
    // Requests copied from limits, only for pods.
    expect(spec.containers[1]!.resources).toEqual({
      limits: { cpu: '1', memory: '1Gi' },
      requests: { cpu: '1', memory: '1Gi' },
    });
    expect(spec.containers[0]!.imagePullPolicy).toBe('Always');
    expect(spec.initContainers![0]!.imagePullPolicy).toBe('IfNotPresent');
  });

  it('does not add tolerations a wildcard toleration covers, nor on update', () => {
    const p = ex.examplePod();
    p.spec!.tolerations = [{ operator: 'Exists' }];
    applyDefaults(kinds.Pod, p);
    expect(p.spec!.tolerations).toEqual([{ operator: 'Exists' }]);
    const q = ex.examplePod();
    applyDefaults(kinds.Pod, q, { operation: 'update' });
    expect(q.spec!.tolerations).toHaveLength(1);
    expect(q.spec!.serviceAccountName).toBeUndefined();
  });

  it('sets host ports under hostNetwork and mirrors pod IPs', () => {
    const p: Pod = {
      metadata: { name: 'h' },
      spec: {
        hostNetwork: true,
        containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080 }] }],
      },
      status: { podIPs: [{ ip: '10.0.0.5' }], hostIP: '192.168.1.2' },
    };
    applyDefaults(kinds.Pod, p);
    expect(p.spec!.containers[0]!.ports).toEqual([
      { containerPort: 8080, hostPort: 8080, protocol: 'TCP' },
    ]);
    expect(p.status).toMatchObject({
      podIP: '10.0.0.5',
      hostIPs: [{ ip: '192.168.1.2' }],
    });
  });

  it('computes QoS classes', () => {
    const spec = (res: object[]): PodSpec => ({
      containers: res.map((r, i) => ({ name: `c${i}`, resources: r })),
    });
    expect(podQosClass(spec([{}]))).toBe('BestEffort');
    expect(podQosClass(spec([{ requests: { cpu: '100m' } }]))).toBe('Burstable');
    const g = { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1Gi' } };
    expect(podQosClass(spec([g, g]))).toBe('Guaranteed');
    expect(podQosClass(spec([g, { limits: { cpu: '1' }, requests: { cpu: '1' } }]))).toBe(
      'Burstable',
    );
    expect(
      podQosClass(
        spec([{ limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } }]),
      ),
    ).toBe('Burstable');
    const p = ex.examplePod();
    applyDefaults(kinds.Pod, p);
    expect(podQosClass(p.spec)).toBe('Burstable');
  });
});

describe('Service', () => {
  it('defaults a ClusterIP service', () => {
    const s = ex.exampleService();
    applyDefaults(kinds.Service, s);
    expect(s.spec).toEqual({
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
      ipFamilies: ['IPv4'],
    });
  });

  it('defaults NodePort, ClientIP affinity and headless services', () => {
    const s = ex.exampleNodePortService();
    s.spec!.sessionAffinity = 'ClientIP';
    applyDefaults(kinds.Service, s);
    expect(s.spec).toMatchObject({
      externalTrafficPolicy: 'Cluster',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      ports: [{ port: 80, nodePort: 30080, targetPort: 80, protocol: 'TCP' }],
    });
    const h: Service = { metadata: { name: 'h' }, spec: { clusterIP: 'None' } };
    applyDefaults(kinds.Service, h);
    expect(h.spec).toMatchObject({
      clusterIPs: ['None'],
      ipFamilyPolicy: 'RequireDualStack',
      ipFamilies: ['IPv4', 'IPv6'],
    });
    const e: Service = {
      metadata: { name: 'e' },
      spec: { type: 'ExternalName', externalName: 'a.b' },
    };
    applyDefaults(kinds.Service, e);
    expect(e.spec).toEqual({ type: 'ExternalName', externalName: 'a.b', sessionAffinity: 'None' });
  });

  it('keeps allocated values through a replace', () => {
    const old = ex.exampleNodePortService();
    old.spec = { ...old.spec, clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] };
    old.spec.ports = [
      { port: 80, nodePort: 30080, protocol: 'TCP' },
      { port: 81, nodePort: 30081, protocol: 'TCP' },
    ];
    const next = ex.exampleNodePortService();
    next.spec!.ports = [{ port: 80 }, { port: 81 }];
    preserveServiceAllocations(next, old);
    expect(next.spec).toMatchObject({
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10'],
      ports: [
        { port: 80, nodePort: 30080 },
        { port: 81, nodePort: 30081 },
      ],
    });
  });
});

describe('other kinds', () => {
  it('merges Secret stringData into data', () => {
    const s: Secret = ex.exampleSecret();
    applyDefaults(kinds.Secret, s);
    expect(s).toMatchObject({
      type: 'Opaque',
      data: { username: 'YWRtaW4=', password: Buffer.from('s3cr3t').toString('base64') },
    });
    expect(s.stringData).toBeUndefined();
  });

  it('labels namespaces and adds the finalizer only on create', () => {
    const n: Namespace = ex.exampleNamespace();
    applyDefaults(kinds.Namespace, n);
    expect(n).toMatchObject({
      metadata: { labels: { 'kubernetes.io/metadata.name': 'team-a' } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    const finalized: Namespace = {
      metadata: { name: 'x' },
      spec: {},
      status: { phase: 'Terminating' },
    };
    applyDefaults(kinds.Namespace, finalized, { operation: 'update' });
    expect(finalized.spec).toEqual({});
  });

  it('defaults an HPA without metrics and completes a partial behavior', () => {
    const h: HorizontalPodAutoscaler = ex.exampleHpa();
    delete h.spec!.metrics;
    delete h.spec!.minReplicas;
    h.spec!.behavior = { scaleDown: { stabilizationWindowSeconds: 60 } };
    applyDefaults(kinds.HorizontalPodAutoscaler, h);
    expect(h.spec).toMatchObject({
      minReplicas: 1,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
        },
      ],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 15 },
            { type: 'Percent', value: 100, periodSeconds: 15 },
          ],
        },
        scaleDown: {
          stabilizationWindowSeconds: 60,
          selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
        },
      },
    });
    const plain = ex.exampleHpa();
    applyDefaults(kinds.HorizontalPodAutoscaler, plain);
    expect(plain.spec!.behavior).toBeUndefined();
  });

  it('defaults node allocatable from capacity', () => {
    const n = ex.exampleNode();
    delete n.status!.allocatable;
    n.spec = { podCIDRs: ['10.244.3.0/24'] };
    applyDefaults(kinds.Node, n);
    expect(n.status!.allocatable).toEqual({ cpu: '2', memory: '4Gi', pods: '110' });
    expect(n.spec.podCIDR).toBe('10.244.3.0/24');
  });

  it('ignores bodies that are not objects and fields of the wrong type', () => {
    expect(() => applyDefaults(kinds.Pod, 'x')).not.toThrow();
    const bad = { spec: { containers: 'nope', volumes: [1, null] } };
    expect(() => applyDefaults(kinds.Pod, bad)).not.toThrow();
  });
});

describe('idempotency', () => {
  const all: [GroupVersionKind, () => unknown][] = [
    [kinds.Deployment, ex.exampleDeployment],
    [kinds.ReplicaSet, ex.exampleReplicaSet],
    [kinds.Pod, ex.examplePod],
    [kinds.Service, ex.exampleService],
    [kinds.Service, ex.exampleNodePortService],
    [kinds.HorizontalPodAutoscaler, ex.exampleHpa],
    [kinds.HorizontalPodAutoscalerV1, ex.exampleHpaV1],
    [kinds.ConfigMap, ex.exampleConfigMap],
    [kinds.Secret, ex.exampleSecret],
    [kinds.Namespace, ex.exampleNamespace],
    [kinds.Node, ex.exampleNode],
  ];
  it.each(all)('defaulting %o twice equals defaulting once', (gvk, make) => {
    const once = make();
    applyDefaults(gvk, once);
    const twice = structuredClone(once);
    applyDefaults(gvk, twice);
    expect(twice).toEqual(once);
  });
});
