import { mergeList, primitiveSet, retainKeysMap } from './strategic-meta.js';
import type { PatchMeta } from './strategic-meta.js';

/**
 * testItemMeta mirrors the MergeItem test type of apimachinery's
 * strategicpatch tests: one field of each kind of tag. Test-only.
 */
const itemFields: Record<string, PatchMeta> = {};
Object.assign(itemFields, {
  mergingList: mergeList('name', itemFields),
  nonMergingList: { fields: itemFields },
  mergingIntList: primitiveSet,
  mergeItemPtr: mergeList('name', itemFields),
  replacingItem: { strategy: 'replace' },
  retainKeysMap: retainKeysMap({
    mergingIntList: primitiveSet,
    mergingList: mergeList('name', itemFields),
  }),
  retainKeysMergingList: mergeList('name', itemFields, { retainKeys: true }),
} satisfies Record<string, PatchMeta>);

export const testItemMeta: PatchMeta = { fields: itemFields };
