import { describe, expect, it } from 'vitest';
import type { StoredNode } from '../../controlplane/api/types/index.js';
import { nopLogger } from '../../lib/log.js';
import { PodRoutes, ROUTE_PROTO } from './routes.js';

const node = (name: string, cidr?: string, ip?: string): StoredNode =>
  ({
    metadata: { name },
    spec: cidr ? { podCIDR: cidr } : {},
    status: ip ? { addresses: [{ type: 'InternalIP', address: ip }] } : {},
  }) as StoredNode;

/** fakeIp keeps a routing table and records the commands that change it. */
function fakeIp() {
  const table = new Map<string, string>();
  const changes: string[] = [];
  const ip = async (args: string[]): Promise<string> => {
    if (args[1] === 'route' && args[2] === 'show') {
      return [...table].map(([c, v]) => `${c} via ${v} dev eth0 proto ${ROUTE_PROTO}`).join('\n');
    }
    changes.push(args.join(' '));
    if (args[1] === 'replace') table.set(args[2]!, args[4]!);
    if (args[1] === 'del') table.delete(args[2]!);
    return '';
  };
  return { ip, table, changes };
}

describe('PodRoutes', () => {
  it('routes each other node’s pod CIDR via its address, skips itself and half-known nodes, and removes routes of nodes that go', async () => {
    const f = fakeIp();
    const r = new PodRoutes({ nodeName: 'a', logger: nopLogger, ip: f.ip });
    await r.observe([
      node('a', '10.1.0.0/24', '10.0.0.1'),
      node('b', '10.1.1.0/24', '10.0.0.2'),
      node('c', undefined, '10.0.0.3'),
    ]);
    expect([...f.table]).toEqual([['10.1.1.0/24', '10.0.0.2']]);
    await r.observe([
      node('a', '10.1.0.0/24', '10.0.0.1'),
      node('b', '10.1.1.0/24', '10.0.0.2'),
      node('c', '10.1.2.0/24', '10.0.0.3'),
    ]);
    expect(f.changes).toEqual([
      `route replace 10.1.1.0/24 via 10.0.0.2 proto ${ROUTE_PROTO}`,
      `route replace 10.1.2.0/24 via 10.0.0.3 proto ${ROUTE_PROTO}`,
    ]);
    // b moves to a new address; c goes.
    await r.observe([node('a', '10.1.0.0/24', '10.0.0.1'), node('b', '10.1.1.0/24', '10.0.0.9')]);
    expect([...f.table]).toEqual([['10.1.1.0/24', '10.0.0.9']]);
    expect(f.changes.slice(2)).toEqual([
      `route replace 10.1.1.0/24 via 10.0.0.9 proto ${ROUTE_PROTO}`,
      `route del 10.1.2.0/24 proto ${ROUTE_PROTO}`,
    ]);
  });
});
