import { describe, expect, it } from 'vitest';
import { replicaSet } from '../replicaset/testing.js';
import { deployment } from './deployment-testing.js';
import { computeHash, safeEncode } from './hash.js';
import {
  equalIgnoreHash,
  getProportion,
  maxSurge,
  maxUnavailable,
  resolveFenceposts,
  setNewReplicaSetAnnotations,
  valueFromIntOrPercent,
} from './util.js';

describe('deployment util', () => {
  it('resolves maxSurge up and maxUnavailable down, never both zero', () => {
    expect(valueFromIntOrPercent('25%', 10, true)).toBe(3);
    expect(valueFromIntOrPercent('25%', 10, false)).toBe(2);
    expect(valueFromIntOrPercent(2, 10, false)).toBe(2);
    expect(() => valueFromIntOrPercent('x', 10, false)).toThrow(RangeError);
    expect(resolveFenceposts('0%', '1%', 3)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveFenceposts(undefined, undefined, 3)).toEqual({ surge: 0, unavailable: 1 });
    expect(maxUnavailable(deployment('w', 2, { maxUnavailable: 5 }))).toBe(2);
    expect(maxUnavailable(deployment('w', 0))).toBe(0);
    expect(maxSurge(deployment('w', 3, { recreate: true }))).toBe(0);
    expect(maxUnavailable(deployment('w', 3, { recreate: true }))).toBe(0);
  });

  it('hashes templates stably into the safe alphabet, and collisions change the hash', () => {
    const a = deployment('w', 1).spec!.template;
    const b = structuredClone(a);
    // Key order does not matter.
    b.metadata = { labels: { ...a.metadata!.labels } };
    expect(computeHash(a)).toBe(computeHash(b));
    expect(computeHash(a)).not.toBe(computeHash(a, 1));
    expect(computeHash(a, 1)).not.toBe(computeHash(a, 2));
    expect(safeEncode('0123456789')).toBe('456789bcdf');
  });

  it('compares templates ignoring the hash label and empty-vs-absent', () => {
    const a = deployment('w', 1).spec!.template;
    const b = structuredClone(a);
    b.metadata!.labels!['pod-template-hash'] = 'abc';
    b.metadata!.annotations = {};
    b.spec!.volumes = [];
    expect(equalIgnoreHash(a, b)).toBe(true);
    b.spec!.containers[0]!.image = 'other';
    expect(equalIgnoreHash(a, b)).toBe(false);
  });

  it('records the old revision in revision-history when a ReplicaSet is revived', () => {
    const d = deployment('w', 2, {
      annotations: {
        'kubernetes.io/change-cause': 'undo',
        'kubectl.kubernetes.io/last-applied-configuration': '{}',
      },
    });
    const rs = replicaSet('w-1', 0, { annotations: { 'deployment.kubernetes.io/revision': '1' } });
    expect(setNewReplicaSetAnnotations(d, rs, 3, true)).toBe(true);
    expect(rs.metadata.annotations).toEqual({
      'deployment.kubernetes.io/revision': '3',
      'deployment.kubernetes.io/revision-history': '1',
      'kubernetes.io/change-cause': 'undo',
    });
    rs.metadata.annotations!['deployment.kubernetes.io/revision'] = '3';
    setNewReplicaSetAnnotations(d, rs, 5, true);
    expect(rs.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1,3');
    expect(setNewReplicaSetAnnotations(d, rs, 2, true)).toBe(false);
  });

  it('estimates proportions from max-replicas and never exceeds what is left', () => {
    const d = deployment('w', 10, { maxSurge: 1 });
    const rs = replicaSet('a', 3, {
      annotations: { 'deployment.kubernetes.io/max-replicas': '6' },
    });
    expect(getProportion(rs, d, 5, 0)).toBe(3); // round(3 * 11 / 6) - 3
    expect(getProportion(rs, d, 5, 3)).toBe(2);
    expect(getProportion(rs, d, 5, 5)).toBe(0);
    const down = deployment('w', 2, { maxSurge: 0 });
    expect(getProportion(rs, down, -4, 0)).toBe(-2); // round(3 * 2 / 6) - 3
  });
});
