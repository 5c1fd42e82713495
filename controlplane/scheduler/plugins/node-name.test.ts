import { describe, expect, it } from 'vitest';
import { makeNode, makePod, nodeInfo, podContext } from '../testing.js';
import { ERR_NODE_NAME, nodeName } from './node-name.js';

describe('NodeName', () => {
  it('passes every node for a pod without spec.nodeName', () => {
    expect(nodeName.filter(podContext(makePod('p')), nodeInfo(makeNode('a'))).code).toBe('Success');
  });
  it('passes only the named node', () => {
    const ctx = podContext(makePod('p', { spec: { nodeName: 'b' } }));
    expect(nodeName.filter(ctx, nodeInfo(makeNode('b'))).code).toBe('Success');
    expect(nodeName.filter(ctx, nodeInfo(makeNode('a'))).reasons).toEqual([ERR_NODE_NAME]);
  });
});
