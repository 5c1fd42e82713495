import { describe, expect, it } from 'vitest';
import type { PodStats, Summary } from '../../api/types/index.js';
import { cpuQuantity, memoryQuantity, nodeMetrics, podMetrics } from './convert.js';
import { parseMetricsPath } from './handler.js';

const time = '2024-05-01T10:00:10Z';
const now = '2024-05-01T10:00:12Z';

describe('quantities as metrics-server writes them', () => {
  it('cpu in nanocores, canonical', () => {
    expect(cpuQuantity(1_234_567)).toBe('1234567n');
    expect(cpuQuantity(2_000_000)).toBe('2m');
    expect(cpuQuantity(0)).toBe('0');
    expect(cpuQuantity(1.6)).toBe('2n');
  });

  it('memory in binary units when whole KiB, bytes otherwise', () => {
    expect(memoryQuantity(10240 * 1024)).toBe('10Mi');
    expect(memoryQuantity(12288)).toBe('12Ki');
    expect(memoryQuantity(1500)).toBe('1500');
  });
});

describe('Summary → metrics.k8s.io', () => {
  const summary: Summary = {
    node: {
      nodeName: 'n1',
      cpu: { time, usageNanoCores: 250_000_000, usageCoreNanoSeconds: 9e12 },
      memory: { time, workingSetBytes: 2 * 1024 ** 3 },
    },
    pods: [],
  };

  it('makes NodeMetrics from the node figures', () => {
    expect(nodeMetrics({ metadata: { name: 'n1', labels: { a: 'b' } } }, summary, now)).toEqual({
      apiVersion: 'metrics.k8s.io/v1beta1',
      kind: 'NodeMetrics',
      metadata: { name: 'n1', creationTimestamp: now, labels: { a: 'b' } },
      timestamp: time,
      window: '10s',
      usage: { cpu: '250m', memory: '2Gi' },
    });
  });

  it('has no NodeMetrics before the node has a cpu rate', () => {
    const early = { ...summary, node: { ...summary.node, cpu: { time, usageCoreNanoSeconds: 1 } } };
    expect(nodeMetrics({ metadata: { name: 'n1' } }, early, now)).toBeUndefined();
  });

  it('makes PodMetrics per measured container, by name', () => {
    const stats: PodStats = {
      podRef: { name: 'web', namespace: 'default', uid: 'u1' },
      containers: [
        {
          name: 'b',
          startTime: time,
          cpu: { time, usageNanoCores: 5 },
          memory: { time, workingSetBytes: 4096 },
        },
        {
          name: 'a',
          startTime: time,
          cpu: { time, usageNanoCores: 1_000_000 },
          memory: { time, workingSetBytes: 1000 },
        },
        { name: 'c', startTime: time },
      ],
      cpu: { time, usageNanoCores: 1_000_005 },
    };
    const m = podMetrics({ metadata: { name: 'web', namespace: 'default' } }, stats, now);
    expect(m?.containers).toEqual([
      { name: 'a', usage: { cpu: '1m', memory: '1000' } },
      { name: 'b', usage: { cpu: '5n', memory: '4Ki' } },
    ]);
    expect(m?.metadata).toEqual({ name: 'web', namespace: 'default', creationTimestamp: now });
    expect(
      podMetrics({ metadata: { name: 'x' } }, { ...stats, containers: [] }, now),
    ).toBeUndefined();
  });
});

describe('parseMetricsPath', () => {
  const p = '/apis/metrics.k8s.io/v1beta1/';
  it('reads the paths metrics-server serves', () => {
    expect(parseMetricsPath(`${p}nodes`)).toEqual({ resource: 'nodes' });
    expect(parseMetricsPath(`${p}nodes/n1`)).toEqual({ resource: 'nodes', name: 'n1' });
    expect(parseMetricsPath(`${p}pods`)).toEqual({ resource: 'pods' });
    expect(parseMetricsPath(`${p}namespaces/default/pods`)).toEqual({
      resource: 'pods',
      namespace: 'default',
    });
    expect(parseMetricsPath(`${p}namespaces/default/pods/web`)).toEqual({
      resource: 'pods',
      namespace: 'default',
      name: 'web',
    });
    expect(parseMetricsPath(`${p}namespaces/default/nodes`)).toBeUndefined();
    expect(parseMetricsPath(`${p}pods/web`)).toBeUndefined();
  });
});
