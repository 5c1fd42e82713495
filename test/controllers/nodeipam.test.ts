import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../controlplane/api/resources.js';
import type { Node } from '../../controlplane/api/types/index.js';
import { nodeIpam, podCidrOf } from '../../controlplane/controllers/nodeipam/index.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { runControllers, type ControllerRun } from './gc-node-runner.js';

const nodes = findResource('', 'v1', 'nodes')!;

describe('node IPAM on a real API server', () => {
  let s: TestApiServer;
  let run: ControllerRun;

  beforeAll(async () => {
    s = await startApiServer();
    // A node that got its CIDR from an earlier controller run.
    await s.client.resource<Node>(nodes).create({
      metadata: { name: 'veteran' },
      spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
    });
    run = await runControllers(s.client, [nodeIpam], { clusterCidr: '10.244.0.0/16' });
  });
  afterAll(async () => {
    await run?.[Symbol.asyncDispose]();
    await s?.[Symbol.asyncDispose]();
  });

  const cidrOf = (name: string) =>
    waitFor(async () => podCidrOf(await s.client.resource<Node>(nodes).get(name)), {
      timeoutMs: 30_000,
      what: `a pod CIDR on ${name}`,
    });

  it('gives every node its own /24 of the cluster CIDR', async () => {
    const names = ['n1', 'n2', 'n3'];
    for (const name of names) await s.client.resource<Node>(nodes).create({ metadata: { name } });
    const cidrs = await Promise.all(names.map(cidrOf));
    expect(new Set([...cidrs, '10.244.0.0/24']).size).toBe(4);
    for (const c of cidrs) expect(c).toMatch(/^10\.244\.\d{1,3}\.0\/24$/);
    const n1 = await s.client.resource<Node>(nodes).get('n1');
    expect(n1.spec?.podCIDRs).toEqual([n1.spec?.podCIDR]);

    // A node that comes after a deletion still gets a CIDR no live node holds.
    await s.client.resource(nodes).delete('n2');
    await s.client.resource<Node>(nodes).create({ metadata: { name: 'n4' } });
    const n4 = await cidrOf('n4');
    const live = await Promise.all(['veteran', 'n1', 'n3'].map(cidrOf));
    expect(live).not.toContain(n4);
  });
});
