import { describe, expect, it } from 'vitest';
import { applyStrategicMergePatch, patchMetaFor, type JsonValue } from './index.js';

const get = (o: JsonValue, path: string): JsonValue | undefined =>
  path.split('.').reduce<JsonValue | undefined>((v, k) => {
    if (v === undefined || v === null || typeof v !== 'object') return undefined;
    return Array.isArray(v) ? v[Number(k)] : v[k];
  }, o);

describe('patch metadata of the other kinds', () => {
  it('Service ports merge by port', () => {
    const svc = {
      metadata: { name: 'web' },
      spec: {
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'metrics', port: 9090, protocol: 'TCP' },
        ],
      },
    };
    const out = applyStrategicMergePatch(
      svc,
      {
        spec: {
          ports: [
            { port: 80, targetPort: 8081 },
            { port: 443, name: 'https' },
          ],
        },
      },
      patchMetaFor('', 'Service'),
    );
    expect(get(out, 'spec.ports')).toEqual([
      { name: 'http', port: 80, targetPort: 8081, protocol: 'TCP' },
      { port: 443, name: 'https' },
      { name: 'metrics', port: 9090, protocol: 'TCP' },
    ]);
  });

  it('finalizers are a set and ownerReferences merge by uid, on every kind', () => {
    for (const [group, kind] of [
      ['', 'ConfigMap'],
      ['', 'Pod'],
      ['apps', 'ReplicaSet'],
      ['coordination.k8s.io', 'Lease'],
      ['example.com', 'Widget'],
    ] as const) {
      const obj = {
        metadata: {
          finalizers: ['a', 'b'],
          ownerReferences: [{ uid: '1', name: 'x', controller: true }],
        },
      };
      const out = applyStrategicMergePatch(
        obj,
        {
          metadata: {
            finalizers: ['c'],
            '$deleteFromPrimitiveList/finalizers': ['a'],
            ownerReferences: [
              { uid: '1', blockOwnerDeletion: true },
              { uid: '2', name: 'y' },
            ],
          },
        },
        patchMetaFor(group, kind),
      );
      expect(get(out, 'metadata.finalizers'), kind).toEqual(['c', 'b']);
      expect(get(out, 'metadata.ownerReferences'), kind).toEqual([
        { uid: '1', name: 'x', controller: true, blockOwnerDeletion: true },
        { uid: '2', name: 'y' },
      ]);
    }
  });

  it('status conditions merge by type (what a status patch sends)', () => {
    const cases: [string, string, string][] = [
      ['', 'Pod', 'Ready'],
      ['', 'Node', 'Ready'],
      ['', 'Namespace', 'NamespaceDeletionContentFailure'],
      ['apps', 'Deployment', 'Available'],
      ['apps', 'ReplicaSet', 'ReplicaFailure'],
      ['autoscaling', 'HorizontalPodAutoscaler', 'AbleToScale'],
      ['', 'Service', 'Ready'],
    ];
    for (const [group, kind, type] of cases) {
      const obj = {
        status: {
          conditions: [
            { type: 'Other', status: 'True' },
            { type, status: 'False' },
          ],
        },
      };
      const out = applyStrategicMergePatch(
        obj,
        { status: { conditions: [{ type, status: 'True', reason: 'R' }] } },
        patchMetaFor(group, kind),
      );
      expect(get(out, 'status.conditions'), kind).toEqual([
        { type: 'Other', status: 'True' },
        { type, status: 'True', reason: 'R' },
      ]);
    }
  });

  it('Node addresses merge by type and podCIDRs are a set', () => {
    const node = {
      spec: { podCIDRs: ['10.0.1.0/24'] },
      status: {
        addresses: [
          { type: 'InternalIP', address: '10.1.1.1' },
          { type: 'Hostname', address: 'n1' },
        ],
      },
    };
    const out = applyStrategicMergePatch(
      node,
      {
        spec: { podCIDRs: ['fd00::/64'] },
        status: { addresses: [{ type: 'InternalIP', address: '10.1.1.2' }] },
      },
      patchMetaFor('', 'Node'),
    );
    // A new item without $setElementOrder goes ahead of the live ones, as in Kubernetes.
    expect(get(out, 'spec.podCIDRs')).toEqual(['fd00::/64', '10.0.1.0/24']);
    expect(get(out, 'status.addresses')).toEqual([
      { type: 'InternalIP', address: '10.1.1.2' },
      { type: 'Hostname', address: 'n1' },
    ]);
  });

  it('Pod spec lists merge by their real keys; untagged lists are replaced', () => {
    const pod = {
      spec: {
        initContainers: [{ name: 'init', image: 'a' }],
        imagePullSecrets: [{ name: 'reg' }],
        hostAliases: [{ ip: '1.2.3.4', hostnames: ['a'] }],
        topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 1 }],
        tolerations: [{ key: 'a', operator: 'Exists' }],
        containers: [
          {
            name: 'c',
            image: 'x',
            volumeDevices: [{ name: 'd', devicePath: '/dev/x' }],
            resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
          },
        ],
      },
      status: { podIPs: [{ ip: '10.0.0.1' }] },
    };
    const out = applyStrategicMergePatch(
      pod,
      {
        spec: {
          initContainers: [{ name: 'init', image: 'b' }],
          imagePullSecrets: [{ name: 'reg2' }],
          hostAliases: [{ ip: '1.2.3.4', hostnames: ['b'] }],
          topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 2 }],
          tolerations: [{ key: 'b', operator: 'Exists' }],
          containers: [
            {
              name: 'c',
              volumeDevices: [{ devicePath: '/dev/x', name: 'e' }],
              resizePolicy: [{ resourceName: 'memory', restartPolicy: 'RestartContainer' }],
            },
          ],
        },
        status: { podIPs: [{ ip: 'fd00::1' }] },
      },
      patchMetaFor('', 'Pod'),
    );
    expect(get(out, 'spec.initContainers')).toEqual([{ name: 'init', image: 'b' }]);
    expect(get(out, 'spec.imagePullSecrets')).toEqual([{ name: 'reg2' }, { name: 'reg' }]);
    expect(get(out, 'spec.hostAliases')).toEqual([{ ip: '1.2.3.4', hostnames: ['b'] }]);
    expect(get(out, 'spec.topologySpreadConstraints')).toEqual([
      { topologyKey: 'zone', maxSkew: 2 },
    ]);
    expect(get(out, 'spec.tolerations')).toEqual([{ key: 'b', operator: 'Exists' }]);
    expect(get(out, 'spec.containers.0.volumeDevices')).toEqual([
      { name: 'e', devicePath: '/dev/x' },
    ]);
    expect(get(out, 'spec.containers.0.resizePolicy')).toEqual([
      { resourceName: 'memory', restartPolicy: 'RestartContainer' },
    ]);
    expect(get(out, 'status.podIPs')).toEqual([{ ip: 'fd00::1' }, { ip: '10.0.0.1' }]);
  });

  it('unknown kinds (custom resources) replace their lists', () => {
    const out = applyStrategicMergePatch(
      { spec: { items: [{ name: 'a' }], map: { x: 1 } } },
      { spec: { items: [{ name: 'b' }], map: { y: 2 } } },
      patchMetaFor('example.com', 'Widget'),
    );
    expect(out).toEqual({ spec: { items: [{ name: 'b' }], map: { x: 1, y: 2 } } });
  });
});
