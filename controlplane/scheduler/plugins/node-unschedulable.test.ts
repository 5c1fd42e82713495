import { describe, expect, it } from 'vitest';
import { NodeInfo } from '../cache/index.js';
import { makeNode, makePod, nodeInfo, podContext } from '../testing.js';
import {
  ERR_UNKNOWN_CONDITION,
  ERR_UNSCHEDULABLE,
  nodeUnschedulable,
} from './node-unschedulable.js';

describe('NodeUnschedulable', () => {
  const cordoned = nodeInfo(makeNode('n', { spec: { unschedulable: true } }));
  const cases: [string, ReturnType<typeof makePod>, NodeInfo, string | undefined][] = [
    ['schedulable node', makePod('p'), nodeInfo(makeNode('n')), undefined],
    ['cordoned node', makePod('p'), cordoned, ERR_UNSCHEDULABLE],
    [
      'cordoned node, pod tolerates the unschedulable taint',
      makePod('p', {
        spec: {
          tolerations: [
            { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
          ],
        },
      }),
      cordoned,
      undefined,
    ],
    [
      'cordoned node, toleration for another effect',
      makePod('p', {
        spec: {
          tolerations: [
            { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' },
          ],
        },
      }),
      cordoned,
      ERR_UNSCHEDULABLE,
    ],
    ['ghost node without a Node object', makePod('p'), new NodeInfo('gone'), ERR_UNKNOWN_CONDITION],
  ];
  it.each(cases)('%s', (_n, pod, node, reason) => {
    const s = nodeUnschedulable.filter(podContext(pod), node);
    if (reason === undefined) expect(s.code).toBe('Success');
    else expect(s).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: [reason] });
  });
});
