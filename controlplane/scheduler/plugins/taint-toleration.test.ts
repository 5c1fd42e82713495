import { describe, expect, it } from 'vitest';
import type { Taint, Toleration } from '../../api/types/index.js';
import type { NodeScore } from '../framework/index.js';
import { makeNode, makePod, nodeInfo, podContext } from '../testing.js';
import { taintToleration } from './taint-toleration.js';

const node = (taints: Taint[]) => nodeInfo(makeNode('n', { spec: { taints } }));
const pod = (tolerations: Toleration[] = []) => makePod('p', { spec: { tolerations } });

describe('TaintToleration filter', () => {
  const cases: [string, Taint[], Toleration[], string | undefined][] = [
    ['no taints', [], [], undefined],
    [
      'NoSchedule untolerated',
      [{ key: 'k', value: 'v', effect: 'NoSchedule' }],
      [],
      'node(s) had untolerated taint {k: v}',
    ],
    [
      'NoExecute untolerated',
      [{ key: 'k', effect: 'NoExecute' }],
      [],
      'node(s) had untolerated taint {k: }',
    ],
    ['PreferNoSchedule never filters', [{ key: 'k', effect: 'PreferNoSchedule' }], [], undefined],
    [
      'tolerated with Equal',
      [{ key: 'k', value: 'v', effect: 'NoSchedule' }],
      [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }],
      undefined,
    ],
    [
      'Equal with a wrong value',
      [{ key: 'k', value: 'v', effect: 'NoSchedule' }],
      [{ key: 'k', operator: 'Equal', value: 'w' }],
      'node(s) had untolerated taint {k: v}',
    ],
    [
      'tolerated with Exists',
      [{ key: 'k', value: 'v', effect: 'NoSchedule' }],
      [{ key: 'k', operator: 'Exists' }],
      undefined,
    ],
    [
      'empty key with Exists tolerates all',
      [
        { key: 'a', effect: 'NoSchedule' },
        { key: 'b', effect: 'NoExecute' },
      ],
      [{ operator: 'Exists' }],
      undefined,
    ],
    [
      'names the first untolerated taint',
      [
        { key: 'a', effect: 'NoSchedule' },
        { key: 'b', value: '2', effect: 'NoSchedule' },
      ],
      [{ key: 'a', operator: 'Exists' }],
      'node(s) had untolerated taint {b: 2}',
    ],
  ];
  it.each(cases)('%s', (_n, taints, tolerations, reason) => {
    const s = taintToleration.filter(podContext(pod(tolerations)), node(taints));
    if (reason === undefined) expect(s.code).toBe('Success');
    else expect(s.reasons).toEqual([reason]);
  });
});

describe('TaintToleration score', () => {
  it('prefers nodes with fewer untolerated PreferNoSchedule taints', () => {
    const ctx = podContext(pod([{ key: 'ok', operator: 'Exists', effect: 'PreferNoSchedule' }]));
    const nodes = {
      clean: node([]),
      one: node([
        { key: 'x', effect: 'PreferNoSchedule' },
        { key: 'ok', effect: 'PreferNoSchedule' },
      ]),
      two: node([
        { key: 'x', effect: 'PreferNoSchedule' },
        { key: 'y', effect: 'PreferNoSchedule' },
      ]),
    };
    const scores: NodeScore[] = Object.entries(nodes).map(([name, n]) => ({
      name,
      score: taintToleration.score(ctx, n),
    }));
    expect(scores.map((s) => s.score)).toEqual([0, 1, 2]);
    taintToleration.normalize(ctx, scores);
    expect(scores.map((s) => s.score)).toEqual([100, 50, 0]);
  });
  it('gives every node 100 when none has such taints', () => {
    const scores = [
      { name: 'a', score: 0 },
      { name: 'b', score: 0 },
    ];
    taintToleration.normalize(podContext(pod()), scores);
    expect(scores.map((s) => s.score)).toEqual([100, 100]);
  });
});
