import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CniConfigError, CniError } from './errors.js';
import { execPlugin, findPlugin, type PluginCall } from './invoke.js';

// Fake plugins (shell scripts) to test the calling convention and error mapping;
// the real plugins are exercised in cni-network.test.ts.
const plugins: Record<string, string> = {
  echo: `#!/bin/sh
stdin=$(cat)
printf '{"cniVersion":"1.0.0","env":"%s|%s|%s|%s|%s|%s","stdin":%s}' "$CNI_COMMAND" "$CNI_CONTAINERID" "$CNI_NETNS" "$CNI_IFNAME" "$CNI_PATH" "$CNI_ARGS" "$stdin"
`,
  cnierr: `#!/bin/sh
echo '{"cniVersion":"1.0.0","code":7,"msg":"invalid network config","details":"bridge name too long"}'
exit 1
`,
  stderr: `#!/bin/sh
echo 'panic: something broke' >&2
exit 2
`,
  hang: `#!/bin/sh
exec sleep 600
`,
};

describe('execPlugin', () => {
  let binDir: string;
  const call = (plugin: string, over: Partial<PluginCall> = {}): PluginCall => ({
    binDir,
    plugin,
    command: 'ADD',
    containerId: 'sb1',
    netns: '/x/netns/sb1',
    ifName: 'eth0',
    args: 'IgnoreUnknown=1;K8S_POD_NAME=p',
    stdin: '{"a":1}',
    timeoutMs: 20_000,
    ...over,
  });

  beforeAll(async () => {
    binDir = await mkdtemp(join(tmpdir(), 'tug-cnibin-'));
    for (const [name, text] of Object.entries(plugins)) {
      await writeFile(join(binDir, name), text);
      await chmod(join(binDir, name), 0o755);
    }
  });
  afterAll(async () => {
    await rm(binDir, { recursive: true, force: true });
  });

  it('passes the CNI env and the config on stdin, and returns stdout', async () => {
    const out = JSON.parse(await execPlugin(call('echo'))) as { env: string; stdin: unknown };
    expect(out.env).toBe(`ADD|sb1|/x/netns/sb1|eth0|${binDir}|IgnoreUnknown=1;K8S_POD_NAME=p`);
    expect(out.stdin).toEqual({ a: 1 });
  });

  it('maps the CNI error JSON to a CniError', async () => {
    const e = (await execPlugin(call('cnierr', { command: 'DEL' })).catch(
      (x: unknown) => x,
    )) as CniError;
    expect(e).toBeInstanceOf(CniError);
    expect(e).toMatchObject({
      plugin: 'cnierr',
      command: 'DEL',
      code: 7,
      msg: 'invalid network config',
      details: 'bridge name too long',
      exitCode: 1,
      timedOut: false,
    });
  });

  it('falls back to stderr when there is no error JSON', async () => {
    const e = (await execPlugin(call('stderr')).catch((x: unknown) => x)) as CniError;
    expect(e).toBeInstanceOf(CniError);
    expect(e.code).toBeUndefined();
    expect(e.msg).toContain('panic: something broke');
    expect(e.exitCode).toBe(2);
  });

  it('kills a plugin at its deadline', async () => {
    const e = (await execPlugin(call('hang', { timeoutMs: 200 })).catch(
      (x: unknown) => x,
    )) as CniError;
    expect(e).toBeInstanceOf(CniError);
    expect(e.timedOut).toBe(true);
  });

  it('findPlugin finds executables and names a missing one', async () => {
    expect(await findPlugin(binDir, 'echo')).toBe(join(binDir, 'echo'));
    await expect(findPlugin(binDir, 'nosuch')).rejects.toBeInstanceOf(CniConfigError);
  });
});
