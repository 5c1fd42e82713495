import { describe, expect, it } from 'vitest';
import type { Container } from '../../api/types/index.js';
import { makeNode, makePod, nodeInfo, podContext } from '../testing.js';
import { nodeResourcesFit } from './node-resources-fit.js';

const alloc = { cpu: '2', memory: '4Gi', pods: '3', 'example.com/gpu': '1' };
const used = [makePod('a', { requests: { cpu: '1', memory: '1Gi' } })];

describe('NodeResourcesFit', () => {
  const cases: [string, ReturnType<typeof makePod>, string[]][] = [
    ['fits', makePod('p', { requests: { cpu: '1', memory: '3Gi' } }), []],
    ['exactly fills the node', makePod('p', { requests: { cpu: '1000m', memory: '3072Mi' } }), []],
    ['too much cpu', makePod('p', { requests: { cpu: '1001m' } }), ['Insufficient cpu']],
    [
      'memory that just fits, zero cpu',
      makePod('p', { requests: { memory: '3Gi', cpu: '0' } }),
      [],
    ],
    ['too much memory', makePod('p', { requests: { memory: '3073Mi' } }), ['Insufficient memory']],
    [
      'too much memory and cpu',
      makePod('p', { requests: { memory: '4Gi', cpu: '2' } }),
      ['Insufficient cpu', 'Insufficient memory'],
    ],
    ['no requests at all', makePod('p'), []],
    ['extended resource available', makePod('p', { requests: { 'example.com/gpu': '1' } }), []],
    [
      'extended resource exceeded',
      makePod('p', { requests: { 'example.com/gpu': '2' } }),
      ['Insufficient example.com/gpu'],
    ],
    [
      'extended resource the node lacks',
      makePod('p', { requests: { 'example.com/fpga': '1' } }),
      ['Insufficient example.com/fpga'],
    ],
    [
      'ephemeral storage the node lacks',
      makePod('p', { requests: { 'ephemeral-storage': '1Gi' } }),
      ['Insufficient ephemeral-storage'],
    ],
  ];
  it.each(cases)('%s', (_n, pod, reasons) => {
    const s = nodeResourcesFit.filter(
      podContext(pod),
      nodeInfo(makeNode('n', { allocatable: alloc }), used),
    );
    expect(s.reasons).toEqual(reasons);
    expect(s.code).toBe(reasons.length === 0 ? 'Success' : 'Unschedulable');
  });

  it('counts pods against allocatable pods, even without requests', () => {
    const node = nodeInfo(makeNode('n', { allocatable: alloc }), [
      makePod('x'),
      makePod('y'),
      makePod('z'),
    ]);
    expect(nodeResourcesFit.filter(podContext(makePod('p')), node).reasons).toEqual([
      'Too many pods',
    ]);
  });

  it('treats a node without allocatable pods as full, like Kubernetes', () => {
    const node = nodeInfo(makeNode('n', { allocatable: { cpu: '4' } }));
    expect(nodeResourcesFit.filter(podContext(makePod('p')), node).reasons).toEqual([
      'Too many pods',
    ]);
  });

  it('uses max(sum of containers, largest init container)', () => {
    const c = (name: string, cpu: string, extra: Partial<Container> = {}): Container => ({
      name,
      image: 'x',
      resources: { requests: { cpu } },
      ...extra,
    });
    const node = nodeInfo(makeNode('n', { allocatable: { cpu: '2', memory: '1Gi', pods: '10' } }));
    const bigInit = makePod('p', {
      containers: [c('a', '500m'), c('b', '500m')],
      spec: { initContainers: [c('init', '2500m')] },
    });
    expect(nodeResourcesFit.filter(podContext(bigInit), node).reasons).toEqual([
      'Insufficient cpu',
    ]);
    const smallInit = makePod('q', {
      containers: [c('a', '1'), c('b', '1')],
      spec: { initContainers: [c('init', '1500m')] },
    });
    expect(nodeResourcesFit.filter(podContext(smallInit), node).code).toBe('Success');
    // A sidecar runs beside the app containers, so it adds to their sum.
    const sidecar = makePod('r', {
      containers: [c('a', '1'), c('b', '1')],
      spec: { initContainers: [c('proxy', '100m', { restartPolicy: 'Always' })] },
    });
    expect(nodeResourcesFit.filter(podContext(sidecar), node).reasons).toEqual([
      'Insufficient cpu',
    ]);
  });

  it('adds the pod overhead', () => {
    const node = nodeInfo(makeNode('n', { allocatable: { cpu: '1', memory: '1Gi', pods: '10' } }));
    const pod = makePod('p', { requests: { cpu: '900m' }, spec: { overhead: { cpu: '200m' } } });
    expect(nodeResourcesFit.filter(podContext(pod), node).reasons).toEqual(['Insufficient cpu']);
  });
});
