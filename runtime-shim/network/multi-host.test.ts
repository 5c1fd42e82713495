import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPinnedNetns, removePinnedNetns } from './netns.js';
import {
  bridgePorts,
  chainHash,
  curl,
  iptablesLines,
  makeTestNetwork,
  sh,
  startHttpd,
  type TestNetwork,
} from './test-fixture.js';
import type { PortMapping, SandboxNetworkRequest } from './types.js';

// The shim's deployment shape (RUNTIME-NOTES "Several hosts on one machine"):
// two netns "hosts" joined by a veth pair, each with its own pod bridge and
// subnet and a route to the other's; the plugins run inside each host netns
// through the `hostNetns` option. Everything lives in test-made namespaces.

const request = (sandboxId: string, portMappings: PortMapping[] = []): SandboxNetworkRequest => ({
  sandboxId,
  name: `pod-${sandboxId}`,
  namespace: 'default',
  uid: randomUUID(),
  portMappings,
});

describe('CniNetwork in netns hosts', () => {
  let dir: string;
  let hostA: string;
  let hostB: string;
  const disposables: AsyncDisposable[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tug-hosts-'));
    hostA = join(dir, 'host-a');
    hostB = join(dir, 'host-b');
    await createPinnedNetns(hostA);
    await createPinnedNetns(hostB);
  });
  afterEach(async () => {
    for (const d of disposables.splice(0).reverse()) await d[Symbol.asyncDispose]();
    // The hosts' veth pair, bridges and iptables rules die with the namespaces.
    await removePinnedNetns(hostA);
    await removePinnedNetns(hostB);
    await rm(dir, { recursive: true, force: true });
  });

  const track = <T extends AsyncDisposable>(d: T): T => {
    disposables.push(d);
    return d;
  };

  it('pods on host A reach pods on host B by IP and through B’s hostPort; rules stay in the host netns', async () => {
    const link = `10.201.${1 + ((randomBytes(1)[0] ?? 0) % 254)}.`;
    const tag = randomBytes(3).toString('hex');
    await sh(
      'ip',
      ['link', 'add', `h${tag}a`, 'type', 'veth', 'peer', 'name', `h${tag}b`, 'netns', hostB],
      hostA,
    );
    const a: TestNetwork = track(await makeTestNetwork({ hostNetns: hostA, ipMasq: false }));
    const b: TestNetwork = track(await makeTestNetwork({ hostNetns: hostB, ipMasq: false }));
    const sides = [
      { ns: hostA, dev: `h${tag}a`, me: `${link}1`, peer: `${link}2`, remote: b },
      { ns: hostB, dev: `h${tag}b`, me: `${link}2`, peer: `${link}1`, remote: a },
    ];
    for (const { ns, dev, me, peer, remote } of sides) {
      await sh('ip', ['link', 'set', 'lo', 'up'], ns);
      await sh('ip', ['addr', 'add', `${me}/24`, 'dev', dev], ns);
      await sh('ip', ['link', 'set', dev, 'up'], ns);
      await sh('ip', ['route', 'add', remote.subnet, 'via', peer], ns);
    }

    const hostPort = 30080;
    const idA = `sb-${randomBytes(5).toString('hex')}`;
    const idB = `sb-${randomBytes(5).toString('hex')}`;
    const podA = await a.network.setUp(request(idA));
    const podB = await b.network.setUp(
      request(idB, [{ containerPort: 8080, hostPort, protocol: 'TCP' }]),
    );
    expect(podA.ip.startsWith(a.prefix)).toBe(true);
    expect(podB.ip.startsWith(b.prefix)).toBe(true);
    expect((await bridgePorts(a.bridge, hostA)).length).toBe(1);

    track(await startHttpd(podA.netnsPath, 8080, `pod ${idA} on A`));
    track(await startHttpd(podB.netnsPath, 8080, `pod ${idB} on B`));
    expect(await curl(`http://${podB.ip}:8080/`, podA.netnsPath)).toBe(`pod ${idB} on B`);
    expect(await curl(`http://${podA.ip}:8080/`, podB.netnsPath)).toBe(`pod ${idA} on A`);
    expect(await curl(`http://${link}2:${hostPort}/`, hostA)).toBe(`pod ${idB} on B`);
    expect(await curl(`http://${link}2:${hostPort}/`, podA.netnsPath)).toBe(`pod ${idB} on B`);

    // The portmap rules are in B's netns, none in the machine's root netns.
    const hashB = chainHash(b.networkName, idB);
    expect((await iptablesLines([hashB], hostB)).length).toBeGreaterThan(0);
    expect(await iptablesLines([hashB, idB])).toEqual([]);
    expect(await sh('ip', ['-o', 'link', 'show', b.bridge]).catch(() => 'absent')).toBe('absent');

    // Stop the listeners before the networks go (a process in the netns keeps it alive).
    for (const d of disposables.splice(2).reverse()) await d[Symbol.asyncDispose]();
    await b.network.tearDown(idB);
    expect(await iptablesLines([hashB, idB], hostB)).toEqual([]);
    expect(await bridgePorts(b.bridge, hostB)).toEqual([]);
  });
});
