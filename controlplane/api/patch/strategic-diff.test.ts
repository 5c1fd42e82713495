import { describe, expect, it } from 'vitest';
import {
  applyStrategicMergePatch,
  createThreeWayMergePatch,
  createTwoWayMergePatch,
  type JsonObject,
} from './index.js';
import { testItemMeta } from './strategic-test-meta.js';

const meta = testItemMeta;

// [description, original, modified, two-way patch]
const twoWay: [string, JsonObject, JsonObject, JsonObject][] = [
  [
    'no change',
    { name: 'a', mergingList: [{ name: '1' }] },
    { name: 'a', mergingList: [{ name: '1' }] },
    {},
  ],
  ['adds and changes scalars', { name: 'a' }, { name: 'b', value: 'c' }, { name: 'b', value: 'c' }],
  ['deletes with null', { name: 'a', value: 'b' }, { name: 'a' }, { value: null }],
  [
    'recurses into maps',
    { simpleMap: { a: '1', b: '2' } },
    { simpleMap: { a: '1', b: '3' } },
    { simpleMap: { b: '3' } },
  ],
  [
    'sends a replace-strategy map whole',
    { replacingItem: { a: 1, b: 2 } },
    { replacingItem: { a: 1, b: 3 } },
    { replacingItem: { a: 1, b: 3 } },
  ],
  [
    'sends a non-merging list whole',
    { nonMergingList: [{ name: '1' }, { name: '2' }] },
    { nonMergingList: [{ name: '1' }] },
    { nonMergingList: [{ name: '1' }] },
  ],
  [
    'adds scalars to a merged primitive list',
    { mergingIntList: [1, 2] },
    { mergingIntList: [1, 2, 3] },
    { '$setElementOrder/mergingIntList': [1, 2, 3], mergingIntList: [3] },
  ],
  [
    'deletes scalars from a merged primitive list',
    { mergingIntList: [1, 2, 3] },
    { mergingIntList: [1, 3] },
    { '$deleteFromPrimitiveList/mergingIntList': [2], '$setElementOrder/mergingIntList': [1, 3] },
  ],
  [
    'reorders a merged primitive list',
    { mergingIntList: [1, 2, 3] },
    { mergingIntList: [3, 1, 2] },
    { '$setElementOrder/mergingIntList': [3, 1, 2] },
  ],
  [
    'adds an element to a merged list',
    { mergingList: [{ name: '1' }, { name: '2', value: '2' }] },
    { mergingList: [{ name: '3', value: '3' }, { name: '1' }, { name: '2', value: '2' }] },
    {
      '$setElementOrder/mergingList': [{ name: '3' }, { name: '1' }, { name: '2' }],
      mergingList: [{ name: '3', value: '3' }],
    },
  ],
  [
    'changes an element of a merged list',
    { mergingList: [{ name: '1', value: 'a' }, { name: '2' }] },
    { mergingList: [{ name: '1', value: 'b' }, { name: '2' }] },
    {
      '$setElementOrder/mergingList': [{ name: '1' }, { name: '2' }],
      mergingList: [{ name: '1', value: 'b' }],
    },
  ],
  [
    'deletes an element of a merged list',
    { mergingList: [{ name: '1' }, { name: '2' }] },
    { mergingList: [{ name: '2' }] },
    {
      '$setElementOrder/mergingList': [{ name: '2' }],
      mergingList: [{ $patch: 'delete', name: '1' }],
    },
  ],
  [
    'reorders a merged list',
    { mergingList: [{ name: '1' }, { name: '2' }] },
    { mergingList: [{ name: '2' }, { name: '1' }] },
    { '$setElementOrder/mergingList': [{ name: '2' }, { name: '1' }] },
  ],
  [
    'adds a list that was empty',
    { mergingList: [] },
    { mergingList: [{ name: '1' }] },
    { mergingList: [{ name: '1' }] },
  ],
  ['deletes a whole list', { mergingList: [{ name: '1' }] }, {}, { mergingList: null }],
  [
    'sends retainKeys for a union map',
    { retainKeysMap: { name: 'foo', value: 'a' } },
    { retainKeysMap: { name: 'foo', other: 'b' } },
    { retainKeysMap: { $retainKeys: ['name', 'other'], other: 'b', value: null } },
  ],
  [
    'sends retainKeys in union list elements',
    { retainKeysMergingList: [{ name: 'a', value: '1' }] },
    { retainKeysMergingList: [{ name: 'a', other: '2' }] },
    {
      '$setElementOrder/retainKeysMergingList': [{ name: 'a' }],
      retainKeysMergingList: [
        { $retainKeys: ['name', 'other'], name: 'a', other: '2', value: null },
      ],
    },
  ],
  ['changes type', { simpleMap: { a: '1' } }, { simpleMap: 'x' }, { simpleMap: 'x' }],
];

describe('createTwoWayMergePatch', () => {
  for (const [name, original, modified, patch] of twoWay) {
    it(name, () => {
      const p = createTwoWayMergePatch(original, modified, meta);
      expect(p).toEqual(patch);
      // Applying the patch to the original gives the modified object, in order.
      expect(JSON.stringify(applyStrategicMergePatch(original, p, meta))).toBe(
        JSON.stringify(applyStrategicMergePatch(modified, {}, meta)),
      );
    });
  }

  it('writes keys sorted, as kubectl does', () => {
    const p = createTwoWayMergePatch(
      { mergingList: [{ name: '1' }] },
      { b: 1, a: 2, mergingList: [{ value: 'v', name: '1' }] },
      meta,
    );
    expect(JSON.stringify(p)).toBe(
      '{"$setElementOrder/mergingList":[{"name":"1"}],"a":2,"b":1,"mergingList":[{"name":"1","value":"v"}]}',
    );
  });

  it('treats missing documents as empty', () => {
    expect(createTwoWayMergePatch(undefined, { a: 1 }, meta)).toEqual({ a: 1 });
  });
});

// [description, lastApplied, modified, current, three-way patch, result of applying it to current]
const threeWay: [string, JsonObject, JsonObject, JsonObject, JsonObject, JsonObject][] = [
  [
    'deletes a map from a merged list and keeps what others set',
    { mergingList: [{ name: '1' }, { name: '2' }] },
    { mergingList: [{ name: '2' }] },
    { mergingList: [{ name: '1' }, { name: '2', other: 'b' }] },
    {
      '$setElementOrder/mergingList': [{ name: '2' }],
      mergingList: [{ $patch: 'delete', name: '1' }],
    },
    { mergingList: [{ name: '2', other: 'b' }] },
  ],
  [
    'adds an item and preserves the order',
    { mergingList: [{ name: '1' }, { name: '2', value: '2' }] },
    { mergingList: [{ name: '3', value: '3' }, { name: '1' }, { name: '2', value: '2' }] },
    {
      mergingList: [
        { name: '1', other: 'a' },
        { name: '2', value: '2', other: 'b' },
      ],
    },
    {
      '$setElementOrder/mergingList': [{ name: '3' }, { name: '1' }, { name: '2' }],
      mergingList: [{ name: '3', value: '3' }],
    },
    {
      mergingList: [
        { name: '3', value: '3' },
        { name: '1', other: 'a' },
        { name: '2', value: '2', other: 'b' },
      ],
    },
  ],
  [
    'keeps a field only the live object has',
    { name: 'a' },
    { name: 'a', value: 'v' },
    { name: 'a', other: 'server' },
    { value: 'v' },
    { name: 'a', other: 'server', value: 'v' },
  ],
  [
    'deletes a field removed from the manifest',
    { name: 'a', value: 'v' },
    { name: 'a' },
    { name: 'a', value: 'v', other: 'server' },
    { value: null },
    { name: 'a', other: 'server' },
  ],
  [
    'resets a field someone changed',
    { value: 'v' },
    { value: 'v' },
    { value: 'changed' },
    { value: 'v' },
    { value: 'v' },
  ],
  [
    'clears a defaulted union member with retainKeys',
    {},
    { retainKeysMap: { other: 'bar' } },
    { retainKeysMap: { value: 'foo' } },
    { retainKeysMap: { $retainKeys: ['other'], other: 'bar' } },
    { retainKeysMap: { other: 'bar' } },
  ],
  [
    'switches a discriminated union',
    {},
    { retainKeysMap: { name: 'type2', other: 'bar' } },
    { retainKeysMap: { name: 'type1', value: 'foo' } },
    { retainKeysMap: { $retainKeys: ['name', 'other'], name: 'type2', other: 'bar' } },
    { retainKeysMap: { name: 'type2', other: 'bar' } },
  ],
  [
    'adds and deletes primitives, keeping server-only ones',
    { mergingIntList: [1, 2] },
    { mergingIntList: [2, 3] },
    { mergingIntList: [1, 2, 9] },
    {
      '$deleteFromPrimitiveList/mergingIntList': [1],
      '$setElementOrder/mergingIntList': [2, 3],
      mergingIntList: [3],
    },
    { mergingIntList: [2, 3, 9] },
  ],
  [
    'deletes and reorders in one list, reorders another',
    {
      mergingList: [
        { name: 'a', value: 'a' },
        { name: 'b', value: 'b' },
      ],
      mergeItemPtr: [
        { name: 'c', value: 'c' },
        { name: 'd', value: 'd' },
      ],
    },
    {
      mergingList: [{ name: 'b', value: 'b' }],
      mergeItemPtr: [
        { name: 'd', value: 'd' },
        { name: 'c', value: 'c' },
      ],
    },
    {
      mergingList: [
        { name: 'a', value: 'a' },
        { name: 'b', value: 'b' },
      ],
      mergeItemPtr: [
        { name: 'c', value: 'c' },
        { name: 'd', value: 'd' },
      ],
    },
    {
      '$setElementOrder/mergeItemPtr': [{ name: 'd' }, { name: 'c' }],
      '$setElementOrder/mergingList': [{ name: 'b' }],
      mergingList: [{ $patch: 'delete', name: 'a' }],
    },
    {
      mergingList: [{ name: 'b', value: 'b' }],
      mergeItemPtr: [
        { name: 'd', value: 'd' },
        { name: 'c', value: 'c' },
      ],
    },
  ],
  [
    'changes one element and deletes another',
    { mergingList: [{ name: '1', value: 'a' }, { name: '2' }] },
    { mergingList: [{ name: '1', value: 'b' }] },
    { mergingList: [{ name: '1', value: 'a', other: 'x' }, { name: '2' }] },
    {
      '$setElementOrder/mergingList': [{ name: '1' }],
      mergingList: [
        { name: '1', value: 'b' },
        { $patch: 'delete', name: '2' },
      ],
    },
    { mergingList: [{ name: '1', value: 'b', other: 'x' }] },
  ],
  [
    'first apply without a last-applied configuration',
    {},
    { name: 'a', mergingList: [{ name: '1' }] },
    { name: 'old', mergingList: [{ name: '1', other: 'x' }, { name: '2' }] },
    // The live list is longer than the manifest's, so its order is stated.
    { '$setElementOrder/mergingList': [{ name: '1' }], name: 'a' },
    { name: 'a', mergingList: [{ name: '1', other: 'x' }, { name: '2' }] },
  ],
];

describe('createThreeWayMergePatch', () => {
  for (const [name, lastApplied, modified, current, patch, result] of threeWay) {
    it(name, () => {
      const before = JSON.stringify([lastApplied, modified, current]);
      const p = createThreeWayMergePatch(lastApplied, modified, current, meta);
      expect(p).toEqual(patch);
      expect(JSON.stringify(Object.keys(p))).toBe(JSON.stringify(Object.keys(patch).sort()));
      expect(JSON.stringify(applyStrategicMergePatch(current, p, meta))).toBe(
        JSON.stringify(result),
      );
      expect(JSON.stringify([lastApplied, modified, current])).toBe(before);
    });
  }

  it('accepts an absent last-applied configuration', () => {
    expect(createThreeWayMergePatch(undefined, { a: 1 }, { a: 2, b: 3 }, meta)).toEqual({ a: 1 });
    expect(createThreeWayMergePatch(null, { a: 1 }, { a: 1 }, meta)).toEqual({});
  });
});
