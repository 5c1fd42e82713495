import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadNetworkConfig, parseNetworkConfig, pluginStdin, type PluginConf } from './conf.js';
import { CniConfigError, isCniConfigError } from './errors.js';

const plugin = (type: string, extra: Record<string, unknown> = {}): PluginConf => ({
  type,
  ...extra,
});
const list = (name: string, ...types: string[]): string =>
  JSON.stringify({ cniVersion: '1.0.0', name, plugins: types.map((t) => plugin(t)) });

describe('loadNetworkConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tug-cniconf-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prefers the lexically first conflist over any .conf/.json', async () => {
    await writeFile(
      join(dir, '00-single.conf'),
      JSON.stringify({ cniVersion: '1.0.0', name: 'single', type: 'bridge' }),
    );
    await writeFile(join(dir, '20-b.conflist'), list('b', 'bridge'));
    await writeFile(join(dir, '10-a.conflist'), list('a', 'bridge', 'portmap'));
    await mkdir(join(dir, '05-dir.conflist'));
    const net = await loadNetworkConfig(dir);
    expect(net.name).toBe('a');
    expect(net.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    expect(net.file).toBe(join(dir, '10-a.conflist'));
  });

  it('wraps the lexically first .conf/.json into a one-plugin list when there is no conflist', async () => {
    await writeFile(
      join(dir, 'b.conf'),
      JSON.stringify({ cniVersion: '0.4.0', name: 'b', type: 'ptp' }),
    );
    await writeFile(
      join(dir, 'a.json'),
      JSON.stringify({ cniVersion: '0.3.1', name: 'a', type: 'bridge', mtu: 1400 }),
    );
    await writeFile(join(dir, 'readme.txt'), 'not a config');
    const net = await loadNetworkConfig(dir);
    expect(net).toMatchObject({ name: 'a', cniVersion: '0.3.1' });
    expect(net.plugins).toEqual([{ cniVersion: '0.3.1', name: 'a', type: 'bridge', mtu: 1400 }]);
  });

  it('fails with CniConfigError for a missing dir, an empty dir and a broken chosen file', async () => {
    await expect(loadNetworkConfig(join(dir, 'nope'))).rejects.toBeInstanceOf(CniConfigError);
    await expect(loadNetworkConfig(dir)).rejects.toBeInstanceOf(CniConfigError);
    await writeFile(join(dir, '10-bad.conflist'), '{"cniVersion": "1.0.0", ');
    await writeFile(join(dir, '20-good.conflist'), list('good', 'bridge'));
    const e: unknown = await loadNetworkConfig(dir).catch((x: unknown) => x);
    expect(isCniConfigError(e)).toBe(true);
    expect((e as CniConfigError).file).toBe(join(dir, '10-bad.conflist'));
  });
});

describe('parseNetworkConfig', () => {
  const bad = (text: string, file = 'x.conflist'): unknown => {
    try {
      parseNetworkConfig(text, file);
    } catch (e) {
      return e;
    }
    return undefined;
  };

  it('rejects what libcni or the plugins would reject', () => {
    expect(bad('[]')).toBeInstanceOf(CniConfigError);
    expect(
      bad(JSON.stringify({ cniVersion: '1.0.0', plugins: [plugin('bridge')] })),
    ).toBeInstanceOf(CniConfigError);
    expect(
      bad(JSON.stringify({ cniVersion: '1.0.0', name: 'bad name', plugins: [plugin('bridge')] })),
    ).toBeInstanceOf(CniConfigError);
    expect(
      bad(JSON.stringify({ cniVersion: '0.2.0', name: 'n', plugins: [plugin('bridge')] })),
    ).toBeInstanceOf(CniConfigError);
    expect(bad(JSON.stringify({ cniVersion: '1.0.0', name: 'n', plugins: [] }))).toBeInstanceOf(
      CniConfigError,
    );
    expect(
      bad(JSON.stringify({ cniVersion: '1.0.0', name: 'n', plugins: [plugin('../bin/sh')] })),
    ).toBeInstanceOf(CniConfigError);
    expect(
      bad(
        JSON.stringify({
          cniVersion: '1.0.0',
          name: 'n',
          plugins: [plugin('portmap', { capabilities: { portMappings: 'yes' } })],
        }),
      ),
    ).toBeInstanceOf(CniConfigError);
  });

  it('accepts every supported version', () => {
    for (const v of ['0.3.0', '0.3.1', '0.4.0', '1.0.0']) {
      expect(
        parseNetworkConfig(
          JSON.stringify({ cniVersion: v, name: 'n', plugins: [plugin('bridge')] }),
          'f.conflist',
        ).cniVersion,
      ).toBe(v);
    }
  });
});

describe('pluginStdin', () => {
  const net = { name: 'tug', cniVersion: '1.0.0' };

  it('injects name, version and prevResult, and only the declared capabilities', () => {
    const p = plugin('portmap', {
      name: 'ignored',
      capabilities: { portMappings: true, bandwidth: false },
      snat: true,
    });
    const prev = { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }] };
    const caps = {
      portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }],
      bandwidth: { rate: 1 },
    };
    const conf = JSON.parse(pluginStdin(net, p, prev, caps)) as Record<string, unknown>;
    expect(conf).toEqual({
      type: 'portmap',
      name: 'tug',
      cniVersion: '1.0.0',
      capabilities: { portMappings: true, bandwidth: false },
      snat: true,
      prevResult: prev,
      runtimeConfig: { portMappings: caps.portMappings },
    });
  });

  it('leaves out prevResult and runtimeConfig when there is nothing to pass', () => {
    const conf = JSON.parse(
      pluginStdin(net, plugin('bridge'), undefined, { portMappings: [] }),
    ) as Record<string, unknown>;
    expect(conf).toEqual({ type: 'bridge', name: 'tug', cniVersion: '1.0.0' });
  });
});
