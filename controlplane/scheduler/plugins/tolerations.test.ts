import { describe, expect, it } from 'vitest';
import type { Taint, Toleration } from '../../api/types/index.js';
import { firstUntoleratedTaint, taintReason, toleratesTaint } from './tolerations.js';

describe('toleratesTaint', () => {
  const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const cases: [string, Toleration, boolean][] = [
    [
      'Equal with same key, value, effect',
      { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
      true,
    ],
    ['no operator means Equal', { key: 'dedicated', value: 'gpu' }, true],
    ['Equal with another value', { key: 'dedicated', operator: 'Equal', value: 'cpu' }, false],
    ['Equal without value vs a valued taint', { key: 'dedicated', operator: 'Equal' }, false],
    ['Exists ignores the value', { key: 'dedicated', operator: 'Exists' }, true],
    ['Exists with another key', { key: 'other', operator: 'Exists' }, false],
    ['empty key with Exists tolerates everything', { operator: 'Exists' }, true],
    [
      'empty effect matches every effect',
      { key: 'dedicated', operator: 'Exists', effect: '' },
      true,
    ],
    [
      'another effect does not match',
      { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' },
      false,
    ],
  ];
  it.each(cases)('%s', (_name, tol, want) => {
    expect(toleratesTaint(tol, taint)).toBe(want);
  });

  it('compares a missing taint value as empty', () => {
    expect(
      toleratesTaint(
        { key: 'k', operator: 'Equal', value: '' },
        { key: 'k', effect: 'NoSchedule' },
      ),
    ).toBe(true);
  });
});

describe('firstUntoleratedTaint', () => {
  const taints: Taint[] = [
    { key: 'soft', effect: 'PreferNoSchedule' },
    { key: 'a', value: '1', effect: 'NoSchedule' },
    { key: 'b', effect: 'NoExecute' },
  ];
  it('skips effects not asked for and tolerated taints, in order', () => {
    const got = firstUntoleratedTaint(
      taints,
      [{ key: 'a', operator: 'Exists' }],
      ['NoSchedule', 'NoExecute'],
    );
    expect(got?.key).toBe('b');
    expect(firstUntoleratedTaint(taints, [], ['NoSchedule', 'NoExecute'])?.key).toBe('a');
    expect(firstUntoleratedTaint(taints, [{ operator: 'Exists' }], ['NoSchedule'])).toBeUndefined();
  });
  it('formats the reason like kube-scheduler', () => {
    expect(taintReason({ key: 'a', value: '1' })).toBe('node(s) had untolerated taint {a: 1}');
    expect(taintReason({ key: 'node-role.kubernetes.io/gpu' })).toBe(
      'node(s) had untolerated taint {node-role.kubernetes.io/gpu: }',
    );
  });
});
