import { describe, expect, it } from 'vitest';
import { applyMergePatch, createMergePatch, type JsonValue } from './index.js';

describe('applyMergePatch (RFC 7386 appendix A)', () => {
  // [target, patch, result]
  const table: [JsonValue, JsonValue, JsonValue][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    // Kubernetes uses: scale's merge patch, and nulls inside arrays stay.
    [
      { spec: { replicas: 2, paused: true } },
      { spec: { replicas: 5 } },
      { spec: { replicas: 5, paused: true } },
    ],
    [{ a: [1] }, { a: [null, { x: null }] }, { a: [null, { x: null }] }],
  ];
  for (const [target, patch, result] of table) {
    it(`${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => {
      expect(applyMergePatch(target, patch)).toEqual(result);
    });
  }

  it('does not modify its arguments', () => {
    const target = { a: { b: 1, c: [1, 2] } };
    const patch = { a: { b: null, d: { e: 1 } } };
    const before = JSON.stringify([target, patch]);
    const out = applyMergePatch(target, patch) as { a: { c: number[] } };
    out.a.c.push(3);
    expect(JSON.stringify([target, patch])).toBe(before);
  });

  it('keeps __proto__ as data and never pollutes prototypes', () => {
    const out = applyMergePatch({}, JSON.parse('{"__proto__":{"polluted":true}}')) as object;
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('createMergePatch', () => {
  const table: [JsonValue, JsonValue, JsonValue][] = [
    [{ a: 1 }, { a: 1 }, {}],
    [{ a: 1 }, { a: 2 }, { a: 2 }],
    [{ a: 1, b: 2 }, { a: 1 }, { b: null }],
    [{ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } }, { a: { c: 3 } }],
    [{ a: { b: 1 } }, { a: { b: 1 } }, {}],
    [{ a: [1, 2] }, { a: [1, 2] }, {}],
    [{ a: [1, 2] }, { a: [2, 1] }, { a: [2, 1] }],
    [{ a: { b: 1 } }, { a: 'x' }, { a: 'x' }],
    [{}, { a: { b: 1 } }, { a: { b: 1 } }],
    [[1], [2], [2]],
    [[1], [1], {}],
  ];
  for (const [original, modified, patch] of table) {
    it(`${JSON.stringify(original)} → ${JSON.stringify(modified)}`, () => {
      const p = createMergePatch(original, modified);
      expect(p).toEqual(patch);
      if (!Array.isArray(original)) expect(applyMergePatch(original, p)).toEqual(modified);
    });
  }

  it('uses the JSON form of values that define toJSON', () => {
    const q = { toJSON: () => '500m' };
    expect(applyMergePatch({ cpu: '1' }, { cpu: q })).toEqual({ cpu: '500m' });
    expect(createMergePatch({ at: new Date(0) }, { at: '1970-01-01T00:00:00.000Z' })).toEqual({});
  });

  it('drops undefined properties of typed objects, as JSON does', () => {
    expect(
      createMergePatch({ spec: { replicas: 1 } }, { spec: { replicas: 2, paused: undefined } }),
    ).toEqual({
      spec: { replicas: 2 },
    });
  });
});
