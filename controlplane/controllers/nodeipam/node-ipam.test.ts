import { afterEach, describe, expect, it } from 'vitest';
import { newConflict } from '../../api/errors.js';
import type { Node } from '../../api/types/index.js';
import {
  drain,
  memoryHarness,
  res,
  type MemoryHarness,
} from '../../../test/controllers/memory-harness.js';
import { NodeIpamController, podCidrOf } from './index.js';

const nodes = res('nodes');
const node = (name: string, cidr?: string): Node => ({
  metadata: { name },
  ...(cidr ? { spec: { podCIDR: cidr, podCIDRs: [cidr] } } : {}),
});

describe('node IPAM', () => {
  let h: MemoryHarness;
  afterEach(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('gives each node its own /24, skipping the ones nodes already hold', async () => {
    h = memoryHarness({ clusterCidr: '10.244.0.0/16' });
    h.api.seed(nodes, node('old', '10.244.0.0/24'));
    h.api.seed(nodes, node('a'));
    h.api.seed(nodes, node('b'));
    const c = new NodeIpamController(h.ctx);
    await h.start();
    c.occupyExisting();
    await c.reconcile('old');
    await c.reconcile('a');
    await c.reconcile('b');
    expect(h.api.writes.map((w) => `${w.method} ${w.name}`)).toEqual(['PATCH a', 'PATCH b']);
    const cidrs = ['old', 'a', 'b'].map((n) => podCidrOf(h.api.get<Node>(nodes, undefined, n)!));
    expect(cidrs).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    expect(h.api.get<Node>(nodes, undefined, 'a')!.spec).toEqual({
      podCIDR: '10.244.1.0/24',
      podCIDRs: ['10.244.1.0/24'],
    });
    // Level-triggered: once the cache shows the CIDR, a repeat changes nothing.
    await h.settle();
    await c.reconcile('a');
    expect(h.api.writes).toHaveLength(2);
  });

  it('retries a failed write with the same CIDR', async () => {
    h = memoryHarness({ clusterCidr: '10.0.0.0/23', nodeCidrMaskSize: 24 });
    h.api.seed(nodes, node('a'));
    const c = new NodeIpamController(h.ctx);
    await h.start();
    h.api.failNext(
      (call) => call.method === 'PATCH',
      newConflict({ group: '', resource: 'nodes' }, 'a'),
    );
    await expect(c.reconcile('a')).rejects.toThrow();
    await c.reconcile('a');
    expect(podCidrOf(h.api.get<Node>(nodes, undefined, 'a')!)).toBe('10.0.0.0/24');
    expect(c.cidrs.allocated).toBe(1);
    expect(h.events('cidrAllocator').reasons).toEqual(['CIDRAssignmentFailed']);
  });

  it('reports a full range, and assigns once a deleted node frees a CIDR', async () => {
    h = memoryHarness({ clusterCidr: '10.0.0.0/23', nodeCidrMaskSize: 24 });
    h.api.seed(nodes, node('a', '10.0.0.0/24'));
    h.api.seed(nodes, node('b', '10.0.1.0/24'));
    h.api.seed(nodes, node('c'));
    const c = new NodeIpamController(h.ctx);
    await h.start();
    c.occupyExisting();
    await drain(c.queue);
    await c.reconcile('c');
    expect(h.api.writes).toEqual([]);
    expect(h.events('cidrAllocator').events).toMatchObject([
      { reason: 'CIDRNotAvailable', type: 'Warning', subject: { metadata: { name: 'c' } } },
    ]);

    h.api.remove(nodes, undefined, 'a');
    await h.settle();
    expect(await drain(c.queue)).toEqual(['a']);
    await c.reconcile('a'); // the delete: frees 10.0.0.0/24 and wakes node c
    expect(await drain(c.queue)).toEqual(['c']);
    await c.reconcile('c');
    expect(podCidrOf(h.api.get<Node>(nodes, undefined, 'c')!)).toBe('10.0.0.0/24');
  });

  it('refuses a bad cluster CIDR at construction', () => {
    h = memoryHarness({ clusterCidr: '10.0.0.0/33' });
    expect(() => new NodeIpamController(h.ctx)).toThrow(RangeError);
  });
});
