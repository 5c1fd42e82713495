import { describe, expect, it } from 'vitest';
import * as ex from '../types/examples.js';
import { kinds, type GroupVersionKind } from '../types/gvk.js';
import type { Deployment, Pod } from '../types/index.js';
import { validate } from './index.js';
import { ctr, prepared, spec, summary, tpl, type Case, type Json } from './test-helpers.js';

describe('realistic manifests', () => {
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
  it.each(all)('%o is valid after defaults, on create and as an unchanged update', (gvk, make) => {
    const o = prepared(gvk, make);
    expect(summary(gvk, o)).toEqual([]);
    expect(summary(gvk, structuredClone(o), { old: o })).toEqual([]);
  });

  it('returns type errors alone when the JSON types are wrong', () => {
    const d = prepared(kinds.Deployment, ex.exampleDeployment) as unknown as Json;
    (d.spec as Json).replicas = 'three';
    expect(validate(kinds.Deployment, d).map((e) => [e.field, e.type])).toEqual([
      ['spec.replicas', 'FieldValueTypeInvalid'],
    ]);
  });
});

describe('Deployment', () => {
  const cases: Case[] = [
    [
      'a missing name',
      (o) => delete (o.metadata as Json).name,
      ['metadata.name: Required value: name or generateName is required'],
    ],
    [
      'an upper-case name',
      (o) => ((o.metadata as Json).name = 'Web'),
      [
        "metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ],
    [
      'a missing namespace',
      (o) => delete (o.metadata as Json).namespace,
      ['metadata.namespace: Required value'],
    ],
    [
      'negative replicas',
      (o) => (spec(o).replicas = -1),
      ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'a selector that misses the template',
      (o) => (spec(o).selector = { matchLabels: { app: 'other' } }),
      [
        'spec.template.metadata.labels: Invalid value: {"app":"web","tier":"frontend"}: `selector` does not match template `labels`',
      ],
    ],
    ['no selector', (o) => delete spec(o).selector, ['spec.selector: Required value']],
    [
      'an empty selector',
      (o) => (spec(o).selector = {}),
      ['spec.selector: Invalid value: {}: empty selector is invalid for deployment'],
    ],
    [
      'maxSurge and maxUnavailable both 0',
      (o) =>
        (spec(o).strategy = {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' },
        }),
      [
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0',
      ],
    ],
    [
      'a bad percentage',
      (o) =>
        (spec(o).strategy = {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: '25', maxUnavailable: '120%' },
        }),
      [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"25\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%',
      ],
    ],
    [
      'Recreate with rollingUpdate',
      (o) => (spec(o).strategy = { type: 'Recreate', rollingUpdate: {} }),
      [
        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
      ],
    ],
    [
      'a template restartPolicy other than Always',
      (o) => (tpl(o).restartPolicy = 'Never'),
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      'a progress deadline not above minReadySeconds',
      (o) => Object.assign(spec(o), { minReadySeconds: 30, progressDeadlineSeconds: 30 }),
      ['spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds'],
    ],
    [
      'a container without image',
      (o) => delete ctr(o).image,
      ['spec.template.spec.containers[0].image: Required value'],
    ],
    [
      'a bad container port',
      (o) => (ctr(o).ports = [{ containerPort: 70000, protocol: 'TCP' }]),
      [
        'spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      ],
    ],
    [
      'requests above limits',
      (o) => (ctr(o).resources = { requests: { cpu: '2' }, limits: { cpu: '1' } }),
      [
        'spec.template.spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
      ],
    ],
    [
      'a volume mount of no volume',
      (o) => (ctr(o).volumeMounts = [{ name: 'data', mountPath: '/data' }]),
      ['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"'],
    ],
    [
      'a probe with two handlers',
      (o) =>
        (ctr(o).livenessProbe = {
          exec: { command: ['true'] },
          tcpSocket: { port: 80 },
          successThreshold: 1,
        }),
      [
        'spec.template.spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
      ],
    ],
    [
      'a probe without handler',
      (o) => (ctr(o).readinessProbe = { periodSeconds: 5 }),
      [
        'spec.template.spec.containers[0].readinessProbe: Required value: must specify a handler type',
      ],
    ],
    [
      'a liveness probe success threshold other than 1',
      (o) => ((ctr(o).livenessProbe as Json).successThreshold = 2),
      [
        'spec.template.spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
      ],
    ],
  ];
  it.each(cases)('rejects %s', (_n, mutate, expected) => {
    const d = prepared(kinds.Deployment, ex.exampleDeployment) as unknown as Json;
    mutate(d);
    expect(summary(kinds.Deployment, d)).toEqual(expected);
  });

  it('keeps the selector immutable on update, not the rest', () => {
    const old = prepared(kinds.Deployment, ex.exampleDeployment);
    const d: Deployment = structuredClone(old);
    d.spec!.replicas = 5;
    d.spec!.template.spec!.containers[0]!.image = 'nginx:1.28';
    expect(summary(kinds.Deployment, d, { old })).toEqual([]);
    d.spec!.selector = { matchLabels: { app: 'web', tier: 'frontend' } };
    expect(summary(kinds.Deployment, d, { old })).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"frontend"}}: field is immutable',
    ]);
  });

  it('checks metadata immutability on update', () => {
    const old = prepared(kinds.Deployment, ex.exampleDeployment);
    old.metadata = { ...old.metadata, uid: 'u1', creationTimestamp: '2024-05-01T10:00:00Z' };
    const d = structuredClone(old);
    d.metadata!.name = 'web2';
    d.metadata!.uid = 'u2';
    expect(summary(kinds.Deployment, d, { old })).toEqual([
      'metadata.name: Invalid value: "web2": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
    ]);
  });

  it('checks status counts on status writes', () => {
    const old = prepared(kinds.Deployment, ex.exampleDeployment);
    const d = structuredClone(old);
    d.status = { replicas: 2, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 };
    expect(summary(kinds.Deployment, d, { old, subresource: 'status' })).toEqual([
      'status.updatedReplicas: Invalid value: 3: cannot be greater than status.replicas',
    ]);
  });
});

describe('Pod', () => {
  const cases: Case[] = [
    ['no containers', (o) => (spec(o).containers = []), ['spec.containers: Required value']],
    [
      'duplicate container names across init and app containers',
      (o) => ((spec(o).containers as Json[])[0]!.name = 'init'),
      ['spec.containers[0].name: Duplicate value: "init"'],
    ],
    [
      'an invalid container name',
      (o) => ((spec(o).containers as Json[])[0]!.name = 'Main_1'),
      [
        "spec.containers[0].name: Invalid value: \"Main_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    [
      'an unknown restart policy',
      (o) => (spec(o).restartPolicy = 'Sometimes'),
      [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      ],
    ],
    [
      'a negative grace period',
      (o) => (spec(o).terminationGracePeriodSeconds = -5),
      ['spec.terminationGracePeriodSeconds: Invalid value: -5: must be greater than or equal to 0'],
    ],
    [
      'duplicate volumes and a sourceless volume',
      (o) =>
        (spec(o).volumes = [
          { name: 'work', emptyDir: {} },
          { name: 'work', hostPath: { path: '/x' }, secret: { secretName: 's' } },
        ]),
      [
        'spec.volumes[1].secret: Forbidden: may not specify more than 1 volume type',
        'spec.volumes[1].name: Duplicate value: "work"',
      ],
    ],
    [
      'an env var with = and two sources',
      (o) =>
        ((spec(o).containers as Json[])[0]!.env = [
          { name: 'A=B', value: 'x' },
          {
            name: 'B',
            valueFrom: {
              configMapKeyRef: { name: 'c', key: 'k' },
              secretKeyRef: { name: 's', key: 'k' },
            },
          },
        ]),
      [
        'spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
        'spec.containers[0].env[1].valueFrom: Invalid value: "": may not have more than one field specified at a time',
      ],
    ],
    [
      'a toleration with Exists and a value',
      (o) => (spec(o).tolerations = [{ key: 'k', operator: 'Exists', value: 'v' }]),
      [
        'spec.tolerations[0].operator: Invalid value: {"key":"k","operator":"Exists","value":"v"}: value must be empty when `operator` is \'Exists\'',
      ],
    ],
    [
      'tolerationSeconds without NoExecute',
      (o) =>
        (spec(o).tolerations = [
          { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule', tolerationSeconds: 5 },
        ]),
      [
        'spec.tolerations[0].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set',
      ],
    ],
    [
      'an affinity with a bad operator and no terms',
      (o) =>
        (spec(o).affinity = {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] },
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 0,
                preference: {
                  matchExpressions: [{ key: 'zone', operator: 'Near', values: ['a'] }],
                },
              },
            ],
          },
        }),
      [
        'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term',
        'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100',
        'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
      ],
    ],
    [
      'a port name too long and a bad protocol',
      (o) =>
        ((spec(o).containers as Json[])[0]!.ports = [
          { name: 'a-very-long-port-name', containerPort: 80, protocol: 'ICMP' },
        ]),
      [
        'spec.containers[0].ports[0].name: Invalid value: "a-very-long-port-name": must be no more than 15 characters',
        'spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      ],
    ],
    [
      'a limit on an unknown resource',
      (o) => ((spec(o).containers as Json[])[1]!.resources = { limits: { gpu: '1' } }),
      [
        'spec.containers[1].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      ],
    ],
    [
      'a readiness probe on an init container',
      (o) =>
        ((spec(o).initContainers as Json[])[0]!.readinessProbe = { exec: { command: ['true'] } }),
      [
        'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      ],
    ],
  ];
  it.each(cases)('rejects %s', (_n, mutate, expected) => {
    const p = prepared(kinds.Pod, ex.examplePod) as unknown as Json;
    mutate(p);
    expect(summary(kinds.Pod, p)).toEqual(expected);
  });

  it('allows image, activeDeadlineSeconds and added tolerations to change, nothing else', () => {
    const old = prepared(kinds.Pod, ex.examplePod);
    const p: Pod = structuredClone(old);
    p.spec!.containers[0]!.image = 'busybox:1.37';
    p.spec!.initContainers![0]!.image = 'busybox:1.37';
    p.spec!.activeDeadlineSeconds = 60;
    p.spec!.tolerations!.push({ key: 'extra', operator: 'Exists', effect: 'NoSchedule' });
    p.metadata!.labels = { run: 'busybox', extra: 'yes' };
    expect(summary(kinds.Pod, p, { old })).toEqual([]);

    const q: Pod = structuredClone(p);
    q.spec!.activeDeadlineSeconds = 120;
    expect(summary(kinds.Pod, q, { old: p })).toEqual([
      'spec.activeDeadlineSeconds: Invalid value: 120: must be less than or equal to previous value',
    ]);

    const r: Pod = structuredClone(old);
    r.spec!.containers[0]!.command = ['sh'];
    r.spec!.restartPolicy = 'Never';
    const errs = validate(kinds.Pod, r, { old });
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ type: 'FieldValueForbidden', field: 'spec' });
    expect(errs[0]!.detail).toContain(
      'pod updates may not change fields other than `spec.containers[*].image`',
    );
    expect(errs[0]!.detail).toContain('spec.containers[0].command');
    expect(errs[0]!.detail).toContain('spec.restartPolicy');

    const s: Pod = structuredClone(old);
    s.spec!.tolerations = s.spec!.tolerations!.slice(1);
    expect(summary(kinds.Pod, s, { old })).toEqual([
      'spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
    ]);

    const t: Pod = structuredClone(old);
    t.spec!.containers.pop();
    expect(summary(kinds.Pod, t, { old })).toEqual([
      'spec.containers: Forbidden: pod updates may not add or remove containers',
    ]);
  });

  it('validates status writes', () => {
    const old = prepared(kinds.Pod, ex.examplePod);
    old.spec!.restartPolicy = 'Never';
    old.status = {
      phase: 'Succeeded',
      containerStatuses: [
        {
          name: 'main',
          ready: false,
          restartCount: 0,
          image: 'busybox',
          imageID: '',
          state: { terminated: { exitCode: 0 } },
        },
      ],
    };
    const p: Pod = structuredClone(old);
    p.status = {
      phase: 'Running',
      podIP: '10.0.0.1',
      podIPs: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }],
      conditions: [{ type: 'bad type!', status: 'Maybe' as 'True' }],
      containerStatuses: [
        {
          name: 'main',
          ready: true,
          restartCount: 1,
          image: 'busybox',
          imageID: '',
          state: { running: {} },
        },
      ],
    };
    p.spec!.nodeName = 'node-1';
    expect(validate(kinds.Pod, p, { old, subresource: 'status' }).map((e) => e.field)).toEqual([
      'status.nodeName',
      'status.phase',
      'status.conditions[0].type',
      'status.conditions[0].status',
      'status.podIPs',
      'status.containerStatuses[0].state',
    ]);
  });
});
