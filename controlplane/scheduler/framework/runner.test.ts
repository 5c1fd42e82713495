import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../cache/index.js';
import { makeNode, makePod, nodeInfo, podContext } from '../testing.js';
import type { FilterPlugin, Profile, ScorePlugin } from './interface.js';
import { findFeasibleNodes, runFilters, scoreNodes, selectHost } from './runner.js';
import { success, unschedulable } from './status.js';

const rejectNamed = (name: string, node: string): FilterPlugin => ({
  name,
  events: ['NodeAdd'],
  filter: (_ctx, n: NodeInfo) => (n.name === node ? unschedulable(`${name} says no`) : success),
});

describe('runFilters', () => {
  it('returns the first failure, labelled with its plugin, and stops there', () => {
    let secondRan = false;
    const profile: Profile = {
      schedulerName: 's',
      filters: [
        rejectNamed('First', 'a'),
        { name: 'Second', events: [], filter: () => ((secondRan = true), unschedulable('x')) },
      ],
      scores: [],
    };
    const s = runFilters(profile, podContext(makePod('p')), nodeInfo(makeNode('a')));
    expect(s).toMatchObject({ code: 'Unschedulable', plugin: 'First', reasons: ['First says no'] });
    expect(secondRan).toBe(false);
  });

  it('turns a throwing filter into an Error status', () => {
    const profile: Profile = {
      schedulerName: 's',
      filters: [
        {
          name: 'Boom',
          events: [],
          filter: () => {
            throw new Error('bug');
          },
        },
      ],
      scores: [],
    };
    const { feasible, statuses } = findFeasibleNodes(profile, podContext(makePod('p')), [
      nodeInfo(makeNode('a')),
    ]);
    expect(feasible).toEqual([]);
    expect(statuses.get('a')).toMatchObject({ code: 'Error', plugin: 'Boom', reasons: ['bug'] });
  });
});

describe('scoreNodes', () => {
  it('clamps each plugin to 0–100, weights and sums', () => {
    const byName = (m: Record<string, number>): ScorePlugin => ({
      name: 'ByName',
      score: (_c, n) => m[n.name] ?? 0,
    });
    const profile: Profile = {
      schedulerName: 's',
      filters: [],
      scores: [
        { plugin: byName({ a: 10, b: 500, c: -5 }), weight: 2 },
        { plugin: byName({ a: 50, b: 0, c: 100 }), weight: 1 },
      ],
    };
    const nodes = ['a', 'b', 'c'].map((n) => nodeInfo(makeNode(n)));
    const totals = scoreNodes(profile, podContext(makePod('p')), nodes);
    expect(totals).toEqual([
      { name: 'a', score: 70 },
      { name: 'b', score: 200 },
      { name: 'c', score: 100 },
    ]);
  });
});

describe('selectHost', () => {
  it('takes the highest score', () => {
    expect(
      selectHost(
        [
          { name: 'a', score: 1 },
          { name: 'b', score: 3 },
          { name: 'c', score: 2 },
        ],
        () => 0.99,
      ),
    ).toBe('b');
  });
  it('breaks ties with the random source', () => {
    const scores = [
      { name: 'a', score: 5 },
      { name: 'b', score: 5 },
      { name: 'c', score: 1 },
    ];
    expect(selectHost(scores, () => 0.99)).toBe('a');
    expect(selectHost(scores, () => 0)).toBe('b');
  });
  it('is undefined without nodes', () => {
    expect(selectHost([], Math.random)).toBeUndefined();
  });
});
