import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bridgeConfigList } from './bridge-config.js';
import { CniNetwork } from './cni-network.js';
import { CniConfigError, CniError, InvalidNetworkRequestError } from './errors.js';
import {
  bridgePorts,
  chainHash,
  iptablesLines,
  ipamAllocations,
  makeTestNetwork,
  sh,
  type TestNetwork,
} from './test-fixture.js';
import type { SandboxNetworkRequest } from './types.js';

// Failures must leave nothing behind; checked with the real plugins, as root.

const newId = (): string => `sb-${randomBytes(5).toString('hex')}`;
const request = (sandboxId: string): SandboxNetworkRequest => ({
  sandboxId,
  name: 'web',
  namespace: 'default',
  uid: randomUUID(),
  portMappings: [
    {
      containerPort: 80,
      hostPort: 40000 + (randomBytes(2).readUInt16BE() % 20000),
      protocol: 'TCP',
    },
  ],
});

describe('CniNetwork failures', () => {
  let t: TestNetwork;
  beforeEach(async () => {
    t = await makeTestNetwork();
  });
  afterEach(async () => {
    await t[Symbol.asyncDispose]();
  });

  const confFile = (): string => join(t.confDir, `10-${t.networkName}.conflist`);
  const writeConf = (conf: unknown): Promise<void> => writeFile(confFile(), JSON.stringify(conf));
  const bridgeConf = (): Record<string, unknown> =>
    bridgeConfigList({
      networkName: t.networkName,
      bridge: t.bridge,
      subnet: t.subnet,
      dataDir: join(t.dir, 'ipam'),
    });

  const expectNothingLeft = async (id: string): Promise<void> => {
    expect(await t.network.list()).toEqual([]);
    expect(await readdir(join(t.stateDir, 'netns')).catch(() => [])).toEqual([]);
    expect(await readdir(join(t.stateDir, 'sandboxes')).catch(() => [])).toEqual([]);
    expect(await t.network.status(id)).toBeUndefined();
    expect(await bridgePorts(t.bridge)).toEqual([]);
    expect(await ipamAllocations(t.ipamDir)).toEqual([]);
    expect(await iptablesLines([id, chainHash(t.networkName, id), t.subnet])).toEqual([]);
  };

  it('bad JSON is a CniConfigError naming the file, and nothing is made', async () => {
    await writeFile(confFile(), '{"cniVersion": "1.0.0", "name": ');
    const id = newId();
    const e: unknown = await t.network.setUp(request(id)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CniConfigError);
    expect((e as CniConfigError).file).toBe(confFile());
    await expectNothingLeft(id);
  });

  it('a missing plugin is a CniConfigError before anything is made', async () => {
    const conf = bridgeConf();
    (conf['plugins'] as unknown[]).push({ type: 'no-such-plugin' });
    await writeConf(conf);
    const id = newId();
    const e: unknown = await t.network.setUp(request(id)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CniConfigError);
    expect((e as Error).message).toContain('no-such-plugin');
    await expectNothingLeft(id);
    // The chain never ran: not even the bridge exists.
    await expect(sh('ip', ['link', 'show', t.bridge])).rejects.toThrow();
  });

  it('a plugin failing mid-chain is a CniError with its message, and ADD is rolled back', async () => {
    const conf = bridgeConf();
    (conf['plugins'] as unknown[]).push({
      type: 'tuning',
      sysctl: { 'net.tugboat.nonexistent': '1' },
    });
    await writeConf(conf);
    const id = newId();
    const e: unknown = await t.network.setUp(request(id)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CniError);
    expect(e).toMatchObject({ plugin: 'tuning', command: 'ADD', code: 999 });
    expect((e as CniError).msg).toContain('net/tugboat/nonexistent');
    // bridge and portmap did run (the bridge exists), and were undone.
    await sh('ip', ['link', 'show', t.bridge]);
    await expectNothingLeft(id);

    // The same id works once the config is fixed.
    await writeConf(bridgeConf());
    const s = await t.network.setUp(request(id));
    expect(s.ip.startsWith(t.prefix)).toBe(true);
  });

  it('a plugin past its deadline is killed and reported as timed out; tearDown recovers later', async () => {
    const impatient = new CniNetwork({
      confDir: t.confDir,
      stateDir: t.stateDir,
      pluginTimeoutMs: 1,
    });
    const id = newId();
    const e: unknown = await impatient.setUp(request(id)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CniError);
    expect((e as CniError).timedOut).toBe(true);
    // Its own cleanup timed out as well, so the record stays for a later tearDown or reconcile.
    await t.network.tearDown(id);
    await expectNothingLeft(id);
  });

  it('rejects bad requests with the field at fault before touching anything', async () => {
    const bad = async (r: SandboxNetworkRequest): Promise<string> => {
      const e: unknown = await t.network.setUp(r).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InvalidNetworkRequestError);
      return (e as InvalidNetworkRequestError).field;
    };
    const id = newId();
    const ok = request(id);
    expect(await bad({ ...ok, sandboxId: '../etc' })).toBe('sandboxId');
    expect(await bad({ ...ok, name: 'a;b' })).toBe('name');
    expect(await bad({ ...ok, uid: 'a b' })).toBe('uid');
    expect(
      await bad({ ...ok, portMappings: [{ containerPort: 0, hostPort: 1, protocol: 'TCP' }] }),
    ).toBe('portMappings[0].containerPort');
    expect(
      await bad({ ...ok, portMappings: [{ containerPort: 80, hostPort: 70000, protocol: 'TCP' }] }),
    ).toBe('portMappings[0].hostPort');
    expect(
      await bad({
        ...ok,
        portMappings: [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' as 'TCP' }],
      }),
    ).toBe('portMappings[0].protocol');
    await expect(t.network.tearDown('a/b')).rejects.toBeInstanceOf(InvalidNetworkRequestError);
    await expectNothingLeft(id);
  });
});
