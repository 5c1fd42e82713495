import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bridgeConfigList, writeBridgeConfig, type BridgeNetworkOptions } from './bridge-config.js';
import { loadNetworkConfig } from './conf.js';
import { InvalidNetworkRequestError } from './errors.js';

const base: BridgeNetworkOptions = {
  networkName: 'tugboat',
  bridge: 'tug0',
  subnet: '10.244.3.0/24',
  dataDir: '/var/lib/tug/node-a/cni/ipam',
};

describe('bridgeConfigList', () => {
  it('builds bridge + portmap with host-local over the node subnet', () => {
    expect(bridgeConfigList({ ...base, mtu: 1450 })).toEqual({
      cniVersion: '1.0.0',
      name: 'tugboat',
      plugins: [
        {
          type: 'bridge',
          bridge: 'tug0',
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          mtu: 1450,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: '10.244.3.0/24', gateway: '10.244.3.1' }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: '/var/lib/tug/node-a/cni/ipam',
          },
        },
        { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      ],
    });
  });

  it('keeps a given gateway and ipMasq=false', () => {
    const c = bridgeConfigList({
      ...base,
      subnet: '10.8.0.0/16',
      gateway: '10.8.255.254',
      ipMasq: false,
    });
    expect(JSON.stringify(c)).toContain('"gateway":"10.8.255.254"');
    expect(JSON.stringify(c)).toContain('"ipMasq":false');
  });

  it('rejects bad options with the field at fault', () => {
    const field = (o: Partial<BridgeNetworkOptions>): string | undefined => {
      try {
        bridgeConfigList({ ...base, ...o });
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidNetworkRequestError);
        return (e as InvalidNetworkRequestError).field;
      }
      return undefined;
    };
    expect(field({ networkName: 'a b' })).toBe('networkName');
    expect(field({ bridge: 'a-bridge-name-too-long' })).toBe('bridge');
    expect(field({ subnet: '10.244.3.0' })).toBe('subnet');
    expect(field({ subnet: '10.244.3.1/24' })).toBe('subnet');
    expect(field({ subnet: '10.244.3.0/31' })).toBe('subnet');
    expect(field({ subnet: 'fd00::/64' })).toBe('subnet');
    expect(field({ gateway: '10.244.4.1' })).toBe('gateway');
    expect(field({ gateway: '10.244.3.255' })).toBe('gateway');
    expect(field({ dataDir: 'relative/dir' })).toBe('dataDir');
    expect(field({ mtu: 70000 })).toBe('mtu');
    expect(field({})).toBeUndefined();
  });
});

describe('writeBridgeConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tug-bridgeconf-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a conflist that loadNetworkConfig picks, and nothing else', async () => {
    const confDir = join(dir, 'net.d');
    const path = await writeBridgeConfig(confDir, base);
    expect(path).toBe(join(confDir, '10-tugboat.conflist'));
    expect(await readdir(confDir)).toEqual(['10-tugboat.conflist']);
    const net = await loadNetworkConfig(confDir);
    expect(net.name).toBe('tugboat');
    expect(net.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
  });

  it('changes nothing on bad options', async () => {
    await expect(writeBridgeConfig(dir, { ...base, subnet: 'x' })).rejects.toBeInstanceOf(
      InvalidNetworkRequestError,
    );
    await expect(
      writeBridgeConfig(dir, { ...base, fileName: '../x.conflist' }),
    ).rejects.toBeInstanceOf(InvalidNetworkRequestError);
    expect(await readdir(dir)).toEqual([]);
  });
});
