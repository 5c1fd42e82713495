import { describe, expect, it } from 'vitest';
import { buildCli } from './main.js';

interface Parsed {
  serve?: Record<string, unknown>;
  imported?: [string, string];
  error?: string;
}

async function run(argv: string[]): Promise<Parsed> {
  const out: Parsed = {};
  const cli = buildCli({
    serve: async (o) => {
      out.serve = { ...o };
    },
    importArchive: async (file, address) => {
      out.imported = [file, address];
    },
  });
  cli.exitOverride().configureOutput({
    writeErr: (s) => (out.error = (out.error ?? '') + s),
    writeOut: () => undefined,
  });
  for (const c of cli.commands) {
    c.exitOverride().configureOutput({
      writeErr: (s) => (out.error = (out.error ?? '') + s),
      writeOut: () => undefined,
    });
  }
  await cli.parseAsync(['node', 'tug-shim', ...argv]).catch((e: unknown) => {
    out.error = (out.error ?? '') + (e instanceof Error ? e.message : String(e));
  });
  return out;
}

describe('tug-shim command line', () => {
  it('serves by default with the documented flags and defaults', async () => {
    const o = await run(['--root', '/var/lib/tug', '--metrics-port', '9100']);
    expect(o.serve).toMatchObject({
      listen: 'unix:///run/tug/shim.sock',
      root: '/var/lib/tug',
      runtime: 'crun',
      cniConfDir: '/etc/cni/net.d',
      cniBinDir: '/usr/lib/cni',
      metricsPort: 9100,
      metricsAddress: '127.0.0.1',
      conmon: 'conmon',
    });
    const r = await run([
      'serve',
      '--root',
      'rel',
      '--runtime',
      'runc',
      '--listen',
      'unix:///tmp/s.sock',
      '--cgroup-parent',
      '/tug-n1',
    ]);
    expect(r.serve).toMatchObject({
      runtime: 'runc',
      listen: 'unix:///tmp/s.sock',
      cgroupParent: '/tug-n1',
    });
    expect(String(r.serve?.['root'])).toMatch(/^\/.*\/rel$/);
  });

  it('refuses bad flags with a clear error and never serves', async () => {
    for (const argv of [
      [],
      ['--root', '/x', '--runtime', 'docker'],
      ['--root', '/x', '--metrics-port', 'abc'],
      ['--root', '/x', '--cgroup-parent', 'rel'],
    ]) {
      const o = await run(argv);
      expect(o.serve).toBeUndefined();
      expect(o.error ?? '').not.toBe('');
    }
  });

  it('imports a file into the shim at --address', async () => {
    expect((await run(['import', '/tmp/a.tar'])).imported).toEqual([
      '/tmp/a.tar',
      'unix:///run/tug/shim.sock',
    ]);
    expect((await run(['import', '-', '--address', 'unix:///s'])).imported).toEqual([
      '-',
      'unix:///s',
    ]);
  });
});
