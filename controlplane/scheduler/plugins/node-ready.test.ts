import { describe, expect, it } from 'vitest';
import type { Toleration } from '../../api/types/index.js';
import { makeNode, makePod, nodeInfo, podContext } from '../testing.js';
import { nodeReady } from './node-ready.js';

describe('NodeReady', () => {
  const notReady = 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }';
  const unreachable = 'node(s) had untolerated taint {node.kubernetes.io/unreachable: }';
  const cases: [
    string,
    'True' | 'False' | 'Unknown' | 'missing',
    Toleration[],
    string | undefined,
  ][] = [
    ['Ready=True', 'True', [], undefined],
    ['Ready=False', 'False', [], notReady],
    ['Ready=Unknown', 'Unknown', [], unreachable],
    ['no Ready condition', 'missing', [], unreachable],
    [
      'Ready=False, tolerates not-ready NoSchedule',
      'False',
      [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }],
      undefined,
    ],
    // The default tolerations pods get (NoExecute, 300 s) do not let them onto a not-ready node.
    [
      'Ready=False, only the default NoExecute toleration',
      'False',
      [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
      notReady,
    ],
    ['Ready=Unknown, tolerates everything', 'Unknown', [{ operator: 'Exists' }], undefined],
  ];
  it.each(cases)('%s', (_n, ready, tolerations, reason) => {
    const s = nodeReady.filter(
      podContext(makePod('p', { spec: { tolerations } })),
      nodeInfo(makeNode('n', { ready })),
    );
    if (reason === undefined) expect(s.code).toBe('Success');
    else expect(s.reasons).toEqual([reason]);
  });
});
