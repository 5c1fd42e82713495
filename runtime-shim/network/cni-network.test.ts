import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/ports.js';
import { waitFor } from '../../lib/wait.js';
import { createPinnedNetns, isPinnedNetns } from './netns.js';
import type { SandboxRecord } from './state.js';
import {
  bridgePorts,
  chainHash,
  curl,
  iptablesLines,
  ipamAllocations,
  makeTestNetwork,
  sh,
  startHttpd,
  type TestNetwork,
} from './test-fixture.js';
import type { PortMapping, SandboxNetworkRequest } from './types.js';

// These tests drive the real plugins of /usr/lib/cni as root, in the root
// netns, each on its own bridge and 10.200.X.0/24.

const newId = (): string => `sb-${randomBytes(5).toString('hex')}`;
const request = (sandboxId: string, portMappings: PortMapping[] = []): SandboxNetworkRequest => ({
  sandboxId,
  name: `pod-${sandboxId}`,
  namespace: 'default',
  uid: randomUUID(),
  portMappings,
});

describe('CniNetwork with the real CNI plugins', () => {
  let t: TestNetwork;
  const disposables: AsyncDisposable[] = [];

  beforeEach(async () => {
    t = await makeTestNetwork();
  });
  afterEach(async () => {
    // Listeners first: a process in a pod netns would keep it alive.
    for (const d of disposables.splice(0).reverse()) await d[Symbol.asyncDispose]();
    await t[Symbol.asyncDispose]();
  });

  /** leftovers is everything on the machine that would show a sandbox was not fully removed. */
  const leftovers = async (id: string): Promise<Record<string, unknown>> => ({
    pin: existsSync(t.network.netnsPath(id)),
    iptables: await iptablesLines([id, chainHash(t.networkName, id)]),
    status: await t.network.status(id),
    listed: (await t.network.list()).includes(id),
  });
  const nothingLeft = { pin: false, iptables: [], status: undefined, listed: false };

  it('gives two sandboxes distinct IPs, connects them by IP, brings lo up, and setUp is idempotent', async () => {
    const [idA, idB] = [newId(), newId()];
    const a = await t.network.setUp(request(idA));
    const b = await t.network.setUp(request(idB));
    expect(a.ip.startsWith(t.prefix)).toBe(true);
    expect(b.ip.startsWith(t.prefix)).toBe(true);
    expect(new Set([a.ip, b.ip, t.gateway]).size).toBe(3);
    expect(a).toMatchObject({
      netnsPath: join(t.stateDir, 'netns', idA),
      interfaceName: 'eth0',
      additionalIps: [],
    });
    expect(await isPinnedNetns(a.netnsPath)).toBe(true);
    expect(await sh('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'], a.netnsPath)).toContain(
      `${a.ip}/24`,
    );
    expect(await sh('ip', ['-o', 'link', 'show', 'dev', 'lo'], a.netnsPath)).toMatch(
      /<[^>]*\bUP\b/,
    );
    expect((await bridgePorts(t.bridge)).length).toBe(2);

    // startHttpd waits for an answer on the pod's own 127.0.0.1, so lo works in B too.
    const body = `hello from ${idB}`;
    disposables.push(await startHttpd(b.netnsPath, 8080, body));
    expect(await curl(`http://${b.ip}:8080/`, a.netnsPath)).toBe(body);
    expect(await curl(`http://${b.ip}:8080/`)).toBe(body);

    expect(await t.network.setUp(request(idA))).toEqual(a);
    expect(await t.network.status(idA)).toEqual(a);
    expect((await bridgePorts(t.bridge)).length).toBe(2);
    expect((await ipamAllocations(t.ipamDir)).sort()).toEqual([a.ip, b.ip].sort());
  });

  it('publishes a hostPort through portmap to the host and to other pods', async () => {
    const hostPort = await freePort('0.0.0.0');
    const id = newId();
    const s = await t.network.setUp(
      request(id, [{ containerPort: 8080, hostPort, protocol: 'TCP' }]),
    );
    const body = `served by ${id}`;
    disposables.push(await startHttpd(s.netnsPath, 8080, body));
    expect(await curl(`http://127.0.0.1:${hostPort}/`)).toBe(body);
    expect(await curl(`http://${t.gateway}:${hostPort}/`)).toBe(body);
    const other = await t.network.setUp(request(newId()));
    expect(await curl(`http://${t.gateway}:${hostPort}/`, other.netnsPath)).toBe(body);
  });

  it('tearDown removes the veth, the IPAM allocation, the iptables rules and the pin, and is idempotent', async () => {
    const id = newId();
    const hostPort = await freePort('0.0.0.0');
    const before = await leftovers(id);
    expect(before).toEqual(nothingLeft);
    const s = await t.network.setUp(
      request(id, [{ containerPort: 80, hostPort, protocol: 'TCP' }]),
    );
    const during = await leftovers(id);
    expect(during.pin).toBe(true);
    // The ipMasq chain (CNI-<hash>) and the portmap chain (CNI-DN-<hash>) of this sandbox.
    expect(
      (during.iptables as string[]).some((l) =>
        l.startsWith(`:CNI-DN-${chainHash(t.networkName, id)}`),
      ),
    ).toBe(true);
    expect(
      (during.iptables as string[]).some((l) =>
        l.startsWith(`:CNI-${chainHash(t.networkName, id)}`),
      ),
    ).toBe(true);
    expect(await ipamAllocations(t.ipamDir)).toEqual([s.ip]);
    expect((await bridgePorts(t.bridge)).length).toBe(1);

    await t.network.tearDown(id);
    expect(await leftovers(id)).toEqual(before);
    expect(await iptablesLines([`${s.ip}/`, `${s.ip}:`])).toEqual([]);
    expect(await bridgePorts(t.bridge)).toEqual([]);
    expect(await ipamAllocations(t.ipamDir)).toEqual([]);
    expect(await readdir(join(t.stateDir, 'sandboxes'))).toEqual([]);

    await t.network.tearDown(id);
    await t.network.tearDown(newId());
    expect(await leftovers(id)).toEqual(before);
  });

  it('a restarted shim reports existing sandboxes and reconcile removes those not kept', async () => {
    const [idA, idB] = [newId(), newId()];
    const a = await t.network.setUp(request(idA));
    const b = await t.network.setUp(request(idB));

    const restarted = t.newNetwork();
    expect(await restarted.status(idA)).toEqual(a);
    expect(await restarted.list()).toEqual([idA, idB].sort());

    await restarted.reconcile(new Set([idB]));
    expect(await restarted.status(idA)).toBeUndefined();
    expect(await restarted.status(idB)).toEqual(b);
    expect(await leftovers(idA)).toEqual(nothingLeft);
    expect(await ipamAllocations(t.ipamDir)).toEqual([b.ip]);
    expect((await bridgePorts(t.bridge)).length).toBe(1);

    await restarted.reconcile(new Set());
    expect(await leftovers(idB)).toEqual(nothingLeft);
    expect(await ipamAllocations(t.ipamDir)).toEqual([]);
    expect(await bridgePorts(t.bridge)).toEqual([]);
  });

  it('reconcile finishes a setUp that crashed half way', async () => {
    const id = newId();
    const s = await t.network.setUp(request(id));
    // As if the shim died after ADD but before recording `ready`.
    const recPath = join(t.stateDir, 'sandboxes', `${id}.json`);
    const rec = JSON.parse(await readFile(recPath, 'utf8')) as SandboxRecord;
    delete rec.result;
    delete rec.status;
    await writeFile(recPath, JSON.stringify({ ...rec, phase: 'creating' }));

    const restarted = t.newNetwork();
    expect(await restarted.status(id)).toBeUndefined();
    await restarted.reconcile(new Set());
    expect(await leftovers(id)).toEqual(nothingLeft);
    expect(await ipamAllocations(t.ipamDir)).not.toContain(s.ip);
    expect(await bridgePorts(t.bridge)).toEqual([]);
  });

  it('reconcile removes a pin that has no record', async () => {
    const id = newId();
    await createPinnedNetns(t.network.netnsPath(id));
    expect(await t.network.list()).toEqual([id]);
    await t.network.reconcile(new Set());
    expect(await leftovers(id)).toEqual(nothingLeft);
  });

  it('a sandbox whose namespace vanished (as after a reboot) is not reported, and setUp makes it anew', async () => {
    // ipMasq off: without the netns the bridge plugin cannot find the masquerade rules to delete (a reboot flushes them).
    const u = await makeTestNetwork({ ipMasq: false });
    try {
      const id = newId();
      const first = await u.network.setUp(request(id));
      await sh('umount', [first.netnsPath]);
      expect(await u.network.status(id)).toBeUndefined();
      // The kernel destroys an unreferenced namespace (and with it the veth pair) asynchronously.
      await waitFor(async () => (await bridgePorts(u.bridge)).length === 0, {
        timeoutMs: 10_000,
        what: "the vanished namespace's veth to leave the bridge",
      });

      const again = await u.network.setUp(request(id));
      expect(await isPinnedNetns(again.netnsPath)).toBe(true);
      expect(await ipamAllocations(u.ipamDir)).toEqual([again.ip]);
      expect((await bridgePorts(u.bridge)).length).toBe(1);
      await u.network.tearDown(id);
      expect(await ipamAllocations(u.ipamDir)).toEqual([]);
      expect(await iptablesLines([id, chainHash(u.networkName, id), u.subnet])).toEqual([]);
    } finally {
      await u[Symbol.asyncDispose]();
    }
  });

  it('sets up and tears down many sandboxes at once; one id at a time', async () => {
    const ids = Array.from({ length: 5 }, newId);
    const first = ids[0] as string;
    const results = await Promise.all([
      ...ids.map((id) => t.network.setUp(request(id))),
      t.network.setUp(request(first)),
    ]);
    const ips = results.slice(0, ids.length).map((r) => r.ip);
    expect(new Set(ips).size).toBe(ids.length);
    expect(results[ids.length]).toEqual(results[0]);
    expect((await bridgePorts(t.bridge)).length).toBe(ids.length);
    expect((await ipamAllocations(t.ipamDir)).sort()).toEqual([...ips].sort());

    await Promise.all([...ids.map((id) => t.network.tearDown(id)), t.network.tearDown(first)]);
    expect(await t.network.list()).toEqual([]);
    expect(await bridgePorts(t.bridge)).toEqual([]);
    expect(await ipamAllocations(t.ipamDir)).toEqual([]);
    expect(
      await iptablesLines([t.subnet, ...ids, ...ips.flatMap((ip) => [`${ip}/`, `${ip}:`])]),
    ).toEqual([]);
  });
});
