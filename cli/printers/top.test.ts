import { describe, expect, it } from 'vitest';
import { Quantity } from '../../controlplane/api/quantity/index.js';
import type { ResourceList } from '../../controlplane/api/types/index.js';
import {
  formatCpu,
  formatMemory,
  nodeMetricsTable,
  podMetricsTable,
  type PodUsage,
} from './top.js';

// Metrics read from a local cluster's metrics.k8s.io, and what /usr/bin/kubectl
// 1.32 printed for them (`top pods --containers --sum`, `top nodes`).
const pods: PodUsage[] = [
  {
    namespace: 'default',
    name: 'anno',
    containers: [
      { name: 'a', usage: { cpu: '970305n', memory: '664Ki' } },
      { name: 'b', usage: { cpu: '928593n', memory: '532Ki' } },
    ],
  },
  {
    namespace: 'default',
    name: 'greeter-7b7777cdcf-5k5cb',
    containers: [{ name: 'main', usage: { cpu: '807215n', memory: '780Ki' } }],
  },
  {
    namespace: 'default',
    name: 'greeter-7b7777cdcf-97v5f',
    containers: [{ name: 'main', usage: { cpu: '979287n', memory: '516Ki' } }],
  },
  {
    namespace: 'default',
    name: 'multi',
    containers: [
      { name: 'a', usage: { cpu: '987403n', memory: '792Ki' } },
      { name: 'b', usage: { cpu: '919975n', memory: '600Ki' } },
    ],
  },
];

const nodes = [
  { name: 'node-1', usage: { cpu: '1397161703n', memory: '770940Ki' } },
  { name: 'node-2', usage: { cpu: '1213393303n', memory: '739288Ki' } },
];
const allocatable = { cpu: '2', memory: '24581256Ki', pods: '110' };

describe('top tables', () => {
  it('prints pods per container with a sum exactly as kubectl does (trailing padding too)', () => {
    expect(podMetricsTable(pods, { containers: true, sum: true })).toBe(
      'POD                        NAME   CPU(cores)   MEMORY(bytes)   \n' +
        'anno                       a      1m           0Mi             \n' +
        'anno                       b      1m           0Mi             \n' +
        'greeter-7b7777cdcf-5k5cb   main   1m           0Mi             \n' +
        'greeter-7b7777cdcf-97v5f   main   1m           0Mi             \n' +
        'multi                      a      1m           0Mi             \n' +
        'multi                      b      1m           0Mi             \n' +
        '                                  ________     ________        \n' +
        '                                  6m           3Mi             \n',
    );
  });

  it('prints pods summed over their containers, with -A and without headers', () => {
    expect(podMetricsTable(pods)).toBe(
      'NAME                       CPU(cores)   MEMORY(bytes)   \n' +
        'anno                       2m           1Mi             \n' +
        'greeter-7b7777cdcf-5k5cb   1m           0Mi             \n' +
        'greeter-7b7777cdcf-97v5f   1m           0Mi             \n' +
        'multi                      2m           1Mi             \n',
    );
    expect(podMetricsTable(pods.slice(0, 1), { allNamespaces: true, noHeaders: true })).toBe(
      'default   anno   2m    1Mi   \n',
    );
  });

  it('sorts biggest first by cpu or memory, keeping ties in order', () => {
    const rows = (sortBy: 'cpu' | 'memory'): string[] =>
      podMetricsTable(pods, { sortBy, noHeaders: true })
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[0]!);
    expect(rows('cpu')).toEqual([
      'multi',
      'anno',
      'greeter-7b7777cdcf-97v5f',
      'greeter-7b7777cdcf-5k5cb',
    ]);
    expect(rows('memory')).toEqual([
      'multi',
      'anno',
      'greeter-7b7777cdcf-5k5cb',
      'greeter-7b7777cdcf-97v5f',
    ]);
  });

  it('prints nodes with their share of allocatable exactly as kubectl does', () => {
    const available = new Map([
      ['node-1', allocatable],
      ['node-2', allocatable],
    ]);
    expect(nodeMetricsTable(nodes, available)).toBe(
      'NAME     CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \n' +
        'node-1   1398m        69%      752Mi           3%          \n' +
        'node-2   1214m        60%      721Mi           3%          \n',
    );
  });

  it('adds <unknown> rows for nodes without metrics, and leaves out a percentage it cannot compute', () => {
    const available = new Map<string, ResourceList | undefined>([
      ['node-3', allocatable],
      ['node-1', { memory: '1Gi' }],
      ['node-0', undefined],
    ]);
    expect(nodeMetricsTable(nodes.slice(0, 1), available, { noHeaders: true })).toBe(
      'node-1   1398m       752Mi       73%         \n' +
        'node-0   <unknown>   <unknown>   <unknown>   <unknown>   \n' +
        'node-3   <unknown>   <unknown>   <unknown>   <unknown>   \n',
    );
  });

  it('formats cpu as millicores rounded up and memory as whole MiB rounded down', () => {
    expect(formatCpu(Quantity.parse('1n'))).toBe('1m');
    expect(formatCpu(Quantity.parse('1500m'))).toBe('1500m');
    expect(formatCpu(Quantity.parse('0'))).toBe('0m');
    expect(formatMemory(Quantity.parse('1048575'))).toBe('0Mi');
    expect(formatMemory(Quantity.parse('3Gi'))).toBe('3072Mi');
  });
});
