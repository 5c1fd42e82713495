import { describe, expect, it } from 'vitest';
import {
  applyStrategicMergePatch,
  isPatchApplyError,
  isPatchFormatError,
  type JsonObject,
} from './index.js';
import { testItemMeta } from './strategic-test-meta.js';

const smp = (original: JsonObject, patch: JsonObject): JsonObject =>
  applyStrategicMergePatch(original, patch, testItemMeta);

// [description, original, patch, result]
type Case = [string, JsonObject, JsonObject, JsonObject];

function run(cases: Case[]): void {
  for (const [name, original, patch, result] of cases) {
    it(name, () => {
      const before = JSON.stringify([original, patch]);
      expect(smp(original, patch)).toEqual(result);
      // Exact order matters for lists: compare the serialisation too.
      expect(JSON.stringify(smp(original, patch).mergingList ?? null)).toBe(
        JSON.stringify(result.mergingList ?? null),
      );
      expect(JSON.stringify([original, patch])).toBe(before);
    });
  }
}

describe('maps and scalars', () => {
  run([
    ['adds a field', { name: 'a' }, { value: 'b' }, { name: 'a', value: 'b' }],
    ['replaces a scalar', { value: 'a' }, { value: 'b' }, { value: 'b' }],
    ['deletes with null', { name: 'a', value: 'b' }, { value: null }, { name: 'a' }],
    ['null for a missing field changes nothing', { name: 'a' }, { other: null }, { name: 'a' }],
    [
      'merges nested maps',
      { simpleMap: { a: '1', b: '2' } },
      { simpleMap: { b: '3', c: '4' } },
      { simpleMap: { a: '1', b: '3', c: '4' } },
    ],
    [
      'deletes inside nested maps',
      { simpleMap: { a: '1', b: '2' } },
      { simpleMap: { a: null } },
      { simpleMap: { b: '2' } },
    ],
    [
      'drops nulls inside new subtrees',
      {},
      { simpleMap: { a: null, b: '1' } },
      { simpleMap: { b: '1' } },
    ],
    [
      'replaces a value of another type',
      { simpleMap: { a: '1' } },
      { simpleMap: ['x'] },
      { simpleMap: ['x'] },
    ],
    [
      'an empty patch changes nothing',
      { name: 'a', mergingList: [{ name: '1' }] },
      {},
      { name: 'a', mergingList: [{ name: '1' }] },
    ],
    [
      'replaces a map with replace strategy',
      { replacingItem: { a: 1, b: 2 } },
      { replacingItem: { c: 3 } },
      { replacingItem: { c: 3 } },
    ],
  ]);
});

describe('lists', () => {
  run([
    [
      'replaces a list without merge strategy',
      { nonMergingList: [{ name: '1' }, { name: '2' }] },
      { nonMergingList: [{ name: '3' }] },
      { nonMergingList: [{ name: '3' }] },
    ],
    [
      'replaces a primitive list without merge strategy',
      { nonMergingIntList: [1, 2] },
      { nonMergingIntList: [3] },
      { nonMergingIntList: [3] },
    ],
    [
      'merges a list of maps by key',
      { mergingList: [{ name: '1', value: 'a' }, { name: '2' }] },
      { mergingList: [{ name: '1', other: 'x' }] },
      { mergingList: [{ name: '1', value: 'a', other: 'x' }, { name: '2' }] },
    ],
    [
      'deletes a field of a list element',
      { mergingList: [{ name: '1', value: 'a', other: 'b' }] },
      { mergingList: [{ name: '1', value: null }] },
      { mergingList: [{ name: '1', other: 'b' }] },
    ],
    [
      'strips nulls from new list elements',
      { mergingList: [{ name: '1' }] },
      { mergingList: [{ name: '2', value: null, other: 'o' }] },
      { mergingList: [{ name: '2', other: 'o' }, { name: '1' }] },
    ],
    [
      'keeps the order of the patch (Kubernetes: preserve the order from the patch in a merging list)',
      { mergingList: [{ name: '1' }, { name: '2', value: 'b' }, { name: '3' }] },
      {
        mergingList: [
          { name: '3', value: 'c' },
          { name: '1', value: 'a' },
          { name: '2', other: 'x' },
        ],
      },
      {
        mergingList: [
          { name: '3', value: 'c' },
          { name: '1', value: 'a' },
          { name: '2', value: 'b', other: 'x' },
        ],
      },
    ],
    [
      'interleaves server-only items by their live order',
      { mergingList: [{ name: '1' }, { name: '2', value: 'b' }, { name: '3' }] },
      {
        mergingList: [
          { name: '3', value: 'c' },
          { name: '1', value: 'a' },
        ],
      },
      {
        mergingList: [
          { name: '2', value: 'b' },
          { name: '3', value: 'c' },
          { name: '1', value: 'a' },
        ],
      },
    ],
    [
      'puts new elements ahead of the server-only ones without $setElementOrder, as Kubernetes does',
      { mergingList: [{ name: '1' }, { name: '2' }] },
      { mergingList: [{ name: '3' }] },
      { mergingList: [{ name: '3' }, { name: '1' }, { name: '2' }] },
    ],
    [
      'unions a primitive list',
      { mergingIntList: [1, 2] },
      { mergingIntList: [2, 3] },
      { mergingIntList: [1, 2, 3] },
    ],
    [
      'orders a primitive union by the patch',
      { mergingIntList: [1, 2, 3] },
      { mergingIntList: [3, 1] },
      { mergingIntList: [2, 3, 1] },
    ],
    [
      'reorders a primitive union',
      { mergingIntList: [1, 2, 3] },
      { mergingIntList: [3, 1, 2] },
      { mergingIntList: [3, 1, 2] },
    ],
    [
      'adds a merged list that was missing',
      {},
      { mergingList: [{ name: '1', value: null }] },
      { mergingList: [{ name: '1' }] },
    ],
    [
      'merges lists nested in merged lists',
      { mergingList: [{ name: '1', mergingList: [{ name: 'a', value: '1' }] }] },
      { mergingList: [{ name: '1', mergingList: [{ name: 'a', other: '2' }] }] },
      { mergingList: [{ name: '1', mergingList: [{ name: 'a', value: '1', other: '2' }] }] },
    ],
    [
      'replaces non-merging lists nested in merged lists',
      { mergingList: [{ name: '1', nonMergingList: [{ name: 'a' }, { name: 'b' }] }] },
      { mergingList: [{ name: '1', nonMergingList: [{ name: 'c' }] }] },
      { mergingList: [{ name: '1', nonMergingList: [{ name: 'c' }] }] },
    ],
    [
      'merges an empty list into an empty list',
      { mergingList: [] },
      { mergingList: [] },
      { mergingList: [] },
    ],
  ]);
});

describe('$patch directives', () => {
  run([
    [
      'deletes a list element by key',
      { mergingList: [{ name: '1' }, { name: '2', value: 'b' }] },
      { mergingList: [{ name: '1', $patch: 'delete' }] },
      { mergingList: [{ name: '2', value: 'b' }] },
    ],
    [
      'deletes every duplicate of a key',
      {
        mergingList: [
          { name: '1' },
          { name: '1' },
          { name: '2', value: 'a' },
          { name: '3' },
          { name: '3' },
        ],
      },
      {
        mergingList: [
          { name: '1', $patch: 'delete' },
          { name: '3', $patch: 'delete' },
        ],
      },
      { mergingList: [{ name: '2', value: 'a' }] },
    ],
    [
      'deleting a missing element is harmless',
      { mergingList: [{ name: '1' }] },
      { mergingList: [{ name: '9', $patch: 'delete' }] },
      { mergingList: [{ name: '1' }] },
    ],
    [
      'adds and deletes in one list',
      { mergingList: [{ name: '1' }, { name: '2' }] },
      { mergingList: [{ name: '3' }, { name: '1', $patch: 'delete' }] },
      { mergingList: [{ name: '3' }, { name: '2' }] },
    ],
    [
      'replace empties a merged list',
      { mergingList: [{ name: '1' }, { name: '2' }] },
      { mergingList: [{ $patch: 'replace' }] },
      { mergingList: [] },
    ],
    [
      'replace sets a merged list',
      { mergingList: [{ name: '1', value: 'a' }, { name: '2' }] },
      { mergingList: [{ name: '1', other: 'b', gone: null }, { $patch: 'replace' }] },
      { mergingList: [{ name: '1', other: 'b' }] },
    ],
    [
      'replace on a map',
      { simpleMap: { a: '1' }, name: 'n' },
      { simpleMap: { $patch: 'replace', b: '2' } },
      { simpleMap: { b: '2' }, name: 'n' },
    ],
    [
      'replace at the root',
      { name: '1', value: '1' },
      { $patch: 'replace', other: 'a' },
      { other: 'a' },
    ],
    ['replace at the root with nothing', { name: '1', value: '1' }, { $patch: 'replace' }, {}],
    [
      'delete on a map removes it',
      { simpleMap: { a: '1' }, name: 'n' },
      { simpleMap: { $patch: 'delete' } },
      { name: 'n' },
    ],
    [
      'delete on a missing map adds nothing',
      { name: 'n' },
      { simpleMap: { $patch: 'delete', a: '1' } },
      { name: 'n' },
    ],
    ['delete at the root', { name: 'n' }, { $patch: 'delete' }, {}],
    [
      'merge is the default, and is not stored',
      { simpleMap: { a: '1' } },
      { simpleMap: { $patch: 'merge', b: '2' } },
      { simpleMap: { a: '1', b: '2' } },
    ],
    [
      'merge on a list element',
      { mergingList: [{ name: '1', value: 'a' }] },
      { mergingList: [{ name: '1', $patch: 'merge', other: 'b' }] },
      { mergingList: [{ name: '1', value: 'a', other: 'b' }] },
    ],
    [
      'directives in a new subtree take effect',
      {},
      {
        mergingList: [{ name: '1', $patch: 'delete' }, { name: '2' }],
        simpleMap: { $patch: 'delete' },
      },
      { mergingList: [{ name: '2' }] },
    ],
    [
      'directive elements of a replaced list are dropped',
      { nonMergingList: [{ name: '1' }] },
      { nonMergingList: [{ $patch: 'replace' }, { name: '2' }] },
      { nonMergingList: [{ name: '2' }] },
    ],
  ]);
});

describe('errors', () => {
  // [description, original, patch, 400 or 422, message part]
  const table: [string, JsonObject, unknown, 400 | 422, string][] = [
    ['a patch that is not an object', {}, [1], 400, 'must be a JSON object'],
    [
      'an unknown $patch on a map',
      { simpleMap: {} },
      { simpleMap: { $patch: 'frob' } },
      400,
      'unknown patch type: "frob" in map',
    ],
    [
      'an unknown $patch in a list',
      { mergingList: [{ name: '1' }] },
      { mergingList: [{ name: '1', $patch: 'frob' }] },
      400,
      'unknown patch type: "frob"',
    ],
    [
      'an unknown directive',
      {},
      { $frob: 1 },
      400,
      'unknown strategic merge patch directive "$frob"',
    ],
    [
      'a list element without its merge key',
      { mergingList: [{ name: '1', value: 'a' }] },
      { mergingList: [{ value: 'b' }] },
      400,
      'does not contain declared merge key: name',
    ],
    [
      'a delete element without its merge key',
      { mergingList: [{ name: '1' }] },
      { mergingList: [{ $patch: 'delete' }] },
      400,
      'does not contain declared merge key: name',
    ],
    [
      'a setElementOrder that contradicts the patch',
      { mergingList: [{ name: '1' }, { name: '3' }, { name: '2' }] },
      {
        '$setElementOrder/mergingList': [{ name: '1' }, { name: '2' }, { name: '3' }],
        mergingList: [
          { name: '3', value: '3' },
          { name: '1', value: '1' },
        ],
      },
      400,
      "doesn't match $setElementOrder list",
    ],
    [
      'a primitive setElementOrder that contradicts the patch',
      { mergingIntList: [1, 3, 2] },
      { '$setElementOrder/mergingIntList': [1, 2, 3], mergingIntList: [3, 1] },
      400,
      "doesn't match",
    ],
    [
      'a setElementOrder that is not a list',
      {},
      { '$setElementOrder/mergingList': 'x' },
      400,
      'invalid patch format of setElementOrder list',
    ],
    [
      'a setElementOrder without a field',
      {},
      { '$setElementOrder/': [] },
      400,
      'invalid patch format of setElementOrder list',
    ],
    [
      'a setElementOrder entry without the merge key',
      { mergingList: [] },
      { '$setElementOrder/mergingList': [{ value: 'x' }] },
      400,
      'does not contain declared merge key',
    ],
    [
      'a deletion list that is not a list',
      { mergingIntList: [1] },
      { '$deleteFromPrimitiveList/mergingIntList': 1 },
      400,
      'invalid patch format of primitive list',
    ],
    [
      'a deletion list of maps',
      { mergingIntList: [1] },
      { '$deleteFromPrimitiveList/mergingIntList': [{}] },
      400,
      'invalid patch format of primitive list',
    ],
    [
      'a malformed deletion directive',
      {},
      { '$deleteFromPrimitiveListX/a': [1] },
      400,
      'invalid patch format of primitive list',
    ],
    [
      'retainKeys that is not a list',
      { retainKeysMap: {} },
      { retainKeysMap: { $retainKeys: 'name' } },
      400,
      'invalid patch format of retainKeys',
    ],
    [
      'a patched key missing from retainKeys',
      { retainKeysMap: {} },
      { retainKeysMap: { $retainKeys: ['name'], value: 'v' } },
      400,
      'invalid patch format of retainKeys',
    ],
    [
      'lists of lists',
      { mergingIntList: [[1]] },
      { mergingIntList: [[2]] },
      422,
      'lists of lists are not supported',
    ],
    [
      'mixed element types',
      { mergingIntList: [1] },
      { mergingIntList: ['a'] },
      422,
      'list element types are not identical',
    ],
    [
      'maps in a primitive merge list',
      { mergingIntList: [{ a: 1 }] },
      { mergingIntList: [{ b: 1 }] },
      422,
      'cannot merge lists without merge key for mergingIntList',
    ],
    [
      'a live element without its merge key',
      { mergingList: [{ value: 'x' }] },
      { mergingList: [{ name: '1' }] },
      422,
      'does not contain declared merge key: name',
    ],
  ];
  for (const [name, original, patch, code, message] of table) {
    it(`${code}: ${name}`, () => {
      let caught: unknown;
      try {
        applyStrategicMergePatch(original, patch, testItemMeta);
      } catch (e) {
        caught = e;
      }
      expect(code === 400 ? isPatchFormatError(caught) : isPatchApplyError(caught)).toBe(true);
      expect((caught as Error).message).toContain(message);
    });
  }

  it('rejects an object that is not a map', () => {
    expect(() => applyStrategicMergePatch([1], {}, testItemMeta)).toThrow('not a JSON object');
  });
});

describe('safety', () => {
  it('keeps __proto__ as data and never pollutes prototypes', () => {
    const out = smp(
      { simpleMap: {} },
      JSON.parse('{"simpleMap":{"__proto__":{"polluted":1}},"__proto__":{"x":1}}'),
    );
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.hasOwn(out.simpleMap as object, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('does not treat inherited names as fields with metadata', () => {
    expect(smp({ constructor: [1] }, { constructor: [2] })).toEqual({ constructor: [2] });
  });
});
