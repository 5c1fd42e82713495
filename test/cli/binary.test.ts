import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliHarness, type CliHarness } from './harness.js';

const execFileP = promisify(execFile);
const repo = new URL('../../', import.meta.url).pathname;
const tug = join(repo, 'bin/tug');

// These run bin/tug as a process (dist/cli/main.js, from `npm run build`).
describe('the tug binary', () => {
  let h: CliHarness;
  beforeAll(async () => {
    if (!existsSync(join(repo, 'dist/cli/main.js'))) {
      throw new Error('dist/cli/main.js is missing: run `npm run build` before this test');
    }
    h = await startCliHarness();
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('answers --help and per-verb --help without a cluster', async () => {
    const top = await execFileP(process.execPath, [tug, '--help']);
    expect(top.stdout).toMatch(/^Usage: tug/);
    for (const verb of [
      'apply',
      'get',
      'describe',
      'delete',
      'scale',
      'rollout',
      'drain',
      'config',
    ]) {
      expect(top.stdout).toContain(`  ${verb} `);
    }
    const get = await execFileP(process.execPath, [tug, 'get', '--help']);
    expect(get.stdout).toMatch(/--selector <selector>/);
    expect(get.stdout).toMatch(/-A, --all-namespaces/);
  });

  it('applies from stdin and gets, like kubectl', async () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: piped\ndata:\n  a: "1"\n';
    const applied = await h.tugBinary(['apply', '-f', '-'], { stdin: cm });
    expect(applied).toEqual({ out: 'configmap/piped created\n', err: '', code: 0 });
    const ns = await h.tugBinary(['get', 'ns']);
    expect(ns.code).toBe(0);
    expect(ns.out).toMatch(/^NAME\s+STATUS\s+AGE\ndefault\s+Active\s/);
    const v = await h.tugBinary(['version']);
    expect(v.out).toMatch(/^Client Version: v\d+\.\d+\.\d+\nServer Version: v1\.\d+/);
  });

  it('fails with exit 1 and a kubectl-style message, never a stack trace unless TUG_DEBUG', async () => {
    const r = await h.tugBinary(['get', 'deploy', 'missing']);
    expect(r).toEqual({
      out: '',
      err: 'Error from server (NotFound): deployments.apps "missing" not found\n',
      code: 1,
    });
    const bad = await h.tugBinary(['get', 'deploy', '--bogus']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/unknown option '--bogus'/);
    const debug = await h.tugBinary(['get', 'deploy', 'missing'], { env: { TUG_DEBUG: '1' } });
    expect(debug.err).toMatch(/\n\s+at /);
    const down = await execFileP(process.execPath, [
      tug,
      '--server',
      'https://127.0.0.1:1',
      '--token',
      'x',
      'get',
      'ns',
    ]).then(
      () => ({ stderr: '', code: 0 }),
      (e: { stderr: string; code: number }) => e,
    );
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(
      'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n',
    );
  });

  it('finds the kubeconfig in KUBECONFIG, then ~/.tug/kubeconfig, and edits contexts', async () => {
    const home = join(h.dir, 'home');
    await mkdir(join(home, '.tug'), { recursive: true });
    await copyFile(h.kubeconfig, join(home, '.tug', 'kubeconfig'));
    const env = { ...process.env, HOME: home, KUBECONFIG: '' };
    const viaHome = await execFileP(process.execPath, [tug, 'get', 'ns', 'default', '-o', 'name'], {
      env,
    });
    expect(viaHome.stdout).toBe('namespace/default\n');
    const viaEnv = await execFileP(process.execPath, [tug, 'config', 'get-contexts'], {
      env: {
        ...env,
        HOME: join(h.dir, 'nowhere'),
        KUBECONFIG: `${join(h.dir, 'missing')}:${h.kubeconfig}`,
      },
    });
    expect(viaEnv.stdout).toMatch(
      /^CURRENT\s+NAME\s+CLUSTER\s+AUTHINFO\s+NAMESPACE\n\*\s+tugboat\s+tugboat\s+tugboat-admin\s+\n$/,
    );
    const view = await h.tugBinary(['config', 'view']);
    expect(view.out).toContain('certificate-authority-data: DATA+OMITTED');
    expect(view.out).toContain('token: REDACTED');
    expect(view.out).toBe((await h.kubectl(['config', 'view'])).out);
    const ctx = await h.tugBinary(['config', 'set-context', '--current', '--namespace=team']);
    expect(ctx.out).toBe('Context "tugboat" modified.\n');
    expect(await readFile(h.kubeconfig, 'utf8')).toMatch(/namespace: team/);
    const none = await h.tugBinary(['get', 'cm']);
    expect(none.err).toBe('No resources found in team namespace.\n');
    expect((await h.tugBinary(['config', 'use-context', 'nope'])).err).toBe(
      'error: no context exists with the name: "nope"\n',
    );
    expect((await h.tugBinary(['config', 'use-context', 'tugboat'])).out).toBe(
      'Switched to context "tugboat".\n',
    );
  });

  it('prints a bash completion script bash accepts', async () => {
    const r = await execFileP(process.execPath, [tug, 'completion', 'bash']);
    expect(r.stdout).toContain('complete -F _tug tug');
    await execFileP('bash', ['-n', '-c', r.stdout]);
  });
});
