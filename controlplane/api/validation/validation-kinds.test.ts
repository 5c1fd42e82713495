import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults/index.js';
import { formatFieldError } from '../field-path.js';
import * as ex from '../types/examples.js';
import { kinds } from '../types/gvk.js';
import type { Service } from '../types/index.js';
import { validate } from './index.js';
import { prepared, spec, summary, type Case, type Json } from './test-helpers.js';

describe('Service', () => {
  const cases: Case[] = [
    [
      'a name that is not a DNS-1035 label',
      (o) => ((o.metadata as Json).name = '1web'),
      [
        "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    ['no ports', (o) => (spec(o).ports = []), ['spec.ports: Required value']],
    [
      'unnamed ports when there are several',
      (o) =>
        (spec(o).ports = [
          { port: 80, protocol: 'TCP', targetPort: 80 },
          { port: 81, protocol: 'TCP', targetPort: 81 },
        ]),
      ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value'],
    ],
    [
      'duplicate ports and names',
      (o) =>
        (spec(o).ports = [
          { name: 'a', port: 80, protocol: 'TCP', targetPort: 80 },
          { name: 'a', port: 80, protocol: 'TCP', targetPort: 8080 },
        ]),
      [
        'spec.ports[1].name: Duplicate value: "a"',
        'spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}',
      ],
    ],
    [
      'a bad target port name',
      (o) => ((spec(o).ports as Json[])[0]!.targetPort = 'HTTP'),
      [
        'spec.ports[0].targetPort: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.ports[0].targetPort: Invalid value: "HTTP": must contain at least one letter (a-z)',
      ],
    ],
    [
      'an unknown type',
      (o) => (spec(o).type = 'Magic'),
      [
        'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      ],
    ],
    [
      'a malformed cluster IP',
      (o) => Object.assign(spec(o), { clusterIP: '10.0.0.300', clusterIPs: ['10.0.0.300'] }),
      [
        'spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      ],
    ],
    [
      'a node port on a ClusterIP service',
      (o) => ((spec(o).ports as Json[])[0]!.nodePort = 30001),
      ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ],
  ];
  it.each(cases)('rejects %s', (_n, mutate, expected) => {
    const s = prepared(kinds.Service, ex.exampleService) as unknown as Json;
    mutate(s);
    expect(summary(kinds.Service, s)).toEqual(expected);
  });

  it('accepts headless services without ports and keeps cluster IPs immutable', () => {
    const h: Service = {
      metadata: { name: 'db', namespace: 'default' },
      spec: { clusterIP: 'None', selector: { app: 'db' } },
    };
    applyDefaults(kinds.Service, h);
    expect(summary(kinds.Service, h)).toEqual([]);
    const old = prepared(kinds.Service, ex.exampleService);
    old.spec = { ...old.spec, clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] };
    const s = structuredClone(old);
    s.spec!.clusterIP = '10.96.0.11';
    s.spec!.clusterIPs = ['10.96.0.11'];
    expect(summary(kinds.Service, s, { old })).toEqual([
      'spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set',
    ]);
    const unset = structuredClone(old);
    delete unset.spec!.clusterIP;
    delete unset.spec!.clusterIPs;
    expect(summary(kinds.Service, unset, { old })).toEqual([
      'spec.clusterIPs[0]: Invalid value: []: primary clusterIP can not be unset',
    ]);
  });
});

describe('other kinds', () => {
  it('checks ConfigMap keys, duplicates and size', () => {
    const cm = prepared(kinds.ConfigMap, ex.exampleConfigMap);
    cm.data = { 'bad key': 'x', '..hidden': 'y', both: 'z', big: 'x'.repeat(1024 * 1024) };
    cm.binaryData = { both: 'eg==' };
    expect(validate(kinds.ConfigMap, cm).map((e) => [e.field, e.type])).toEqual([
      ['data[..hidden]', 'FieldValueInvalid'],
      ['data[bad key]', 'FieldValueInvalid'],
      ['data[both]', 'FieldValueInvalid'],
      ['', 'FieldValueTooLong'],
    ]);
  });

  it('checks Secret types and immutability', () => {
    const s = prepared(kinds.Secret, ex.exampleSecret);
    s.type = 'kubernetes.io/tls';
    expect(summary(kinds.Secret, s)).toEqual([
      'data[tls.crt]: Required value',
      'data[tls.key]: Required value',
    ]);
    const old = prepared(kinds.Secret, ex.exampleSecret);
    old.immutable = true;
    const next = structuredClone(old);
    next.data = { username: 'Ym9i' };
    next.type = 'kubernetes.io/basic-auth';
    expect(summary(kinds.Secret, next, { old })).toEqual([
      'type: Invalid value: "kubernetes.io/basic-auth": field is immutable',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });

  it('checks namespace names, finalizers and status phases', () => {
    const n = prepared(kinds.Namespace, ex.exampleNamespace);
    n.metadata!.name = 'team.a';
    n.spec!.finalizers = ['kubernetes', 'custom'];
    expect(summary(kinds.Namespace, n)).toEqual([
      'metadata.name: Invalid value: "team.a": must not contain dots',
      'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ]);
    const old = prepared(kinds.Namespace, ex.exampleNamespace);
    const t = structuredClone(old);
    t.status = { phase: 'Terminating' };
    expect(summary(kinds.Namespace, t, { old, subresource: 'status' })).toEqual([
      'status.phase: Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty',
    ]);
  });

  it('checks node taints and podCIDR changes', () => {
    const old = prepared(kinds.Node, ex.exampleNode);
    const n = structuredClone(old);
    n.spec!.taints = [
      { key: 'a', effect: 'NoSchedule' },
      { key: 'a', effect: 'NoSchedule' },
      { key: 'b', effect: 'Sometimes' as 'NoSchedule' },
    ];
    n.spec!.podCIDRs = ['10.244.2.0/24'];
    expect(validate(kinds.Node, n, { old }).map(formatFieldError)).toEqual([
      'spec.taints[1]: Duplicate value: {"key":"a","effect":"NoSchedule"}: taints must be unique by key and effect pair',
      'spec.taints[2].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
    ]);
  });

  it('checks HPA bounds, target and metric shapes', () => {
    const h = prepared(kinds.HorizontalPodAutoscaler, ex.exampleHpa);
    h.spec!.minReplicas = 0;
    h.spec!.maxReplicas = 0;
    expect(summary(kinds.HorizontalPodAutoscaler, h)).toEqual([
      'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
      'spec.maxReplicas: Invalid value: 0: must be greater than 0',
    ]);
    const g = prepared(kinds.HorizontalPodAutoscaler, ex.exampleHpa);
    g.spec!.minReplicas = 5;
    g.spec!.maxReplicas = 3;
    g.spec!.metrics = [
      {
        type: 'Pods',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
      },
    ];
    expect(summary(kinds.HorizontalPodAutoscaler, g)).toEqual([
      'spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`',
      'spec.metrics[0].pods: Required value: must populate information for the given metric source',
    ]);
    const r = prepared(kinds.HorizontalPodAutoscaler, ex.exampleHpa);
    r.spec!.scaleTargetRef = { kind: '', name: 'a/b' };
    expect(summary(kinds.HorizontalPodAutoscaler, r)).toEqual([
      'spec.scaleTargetRef.kind: Required value',
      'spec.scaleTargetRef.name: Invalid value: "a/b": may not contain \'/\'',
    ]);
    const v1 = prepared(kinds.HorizontalPodAutoscalerV1, ex.exampleHpaV1);
    v1.spec!.targetCPUUtilizationPercentage = 0;
    expect(summary(kinds.HorizontalPodAutoscalerV1, v1)).toEqual([
      'spec.targetCPUUtilizationPercentage: Invalid value: 0: must be greater than 0',
    ]);
  });

  it('checks leases, events, bindings, scales and delete options', () => {
    const lease = {
      metadata: { name: 'node-1', namespace: 'kube-node-lease' },
      spec: { leaseDurationSeconds: 0 },
    };
    expect(summary(kinds.Lease, lease)).toEqual([
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    ]);
    const event = {
      metadata: { name: 'web.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'other' },
      reason: 'Started',
    };
    expect(summary(kinds.Event, event)).toEqual([
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
    ]);
    expect(summary(kinds.Binding, { metadata: { name: 'p' }, target: { kind: 'Pod' } })).toEqual([
      'target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"',
      'target.name: Required value',
    ]);
    expect(summary(kinds.Scale, { spec: { replicas: -1 } })).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ]);
    expect(summary(kinds.DeleteOptions, { propagationPolicy: 'Sideways' })).toEqual([
      'propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"',
    ]);
  });

  it('checks labels, annotations and owner references in metadata', () => {
    const cm = prepared(kinds.ConfigMap, ex.exampleConfigMap);
    cm.metadata!.labels = { 'bad key!': 'v' };
    cm.metadata!.annotations = { big: 'x'.repeat(256 * 1024) };
    cm.metadata!.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'a', uid: '1', controller: true },
      { apiVersion: '', kind: 'Deployment', name: 'b', uid: '2', controller: true },
    ];
    expect(validate(kinds.ConfigMap, cm).map((e) => [e.field, e.type])).toEqual([
      ['metadata.labels', 'FieldValueInvalid'],
      ['metadata.annotations', 'FieldValueTooLong'],
      ['metadata.ownerReferences.apiVersion', 'FieldValueInvalid'],
      ['metadata.ownerReferences', 'FieldValueInvalid'],
    ]);
  });

  it('never throws on malformed bodies', () => {
    for (const k of Object.values(kinds)) {
      for (const body of [null, 'x', 42, [], {}, { spec: null }, { metadata: 'x' }]) {
        expect(() => validate(k, body)).not.toThrow();
        expect(() => validate(k, body, { old: body, subresource: 'status' })).not.toThrow();
      }
    }
  });
});
