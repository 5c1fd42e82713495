import { describe, expect, it } from 'vitest';
import { makeNode, makePod, nodeInfo, podContext } from '../testing.js';
import { balancedAllocation } from './balanced-allocation.js';
import { leastAllocated, leastAllocatedScore } from './least-allocated.js';
import { selectorSpread } from './selector-spread.js';

const alloc = { cpu: '4', memory: '8Gi', pods: '110' };

describe('LeastAllocated', () => {
  it('scores the share left free', () => {
    expect(leastAllocatedScore(0n, 4000n)).toBe(100);
    expect(leastAllocatedScore(1000n, 4000n)).toBe(75);
    expect(leastAllocatedScore(5000n, 4000n)).toBe(0);
    expect(leastAllocatedScore(1n, 0n)).toBe(0);
  });
  it('averages cpu and memory and prefers the emptier node', () => {
    const ctx = podContext(makePod('p', { requests: { cpu: '1', memory: '2Gi' } }));
    const empty = nodeInfo(makeNode('a', { allocatable: alloc }));
    const busy = nodeInfo(makeNode('b', { allocatable: alloc }), [
      makePod('x', { requests: { cpu: '2', memory: '4Gi' } }),
    ]);
    expect(leastAllocated.score(ctx, empty)).toBe(75);
    expect(leastAllocated.score(ctx, busy)).toBe(25);
  });
  it('counts best-effort pods with the non-zero defaults', () => {
    const ctx = podContext(makePod('p'));
    const empty = nodeInfo(makeNode('a', { allocatable: alloc }));
    const withPods = nodeInfo(makeNode('b', { allocatable: alloc }), [makePod('x'), makePod('y')]);
    expect(leastAllocated.score(ctx, empty)).toBeGreaterThan(leastAllocated.score(ctx, withPods));
  });
});

describe('BalancedAllocation', () => {
  it('prefers the node where cpu and memory shares end up equal', () => {
    const ctx = podContext(makePod('p', { requests: { cpu: '1', memory: '2Gi' } }));
    const balanced = nodeInfo(makeNode('a', { allocatable: alloc }));
    const skewed = nodeInfo(makeNode('b', { allocatable: alloc }), [
      makePod('x', { requests: { cpu: '2' } }),
    ]);
    expect(balancedAllocation.score(ctx, balanced)).toBe(100);
    // cpu 3/4, memory 2/8: std 0.25
    expect(balancedAllocation.score(ctx, skewed)).toBe(75);
  });
});

describe('SelectorSpread', () => {
  it('prefers nodes with fewer pods of the same controller in the namespace', () => {
    const ctx = podContext(makePod('p', { owner: 'rs-1' }));
    const nodes = [
      nodeInfo(makeNode('a'), [makePod('a1', { owner: 'rs-1' }), makePod('a2', { owner: 'rs-1' })]),
      nodeInfo(makeNode('b'), [makePod('b1', { owner: 'rs-1' }), makePod('b2', { owner: 'rs-2' })]),
      nodeInfo(makeNode('c'), [makePod('c1', { owner: 'rs-1', namespace: 'other' })]),
    ];
    const scores = nodes.map((n) => ({ name: n.name, score: selectorSpread.score(ctx, n) }));
    expect(scores.map((s) => s.score)).toEqual([2, 1, 0]);
    selectorSpread.normalize(ctx, scores);
    expect(scores.map((s) => s.score)).toEqual([0, 50, 100]);
  });
  it('is neutral for pods without a controller', () => {
    const ctx = podContext(makePod('p'));
    const scores = [
      { name: 'a', score: selectorSpread.score(ctx, nodeInfo(makeNode('a'), [makePod('x')])) },
    ];
    selectorSpread.normalize(ctx, scores);
    expect(scores[0]?.score).toBe(100);
  });
});
