import { describe, expect, it } from 'vitest';
import type { NodeSelectorRequirement, PodSpec } from '../../api/types/index.js';
import { makeNode, makePod, nodeInfo, podContext } from '../testing.js';
import { ERR_AFFINITY, nodeAffinity } from './node-affinity.js';

const labels = { zone: 'a', disk: 'ssd', cores: '8' };
const node = nodeInfo(makeNode('node-1', { labels }));
const required = (...terms: NodeSelectorRequirement[][]): Partial<PodSpec> => ({
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((matchExpressions) => ({ matchExpressions })),
      },
    },
  },
});

describe('NodeAffinity filter', () => {
  const cases: [string, Partial<PodSpec>, boolean][] = [
    ['no constraints', {}, true],
    ['nodeSelector matches', { nodeSelector: { zone: 'a', disk: 'ssd' } }, true],
    ['nodeSelector value differs', { nodeSelector: { zone: 'b' } }, false],
    ['nodeSelector key missing', { nodeSelector: { gpu: 'yes' } }, false],
    ['In', required([{ key: 'zone', operator: 'In', values: ['a', 'b'] }]), true],
    ['In, no value matches', required([{ key: 'zone', operator: 'In', values: ['b'] }]), false],
    [
      'In without values is invalid',
      required([{ key: 'zone', operator: 'In', values: [] }]),
      false,
    ],
    ['NotIn', required([{ key: 'zone', operator: 'NotIn', values: ['b'] }]), true],
    ['NotIn, value listed', required([{ key: 'zone', operator: 'NotIn', values: ['a'] }]), false],
    ['NotIn, key absent', required([{ key: 'gpu', operator: 'NotIn', values: ['x'] }]), true],
    ['Exists', required([{ key: 'disk', operator: 'Exists' }]), true],
    ['Exists, key absent', required([{ key: 'gpu', operator: 'Exists' }]), false],
    ['DoesNotExist', required([{ key: 'gpu', operator: 'DoesNotExist' }]), true],
    ['DoesNotExist, key present', required([{ key: 'disk', operator: 'DoesNotExist' }]), false],
    ['Gt', required([{ key: 'cores', operator: 'Gt', values: ['4'] }]), true],
    ['Gt, not greater', required([{ key: 'cores', operator: 'Gt', values: ['8'] }]), false],
    ['Lt', required([{ key: 'cores', operator: 'Lt', values: ['16'] }]), true],
    ['Lt, not less', required([{ key: 'cores', operator: 'Lt', values: ['2'] }]), false],
    [
      'Gt with a non-integer value is invalid',
      required([{ key: 'cores', operator: 'Gt', values: ['x'] }]),
      false,
    ],
    [
      'Gt on a non-integer label',
      required([{ key: 'zone', operator: 'Gt', values: ['1'] }]),
      false,
    ],
    [
      'expressions in a term are ANDed',
      required([
        { key: 'zone', operator: 'In', values: ['a'] },
        { key: 'disk', operator: 'In', values: ['hdd'] },
      ]),
      false,
    ],
    [
      'terms are ORed',
      required(
        [{ key: 'zone', operator: 'In', values: ['b'] }],
        [{ key: 'disk', operator: 'In', values: ['ssd'] }],
      ),
      true,
    ],
    ['an empty term matches nothing', required([]), false],
    [
      'nodeSelector and affinity must both hold',
      { nodeSelector: { zone: 'b' }, ...required([{ key: 'disk', operator: 'Exists' }]) },
      false,
    ],
    [
      'matchFields on metadata.name',
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] },
              ],
            },
          },
        },
      },
      true,
    ],
    [
      'matchFields on another name',
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] },
              ],
            },
          },
        },
      },
      false,
    ],
  ];
  it.each(cases)('%s', (_n, spec, fits) => {
    const s = nodeAffinity.filter(podContext(makePod('p', { spec })), node);
    if (fits) expect(s.code).toBe('Success');
    else expect(s).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: [ERR_AFFINITY] });
  });
});

describe('NodeAffinity score', () => {
  it('sums the weights of matching preferred terms and normalises to the best', () => {
    const pod = makePod('p', {
      spec: {
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 10,
                preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
              },
              {
                weight: 30,
                preference: {
                  matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }],
                },
              },
            ],
          },
        },
      },
    });
    const ctx = podContext(pod);
    const nodes = [
      nodeInfo(makeNode('both', { labels: { zone: 'a', disk: 'ssd' } })),
      nodeInfo(makeNode('zone', { labels: { zone: 'a' } })),
      nodeInfo(makeNode('none')),
    ];
    const scores = nodes.map((n) => ({ name: n.name, score: nodeAffinity.score(ctx, n) }));
    expect(scores.map((s) => s.score)).toEqual([40, 10, 0]);
    nodeAffinity.normalize(ctx, scores);
    expect(scores.map((s) => s.score)).toEqual([100, 25, 0]);
  });
});
