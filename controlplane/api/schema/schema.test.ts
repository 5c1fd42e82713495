import { describe, expect, it } from 'vitest';
import { kinds, type GroupVersionKind } from '../types/gvk.js';
import * as ex from '../types/examples.js';
import { validatorFor } from './ajv.js';
import {
  checkTypes,
  decodeErrorMessage,
  findUnknownFields,
  hasSchema,
  listMeta,
  openApiSchemas,
  pruneUnknownFields,
  strictDecodingMessage,
} from './index.js';
import { knownKinds, rootDefinitionName } from './registry.js';
import { mapQuantities, withoutNulls } from './walk.js';

type Json = Record<string, unknown>;
const clone = <T>(v: T): Json => JSON.parse(JSON.stringify(v)) as Json;

const examples: [GroupVersionKind, unknown][] = [
  [kinds.Deployment, ex.exampleDeployment()],
  [kinds.ReplicaSet, ex.exampleReplicaSet()],
  [kinds.Pod, ex.examplePod()],
  [kinds.Service, ex.exampleService()],
  [kinds.Service, ex.exampleNodePortService()],
  [kinds.HorizontalPodAutoscaler, ex.exampleHpa()],
  [kinds.HorizontalPodAutoscalerV1, ex.exampleHpaV1()],
  [kinds.ConfigMap, ex.exampleConfigMap()],
  [kinds.Secret, ex.exampleSecret()],
  [kinds.Namespace, ex.exampleNamespace()],
  [kinds.Node, ex.exampleNode()],
];

describe('realistic manifests', () => {
  it.each(examples)('%o has no type errors and no unknown fields', (gvk, obj) => {
    expect(checkTypes(gvk, obj)).toEqual([]);
    expect(findUnknownFields(gvk, obj)).toEqual([]);
  });

  it('has a schema for every kind in the kinds table', () => {
    for (const k of Object.values(kinds)) expect(hasSchema(k)).toBe(true);
    expect(hasSchema({ group: 'batch', version: 'v1', kind: 'Job' })).toBe(false);
    expect(knownKinds().length).toBe(Object.values(kinds).length);
  });

  it('treats JSON nulls as absent, like Go', () => {
    const d = clone(ex.exampleDeployment());
    (d.metadata as Json).creationTimestamp = null;
    (d as Json).status = null;
    expect(checkTypes(kinds.Deployment, d)).toEqual([]);
    expect(withoutNulls({ a: null, b: [null, { c: null }] })).toEqual({ b: [null, {}] });
  });
});

describe('checkTypes', () => {
  const cases: [string, (d: Json) => void, string, string][] = [
    [
      'replicas as a string',
      (d) => ((d.spec as Json).replicas = 'three'),
      'spec.replicas',
      'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    ],
    [
      'containers not a list',
      (d) => (((d.spec as Json).template as Json).spec = { containers: { name: 'x' } }),
      'spec.template.spec.containers',
      'json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container',
    ],
    [
      'containerPort as a string',
      (d) => (podSpec(d).containers[0]!.ports = [{ containerPort: '80' }]),
      'spec.template.spec.containers[0].ports[0].containerPort',
      'json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32',
    ],
    [
      'fractional replicas',
      (d) => ((d.spec as Json).replicas = 1.5),
      'spec.replicas',
      'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32',
    ],
    [
      'replicas beyond int32',
      (d) => ((d.spec as Json).replicas = 3e9),
      'spec.replicas',
      'json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32',
    ],
    [
      'a number label value (YAML `version: 1.0`)',
      (d) => ((d.metadata as Json).labels = { version: 1 }),
      'metadata.labels[version]',
      'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    ],
    [
      'a boolean target port',
      (d) => (podSpec(d).containers[0]!.readinessProbe = { tcpSocket: { port: true } }),
      'spec.template.spec.containers[0].readinessProbe.tcpSocket.port',
      'json: cannot unmarshal bool into Go struct field TCPSocketAction.spec.template.spec.containers.readinessProbe.tcpSocket.port of type intstr.IntOrString',
    ],
    [
      'a bad quantity',
      (d) => (podSpec(d).containers[0]!.resources = { limits: { cpu: 'lots' } }),
      'spec.template.spec.containers[0].resources.limits[cpu]',
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    ],
    [
      'a bad timestamp',
      (d) => ((d.metadata as Json).creationTimestamp = 'yesterday'),
      'metadata.creationTimestamp',
      'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as RFC 3339',
    ],
  ];

  it.each(cases)('reports %s', (_name, mutate, field, detail) => {
    const d = clone(ex.exampleDeployment());
    mutate(d);
    const errs = checkTypes(kinds.Deployment, d);
    expect(errs.map((e) => [e.field, e.detail])).toEqual([[field, detail]]);
  });

  it('accepts int-or-string and number quantities in both forms', () => {
    const d = clone(ex.exampleDeployment());
    const c = podSpec(d).containers[0]!;
    c.resources = { limits: { cpu: 1, memory: '1.5Gi' }, requests: { cpu: 0.5 } };
    c.livenessProbe = { httpGet: { port: 8080 } };
    c.readinessProbe = { httpGet: { port: 'http' } };
    (d.spec as Json).strategy = { rollingUpdate: { maxSurge: 1, maxUnavailable: '10%' } };
    expect(checkTypes(kinds.Deployment, d)).toEqual([]);
  });

  it('rejects secret data that is not base64 without echoing it', () => {
    const s = clone(ex.exampleSecret());
    s.data = { password: 'not base64!' };
    const errs = checkTypes(kinds.Secret, s);
    expect(errs).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'data[password]',
        badValue: '<redacted>',
        detail: 'illegal base64 data at input byte 3',
      },
    ]);
  });

  it('rejects a body that is not an object', () => {
    expect(checkTypes(kinds.Pod, 'x')).toHaveLength(1);
    expect(checkTypes(kinds.Pod, [])).toHaveLength(1);
  });

  it('builds the decode message Kubernetes answers with', () => {
    const d = clone(ex.exampleDeployment());
    (d.spec as Json).replicas = 'three';
    expect(decodeErrorMessage(kinds.Deployment, checkTypes(kinds.Deployment, d))).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
  });
});

describe('unknown fields', () => {
  it('finds typos at every depth, with list indexes', () => {
    const d = clone(ex.exampleDeployment());
    (d.spec as Json).replicass = 3;
    const c = podSpec(d).containers[0]!;
    c.imagee = 'nginx';
    (c.ports as Json[])[0]!.containerport = 80;
    (d.metadata as Json).label = { a: 'b' };
    expect(findUnknownFields(kinds.Deployment, d).sort()).toEqual([
      'metadata.label',
      'spec.replicass',
      'spec.template.spec.containers[0].imagee',
      'spec.template.spec.containers[0].ports[0].containerport',
    ]);
    expect(strictDecodingMessage(['spec.replicass', 'spec.x'])).toBe(
      'strict decoding error: unknown field "spec.replicass", unknown field "spec.x"',
    );
  });

  it('lets free-keyed maps take any key', () => {
    const p = clone(ex.examplePod());
    (p.metadata as Json).annotations = { 'example.com/anything': 'x' };
    (p.spec as Json).nodeSelector = { 'whatever/key': 'v' };
    ((p.spec as Json).containers as Json[])[1]!.resources = { limits: { 'nvidia.com/gpu': '1' } };
    expect(findUnknownFields(kinds.Pod, p)).toEqual([]);
  });

  it('prunes unknown fields in place, idempotently', () => {
    const d = clone(ex.exampleDeployment());
    (d.spec as Json).replicass = 3;
    podSpec(d).containers[0]!.imagee = 'x';
    expect(pruneUnknownFields(kinds.Deployment, d)).toHaveLength(2);
    expect(d).toEqual(clone(ex.exampleDeployment()));
    expect(pruneUnknownFields(kinds.Deployment, d)).toEqual([]);
  });

  it('knows DaemonEndpoint.Port is capitalised', () => {
    const n = clone(ex.exampleNode());
    (n.status as Json).daemonEndpoints = { kubeletEndpoint: { port: 10250 } };
    expect(findUnknownFields(kinds.Node, n)).toEqual([
      'status.daemonEndpoints.kubeletEndpoint.port',
    ]);
  });
});

describe('openApiSchemas', () => {
  it('describes apps/v1 with the Scale subresource body and merge keys', () => {
    const s = openApiSchemas('apps', 'v1');
    expect(s['io.k8s.api.apps.v1.Deployment']?.['x-kubernetes-group-version-kind']).toEqual([
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    expect(s['io.k8s.api.autoscaling.v1.Scale']).toBeDefined();
    const podSpecSchema = s['io.k8s.api.core.v1.PodSpec'] as { properties: Json };
    expect(podSpecSchema.properties.containers).toMatchObject({
      type: 'array',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
      items: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' }] },
    });
    expect(s['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']).toBeDefined();
    expect(JSON.stringify(s)).not.toContain('additionalProperties":false');
  });

  it('describes the core group and nothing for unknown group-versions', () => {
    const core = openApiSchemas('', 'v1');
    for (const k of ['Pod', 'Service', 'Node', 'Secret', 'Binding']) {
      expect(core[`io.k8s.api.core.v1.${k}`]).toBeDefined();
    }
    expect(core['io.k8s.api.policy.v1.Eviction']).toBeDefined();
    expect(openApiSchemas('batch', 'v1')).toEqual({});
  });

  it('answers list merge semantics for the patch code', () => {
    const d = kinds.Deployment;
    const pod = ['spec', 'template', 'spec'];
    expect(listMeta(d, [...pod, 'containers'])?.mergeKey).toBe('name');
    expect(listMeta(d, [...pod, 'containers', 'ports'])?.mergeKey).toBe('containerPort');
    expect(listMeta(d, [...pod, 'containers', 'volumeMounts'])?.mergeKey).toBe('mountPath');
    expect(listMeta(kinds.Service, ['spec', 'ports'])?.keys).toEqual(['port', 'protocol']);
    expect(listMeta(d, [...pod, 'tolerations'])).toBeUndefined();
    expect(listMeta(d, ['metadata', 'finalizers'])?.set).toBe(true);
  });
});

describe('walks and compilation', () => {
  it('maps every quantity field, numbers included', () => {
    const p = clone(ex.examplePod());
    ((p.spec as Json).containers as Json[])[0]!.resources = { requests: { cpu: 0.5 } };
    const seen: (string | number)[] = [];
    mapQuantities(kinds.Pod, p, (q) => {
      seen.push(q);
      return `q(${q})`;
    });
    expect(seen.sort()).toEqual([0.5, '1', '1Gi']);
    expect(((p.spec as Json).containers as Json[])[0]!.resources).toEqual({
      requests: { cpu: 'q(0.5)' },
    });
  });

  it('compiles each kind once', () => {
    const name = rootDefinitionName(kinds.Pod)!;
    expect(validatorFor(name)).toBe(validatorFor(name));
  });
});

function podSpec(d: Json): { containers: Json[] } {
  return ((d.spec as Json).template as Json).spec as { containers: Json[] };
}
