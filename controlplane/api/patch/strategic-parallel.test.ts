import { describe, expect, it } from 'vitest';
import { applyStrategicMergePatch, type JsonObject } from './index.js';
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

describe('$setElementOrder', () => {
  run([
    [
      'adds an item in a list and preserves order',
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
      'adds several items and preserves order',
      {
        mergingList: [
          { name: '1', other: 'a' },
          { name: '2', value: '2', other: 'b' },
        ],
      },
      {
        '$setElementOrder/mergingList': [
          { name: '1' },
          { name: '4' },
          { name: '2' },
          { name: '3' },
        ],
        mergingList: [
          { name: '4', value: '4' },
          { name: '3', value: '3' },
        ],
      },
      {
        mergingList: [
          { name: '1', other: 'a' },
          { name: '4', value: '4' },
          { name: '2', value: '2', other: 'b' },
          { name: '3', value: '3' },
        ],
      },
    ],
    [
      'orders around server-only items at the end',
      {
        mergingList: [
          { name: '1', other: 'a' },
          { name: '3', value: '3' },
          { name: '4', value: '4' },
          { name: '2', value: '2' },
          { name: '9' },
        ],
      },
      {
        '$setElementOrder/mergingList': [
          { name: '4' },
          { name: '2' },
          { name: '3' },
          { name: '1' },
        ],
      },
      {
        mergingList: [
          { name: '4', value: '4' },
          { name: '2', value: '2' },
          { name: '3', value: '3' },
          { name: '1', other: 'a' },
          { name: '9' },
        ],
      },
    ],
    [
      'orders around a server-only item in the middle',
      {
        mergingList: [
          { name: '1', other: 'a' },
          { name: '2', value: '2' },
          { name: '9' },
          { name: '3', value: '3' },
          { name: '4', value: '4' },
        ],
      },
      {
        '$setElementOrder/mergingList': [
          { name: '2' },
          { name: '1' },
          { name: '4' },
          { name: '3' },
        ],
      },
      {
        mergingList: [
          { name: '2', value: '2' },
          { name: '1', other: 'a' },
          { name: '9' },
          { name: '4', value: '4' },
          { name: '3', value: '3' },
        ],
      },
    ],
    [
      'orders around several server-only items',
      {
        mergingList: [
          { name: '1', other: 'a' },
          { name: '2', value: '2' },
          { name: '7' },
          { name: '9' },
          { name: '8' },
          { name: '3', value: '3' },
          { name: '4', value: '4' },
        ],
      },
      {
        '$setElementOrder/mergingList': [
          { name: '2' },
          { name: '1' },
          { name: '4' },
          { name: '3' },
        ],
      },
      {
        mergingList: [
          { name: '2', value: '2' },
          { name: '1', other: 'a' },
          { name: '7' },
          { name: '9' },
          { name: '8' },
          { name: '4', value: '4' },
          { name: '3', value: '3' },
        ],
      },
    ],
    [
      'ignores order entries that are nowhere',
      { mergingList: [{ name: '1' }, { name: '3' }] },
      {
        '$setElementOrder/mergingList': [{ name: '3' }, { name: '2' }, { name: '1' }],
        mergingList: [
          { name: '3', value: '3' },
          { name: '1', value: '1' },
        ],
      },
      {
        mergingList: [
          { name: '3', value: '3' },
          { name: '1', value: '1' },
        ],
      },
    ],
    [
      'deletes and reorders together',
      {
        mergingList: [
          { name: 'a', value: 'a' },
          { name: 'b', value: 'b' },
        ],
        mergeItemPtr: [{ name: 'c' }, { name: 'd' }],
      },
      {
        '$setElementOrder/mergingList': [{ name: 'b' }],
        '$setElementOrder/mergeItemPtr': [{ name: 'd' }, { name: 'c' }],
        mergingList: [{ $patch: 'delete', name: 'a' }],
      },
      { mergingList: [{ name: 'b', value: 'b' }], mergeItemPtr: [{ name: 'd' }, { name: 'c' }] },
    ],
    [
      'orders a primitive list',
      { mergingIntList: [1, 3] },
      { '$setElementOrder/mergingIntList': [3, 2, 1] },
      { mergingIntList: [3, 1] },
    ],
    [
      'orders a primitive list with additions and server-only items',
      { mergingIntList: [1, 9, 2] },
      { '$setElementOrder/mergingIntList': [2, 3, 1], mergingIntList: [3] },
      // 9 stood before 2 in the live list, so it stays ahead of it.
      { mergingIntList: [9, 2, 3, 1] },
    ],
    [
      'creates a missing list in order',
      {},
      {
        '$setElementOrder/mergingList': [{ name: 'b' }, { name: 'a' }],
        mergingList: [{ name: 'b' }, { name: 'a', x: null }],
      },
      { mergingList: [{ name: 'b' }, { name: 'a' }] },
    ],
  ]);
});

describe('$deleteFromPrimitiveList and $retainKeys', () => {
  run([
    [
      'deletes from a merged primitive list',
      { mergingIntList: [1, 2, 3] },
      { '$deleteFromPrimitiveList/mergingIntList': [2] },
      { mergingIntList: [1, 3] },
    ],
    [
      'deletes from a replaced primitive list',
      { nonMergingIntList: [1, 2, 3] },
      { '$deleteFromPrimitiveList/nonMergingIntList': [2] },
      { nonMergingIntList: [1, 3] },
    ],
    [
      'deleting a missing item does not add it',
      { mergingIntList: [1, 2] },
      { '$deleteFromPrimitiveList/mergingIntList': [3] },
      { mergingIntList: [1, 2] },
    ],
    [
      'deleting from a missing list adds nothing',
      { foo: ['bar'] },
      { '$deleteFromPrimitiveList/mergingIntList': [3] },
      { foo: ['bar'] },
    ],
    [
      'adds and deletes in one patch',
      { mergingIntList: [1, 2] },
      {
        mergingIntList: [3],
        '$deleteFromPrimitiveList/mergingIntList': [1],
        '$setElementOrder/mergingIntList': [2, 3],
      },
      { mergingIntList: [2, 3] },
    ],
    [
      'retainKeys clears keys not listed',
      { retainKeysMap: { value: 'foo', name: 'n' } },
      { retainKeysMap: { $retainKeys: ['other'], other: 'bar' } },
      { retainKeysMap: { other: 'bar' } },
    ],
    [
      // The new 2 goes ahead of the server-only 1 (no $setElementOrder), as in Kubernetes.
      'retainKeys keeps listed keys and merges',
      { retainKeysMap: { name: 'type1', value: 'foo', mergingIntList: [1] } },
      {
        retainKeysMap: {
          $retainKeys: ['mergingIntList', 'name'],
          name: 'type2',
          mergingIntList: [2],
        },
      },
      { retainKeysMap: { name: 'type2', mergingIntList: [2, 1] } },
    ],
    [
      'retainKeys without the directive merges as usual',
      { retainKeysMap: { name: 'foo' } },
      { retainKeysMap: { value: 'bar' } },
      { retainKeysMap: { name: 'foo', value: 'bar' } },
    ],
    [
      'retainKeys in list elements',
      { retainKeysMergingList: [{ name: 'a', value: '1' }, { name: 'b' }] },
      { retainKeysMergingList: [{ name: 'a', $retainKeys: ['name', 'other'], other: '2' }] },
      { retainKeysMergingList: [{ name: 'a', other: '2' }, { name: 'b' }] },
    ],
    [
      'nulls need not be listed in retainKeys',
      { retainKeysMap: { name: 'a', value: 'b' } },
      { retainKeysMap: { $retainKeys: ['name'], value: null } },
      { retainKeysMap: { name: 'a' } },
    ],
  ]);
});
