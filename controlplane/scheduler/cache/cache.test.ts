import { describe, expect, it } from 'vitest';
import { bound, makeNode, makePod } from '../testing.js';
import { CacheError, SchedulerCache } from './cache.js';
import { CPU } from './resources.js';

const cpuOn = (c: SchedulerCache, node: string): bigint =>
  c.nodeInfo(node)?.requested.get(CPU) ?? -1n;

describe('SchedulerCache', () => {
  it('counts an assumed pod at once, and confirms it when the informer sees it bound', () => {
    const c = new SchedulerCache();
    c.addNode(makeNode('a'));
    const pod = makePod('p', { requests: { cpu: '500m' } });
    c.assumePod(bound(pod, 'a'));
    expect(c.isAssumed(pod.metadata.uid)).toBe(true);
    expect(cpuOn(c, 'a')).toBe(500n);
    c.finishBinding(bound(pod, 'a'));
    c.addPod(bound(pod, 'a'));
    expect(c.isAssumed(pod.metadata.uid)).toBe(false);
    expect(cpuOn(c, 'a')).toBe(500n);
    expect(c.nodeInfo('a')?.podCount).toBe(1);
  });

  it('forgets an assumed pod after a failed binding', () => {
    const c = new SchedulerCache();
    c.addNode(makeNode('a'));
    const pod = bound(makePod('p', { requests: { cpu: '1' } }), 'a');
    c.assumePod(pod);
    expect(c.forgetPod(pod)).toBe(true);
    expect(cpuOn(c, 'a')).toBe(0n);
    expect(c.podCount).toBe(0);
    expect(c.forgetPod(pod)).toBe(false);
  });

  it('moves a confirmed pod that landed on another node than assumed', () => {
    const c = new SchedulerCache();
    c.addNode(makeNode('a'));
    c.addNode(makeNode('b'));
    const pod = makePod('p', { requests: { cpu: '1' } });
    c.assumePod(bound(pod, 'a'));
    c.addPod(bound(pod, 'b'));
    expect(cpuOn(c, 'a')).toBe(0n);
    expect(cpuOn(c, 'b')).toBe(1000n);
  });

  it('does not forget a confirmed pod', () => {
    const c = new SchedulerCache();
    c.addNode(makeNode('a'));
    const pod = bound(makePod('p', { requests: { cpu: '1' } }), 'a');
    c.addPod(pod);
    expect(c.forgetPod(pod)).toBe(false);
    expect(cpuOn(c, 'a')).toBe(1000n);
  });

  it('refuses to assume a pod twice or without a node', () => {
    const c = new SchedulerCache();
    const pod = makePod('p');
    expect(() => c.assumePod(pod)).toThrow(CacheError);
    c.assumePod(bound(pod, 'a'));
    expect(() => c.assumePod(bound(pod, 'a'))).toThrow(CacheError);
  });

  it('updates and removes bound pods', () => {
    const c = new SchedulerCache();
    c.addNode(makeNode('a'));
    const pod = bound(makePod('p', { requests: { cpu: '1' } }), 'a');
    c.addPod(pod);
    const bigger = structuredClone(pod);
    bigger.spec!.containers[0]!.resources = { requests: { cpu: '2' } };
    c.updatePod(bigger);
    expect(cpuOn(c, 'a')).toBe(2000n);
    c.removePod(bigger);
    expect(cpuOn(c, 'a')).toBe(0n);
    expect(c.podCount).toBe(0);
  });

  it('keeps a deleted node as a ghost while pods are bound to it, and lists only real nodes', () => {
    const c = new SchedulerCache();
    const node = makeNode('a');
    c.addNode(node);
    c.addNode(makeNode('b'));
    const pod = bound(makePod('p'), 'a');
    c.addPod(pod);
    c.removeNode(node);
    expect(c.nodeInfos().map((n) => n.name)).toEqual(['b']);
    expect(c.nodeInfo('a')?.podCount).toBe(1);
    c.removePod(pod);
    expect(c.nodeInfo('a')).toBeUndefined();
  });

  it('accounts pods seen before their node', () => {
    const c = new SchedulerCache();
    c.addPod(bound(makePod('p', { requests: { cpu: '1' } }), 'late'));
    expect(c.nodeInfos()).toEqual([]);
    c.addNode(makeNode('late'));
    expect(cpuOn(c, 'late')).toBe(1000n);
  });
});
