import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults/index.js';
import * as ex from '../types/examples.js';
import { kinds, type GroupVersionKind } from '../types/gvk.js';
import { hasTablePrinter, tableCells, tableColumns } from './index.js';

const now = Date.parse('2024-05-01T12:00:00Z');
const ago = (s: number): string => new Date(now - s * 1000).toISOString();

describe('other kinds', () => {
  it('prints deployments and replica sets', () => {
    const d = ex.exampleDeployment();
    applyDefaults(kinds.Deployment, d);
    d.metadata!.creationTimestamp = ago(125);
    d.status = { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
    expect(tableCells(kinds.Deployment, d, now)).toEqual([
      'web',
      '2/3',
      3,
      2,
      '2m5s',
      'web',
      'nginx:1.27',
      'app=web',
    ]);
    const rs = ex.exampleReplicaSet();
    rs.metadata!.creationTimestamp = ago(3 * 3600 + 4 * 60);
    rs.status = { replicas: 3, readyReplicas: 1 };
    expect(tableCells(kinds.ReplicaSet, rs, now)).toEqual([
      'web-5d9c7b8f6',
      3,
      3,
      1,
      '3h4m',
      'web',
      'nginx:1.27',
      'app=web,pod-template-hash=5d9c7b8f6',
    ]);
  });

  it('prints services of every type', () => {
    const s = ex.exampleService();
    applyDefaults(kinds.Service, s);
    s.spec!.clusterIP = '10.96.0.10';
    s.spec!.clusterIPs = ['10.96.0.10'];
    expect(tableCells(kinds.Service, s, now)).toEqual([
      'web',
      'ClusterIP',
      '10.96.0.10',
      '<none>',
      '80/TCP,9090/TCP',
      '<unknown>',
      'app=web',
    ]);
    const np = ex.exampleNodePortService();
    applyDefaults(kinds.Service, np);
    expect(tableCells(kinds.Service, np, now).slice(1, 5)).toEqual([
      'NodePort',
      '<none>',
      '<none>',
      '80:30080/TCP',
    ]);
    np.spec!.type = 'LoadBalancer';
    expect(tableCells(kinds.Service, np, now)[3]).toBe('<pending>');
    np.status = {
      loadBalancer: { ingress: [{ ip: '192.168.1.20' }, { hostname: 'lb.example.com' }] },
    };
    expect(tableCells(kinds.Service, np, now)[3]).toBe('192.168.1.20,lb.example.com');
    const en = {
      metadata: { name: 'db' },
      spec: { type: 'ExternalName', externalName: 'db.example.com' },
    };
    expect(tableCells(kinds.Service, en, now).slice(1, 5)).toEqual([
      'ExternalName',
      '<none>',
      'db.example.com',
      '<none>',
    ]);
  });

  it('prints endpoints, at most three', () => {
    const ep = {
      metadata: { name: 'web' },
      subsets: [
        {
          addresses: [
            { ip: '10.0.0.1' },
            { ip: '10.0.0.2' },
            { ip: '10.0.0.3' },
            { ip: 'fd00::4' },
          ],
          ports: [{ port: 80 }],
        },
      ],
    };
    expect(tableCells(kinds.Endpoints, ep, now)[1]).toBe(
      '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...',
    );
    expect(tableCells(kinds.Endpoints, { metadata: { name: 'x' } }, now)[1]).toBe('<none>');
    const headless = { metadata: { name: 'h' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }] }] };
    expect(tableCells(kinds.Endpoints, headless, now)[1]).toBe('10.0.0.1');
  });

  it('prints node status, roles and wide details', () => {
    const n = ex.exampleNode();
    n.metadata!.creationTimestamp = ago(2 * 86400 + 3 * 3600);
    n.metadata!.labels!['node-role.kubernetes.io/control-plane'] = '';
    expect(tableCells(kinds.Node, n, now)).toEqual([
      'node-1',
      'Ready',
      'control-plane',
      '2d3h',
      'v1.32.0-tugboat',
      '192.168.50.2',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '6.1.0-18-amd64',
      'tugboat-shim://0.1.0',
    ]);
    n.spec!.unschedulable = true;
    n.status!.conditions![0]!.status = 'Unknown';
    expect(tableCells(kinds.Node, n, now)[1]).toBe('NotReady,SchedulingDisabled');
    expect(tableCells(kinds.Node, { metadata: { name: 'n' } }, now).slice(1, 3)).toEqual([
      'Unknown',
      '<none>',
    ]);
  });

  it('prints events', () => {
    const e = {
      metadata: { name: 'web-1.17abc', namespace: 'default' },
      involvedObject: {
        kind: 'Pod',
        name: 'web-1',
        namespace: 'default',
        fieldPath: 'spec.containers{web}',
      },
      reason: 'BackOff',
      message: 'Back-off restarting failed container\n',
      type: 'Warning',
      count: 5,
      firstTimestamp: ago(600),
      lastTimestamp: ago(20),
      source: { component: 'node-agent', host: 'node-1' },
    };
    expect(tableCells(kinds.Event, e, now)).toEqual([
      '20s',
      'Warning',
      'BackOff',
      'pod/web-1',
      'spec.containers{web}',
      'node-agent, node-1',
      'Back-off restarting failed container',
      '10m',
      5,
      'web-1.17abc',
    ]);
    const single = {
      metadata: { name: 'e' },
      involvedObject: { kind: 'Node' },
      eventTime: ago(3),
      reportingComponent: 'ctl',
    };
    expect(tableCells(kinds.Event, single, now)).toEqual([
      '3s',
      '',
      '',
      'node',
      '',
      'ctl',
      '',
      '3s',
      1,
      'e',
    ]);
  });

  it('prints autoscalers of both versions', () => {
    const h = ex.exampleHpa();
    h.metadata!.creationTimestamp = ago(45 * 86400);
    expect(tableCells(kinds.HorizontalPodAutoscaler, h, now)).toEqual([
      'web',
      'Deployment/web',
      'cpu: <unknown>/50%',
      '2',
      10,
      0,
      '45d',
    ]);
    h.status = {
      currentReplicas: 3,
      desiredReplicas: 3,
      currentMetrics: [
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12 } } },
      ],
    };
    h.spec!.metrics!.push(
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1024Mi' } },
      },
      {
        type: 'Pods',
        pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } },
      },
    );
    expect(tableCells(kinds.HorizontalPodAutoscaler, h, now)[2]).toBe(
      'cpu: 12%/50%, memory: <unknown>/1Gi + 1 more...',
    );
    const v1 = ex.exampleHpaV1();
    expect(tableCells(kinds.HorizontalPodAutoscalerV1, v1, now).slice(1, 5)).toEqual([
      'Deployment/web',
      'cpu: <unknown>/50%',
      '<unset>',
      10,
    ]);
  });

  it('prints namespaces, config maps, secrets, leases and unknown kinds', () => {
    expect(
      tableCells(kinds.Namespace, { metadata: { name: 'a' }, status: { phase: 'Active' } }, now),
    ).toEqual(['a', 'Active', '<unknown>']);
    expect(tableCells(kinds.ConfigMap, ex.exampleConfigMap(), now)[1]).toBe(2);
    const s = ex.exampleSecret();
    applyDefaults(kinds.Secret, s);
    expect(tableCells(kinds.Secret, s, now).slice(0, 3)).toEqual(['db', 'Opaque', 2]);
    expect(
      tableCells(
        kinds.Lease,
        { metadata: { name: 'node-1' }, spec: { holderIdentity: 'node-1' } },
        now,
      )[1],
    ).toBe('node-1');
    const binding = { metadata: { name: 'p', creationTimestamp: '2024-05-01T00:00:00Z' } };
    expect(tableColumns(kinds.Binding).map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Created At', 'date'],
    ]);
    expect(hasTablePrinter(kinds.Binding)).toBe(false);
    expect(hasTablePrinter(kinds.HorizontalPodAutoscalerV1)).toBe(true);
    expect(tableCells(kinds.Binding, binding, now)).toEqual(['p', '2024-05-01T00:00:00Z']);
  });

  it('has one cell per column for every kind, wide columns last', () => {
    const samples: [GroupVersionKind, unknown][] = [
      [kinds.Pod, ex.examplePod()],
      [kinds.Deployment, ex.exampleDeployment()],
      [kinds.ReplicaSet, ex.exampleReplicaSet()],
      [kinds.Service, ex.exampleService()],
      [kinds.Endpoints, { metadata: { name: 'e' } }],
      [kinds.Node, ex.exampleNode()],
      [kinds.Namespace, ex.exampleNamespace()],
      [kinds.ConfigMap, ex.exampleConfigMap()],
      [kinds.Secret, ex.exampleSecret()],
      [kinds.Event, { metadata: { name: 'e' }, involvedObject: {} }],
      [kinds.HorizontalPodAutoscaler, ex.exampleHpa()],
      [kinds.HorizontalPodAutoscalerV1, ex.exampleHpaV1()],
      [kinds.Lease, { metadata: { name: 'l' } }],
      [kinds.Scale, { metadata: { name: 's' }, spec: { replicas: 2 } }],
    ];
    for (const [gvk, obj] of samples) {
      const cols = tableColumns(gvk);
      expect(tableCells(gvk, obj, now)).toHaveLength(cols.length);
      // Kubernetes' Scale printer has no name-format column; every other kind has one.
      expect(cols.filter((c) => c.format === 'name').length).toBe(gvk.kind === 'Scale' ? 0 : 1);
      if (gvk.kind !== 'Event') {
        const firstWide = cols.findIndex((c) => c.priority === 1);
        if (firstWide >= 0) expect(cols.slice(firstWide).every((c) => c.priority === 1)).toBe(true);
      }
    }
    expect(tableColumns(kinds.Pod).map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ]);
  });
});
