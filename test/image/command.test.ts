/**
 * `tug image build|import|ls|rm` through imageCommand, with a real
 * `bin/tug-shim` as the one node (and a node whose shim is not there).
 * Needs root and `npm run build` (the shim runs from dist/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/wait.js';
import { connectRuntime, type RuntimeClients } from '../../proto/loader.js';
import { imageCommand, type ImageCommandContext } from '../../cli/image/index.js';
import { readCgroupLayout } from '../../runtime-shim/cgroups/layout.js';
import { removeCgroup } from '../../runtime-shim/cgroups/remove.js';
import { runCommand } from '../../runtime-shim/util/command.js';
import { busyboxArchive, mountsUnder, repo } from './support.js';

class Buf {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

describe('tug image with a real shim', () => {
  const tag = randomBytes(4).toString('hex');
  const cgroupParent = `/tug-test-image-${tag}`;
  let dir: string;
  let shim: ChildProcess | undefined;
  let client: RuntimeClients;
  let address: string;
  let ctx: ImageCommandContext;
  let busybox: string;

  const tug = async (
    args: string[],
    c: ImageCommandContext = ctx,
  ): Promise<{ code: number; stdout: string; stderr: string }> => {
    const stdout = new Buf();
    const stderr = new Buf();
    const code = await imageCommand(args, { stdout, stderr, cwd: dir }, c);
    return { code, stdout: stdout.text, stderr: stderr.text };
  };

  const nodeTags = async (): Promise<Map<string, string>> => {
    const { images } = await client.image.ListImages({}, { timeoutMs: 30_000 });
    return new Map(images.flatMap((i) => i.repoTags.map((t): [string, string] => [t, i.id])));
  };

  beforeAll(async () => {
    if (!existsSync(join(repo, 'dist', 'runtime-shim', 'main.js'))) {
      throw new Error('dist/runtime-shim/main.js is missing: run `npm run build` before this test');
    }
    dir = await mkdtemp(join(tmpdir(), `tug-image-cmd-${tag}-`));
    busybox = await busyboxArchive(dir);
    address = `unix://${join(dir, 'shim.sock')}`;
    await mkdir(join(dir, 'cni'));
    const log = openSync(join(dir, 'shim.log'), 'a');
    shim = spawn(
      process.execPath,
      [
        join(repo, 'bin', 'tug-shim'),
        'serve',
        '--root',
        join(dir, 'shim'),
        '--listen',
        address,
        '--cni-conf-dir',
        join(dir, 'cni'),
        '--cgroup-parent',
        cgroupParent,
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    client = connectRuntime(address);
    await waitFor(
      async () => {
        if (shim?.exitCode !== null) {
          throw new Error(`tug-shim exited: ${await readFile(join(dir, 'shim.log'), 'utf8')}`);
        }
        return (await client.runtime.Version({ version: 'v1' }, { timeoutMs: 1000 })).runtimeName;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'tug-shim to serve' },
    );
    ctx = { stateDir: join(dir, 'state'), nodes: [{ name: 'node-a', address }] };
  });

  afterAll(async () => {
    client?.close();
    shim?.kill('SIGTERM');
    if (shim && shim.exitCode === null) await new Promise((r) => shim?.once('exit', r));
    await removeCgroup(await readCgroupLayout(), cgroupParent).catch(() => undefined);
    for (const m of (await mountsUnder(dir)).sort((a, b) => b.length - a.length)) {
      await runCommand('umount', ['-l', m]).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('imports an archive into the builder and every node', async () => {
    const r = await tug(['import', busybox]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'Loaded image: busybox:1.35\nLoaded image: busybox:latest\nImported into node-a\n',
    );
    expect((await nodeTags()).has('docker.io/library/busybox:latest')).toBe(true);
  });

  it('builds an image, imports it into the node, and lists it', async () => {
    const ctxDir = join(dir, 'app');
    await mkdir(ctxDir);
    await writeFile(join(ctxDir, 'index.html'), 'hello from the app\n');
    await writeFile(
      join(ctxDir, 'Dockerfile'),
      'FROM busybox\nWORKDIR /www\nCOPY index.html .\nRUN echo built at build time; ls /www\nEXPOSE 8080\nCMD ["httpd", "-f", "-p", "8080"]\n',
    );
    const r = await tug(['build', '-t', 'tugtest/app:1', 'app']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'Step 1/6 : FROM busybox',
      expect.stringMatching(/^ ---> [a-f0-9]{12}$/),
      'Step 2/6 : WORKDIR /www',
    ]);
    expect(lines).toContain('built at build time');
    expect(lines).toContain('index.html');
    expect(lines).toContain('Successfully tagged tugtest/app:1');
    expect(lines).toContain('Imported into node-a');
    const built = /Successfully built ([a-f0-9]{12})/.exec(r.stdout)?.[1] ?? '';
    expect((await nodeTags()).get('docker.io/tugtest/app:1')).toMatch(
      new RegExp(`^sha256:${built}`),
    );

    const ls = await tug(['ls']);
    expect(ls.code).toBe(0);
    const rows = ls.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(rows[1]).toMatch(
      new RegExp(`^tugtest/app\\s+1\\s+${built}\\s+\\S.* ago\\s+\\d+(\\.\\d+)?[kMG]?B$`),
    );
    expect(rows.filter((l) => /^busybox\s+(latest|1\.35)\s/.test(l))).toHaveLength(2);

    const withNodes = await tug(['ls', '--nodes']);
    expect(withNodes.stdout.split('\n')[0]).toMatch(/SIZE\s+NODES$/);
    expect(withNodes.stdout).toMatch(new RegExp(`^tugtest/app\\s+1\\s+${built}.*node-a$`, 'm'));

    const quiet = await tug(['ls', '-q', '--no-trunc']);
    expect(quiet.stdout).toMatch(new RegExp(`^sha256:${built}[a-f0-9]{52}$`, 'm'));
  });

  it('builds an image the node runs: its Cmd, Env, WorkingDir and User', async () => {
    const ctxDir = join(dir, 'hello');
    await mkdir(ctxDir);
    await writeFile(join(ctxDir, 'msg.txt'), 'a message from the build context\n');
    await writeFile(
      join(ctxDir, 'Dockerfile'),
      'FROM busybox\nWORKDIR /app\nCOPY msg.txt .\nENV WHO=node\nUSER 65534\nCMD ["sh", "-c", "cat msg.txt; echo $WHO; id -u; pwd"]\n',
    );
    expect((await tug(['build', '-q', '-t', 'tugtest/hello:1', 'hello'])).code).toBe(0);
    const config = {
      metadata: { name: `hello-${tag}`, namespace: 'default', uid: `uid-hello-${tag}`, attempt: 0 },
      hostname: 'hello',
      logDirectory: join(dir, 'logs'),
      linux: { securityContext: { namespaceOptions: { network: 'NODE' as const } } },
    };
    const { podSandboxId } = await client.runtime.RunPodSandbox({ config }, { timeoutMs: 60_000 });
    try {
      const { containerId } = await client.runtime.CreateContainer(
        {
          podSandboxId,
          sandboxConfig: config,
          config: {
            metadata: { name: 'hello', attempt: 0 },
            image: { image: 'tugtest/hello:1' },
            logPath: 'hello.log',
          },
        },
        { timeoutMs: 60_000 },
      );
      await client.runtime.StartContainer({ containerId }, { timeoutMs: 60_000 });
      const st = await waitFor(
        async () => {
          const { status } = await client.runtime.ContainerStatus({ containerId });
          return status?.state === 'CONTAINER_EXITED' ? status : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100, what: 'the hello container to exit' },
      );
      expect(st.exitCode).toBe(0);
      const log = await readFile(st.logPath, 'utf8');
      expect(
        log
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => l.replace(/^\S+ stdout F /, '')),
      ).toEqual(['a message from the build context', 'node', '65534', '/app']);
    } finally {
      await client.runtime.RemovePodSandbox({ podSandboxId }, { timeoutMs: 60_000 });
    }
  });

  it('reports Dockerfile errors, a missing base and a failing RUN with exit code 1', async () => {
    const bad = join(dir, 'bad');
    await mkdir(bad);
    await writeFile(join(bad, 'Dockerfile'), 'FROM busybox\nFOO bar\n');
    expect(await tug(['build', 'bad'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: Dockerfile:2: unknown instruction "FOO"\n',
    });
    await writeFile(join(bad, 'Other'), 'FROM nosuch:2\n');
    expect((await tug(['build', '-f', 'bad/Other', 'bad'])).stderr).toBe(
      'error: Other:1: image nosuch:2 not found: import it with `tug image import FILE`\n',
    );
    await writeFile(join(bad, 'Dockerfile'), 'FROM busybox\nRUN echo oops >&2; exit 7\n');
    const r = await tug(['build', '-t', 'tugtest/bad', 'bad']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "oops\nerror: Dockerfile:2: the command '/bin/sh -c echo oops >&2; exit 7' returned a non-zero code: 7\n",
    );
    expect((await nodeTags()).has('docker.io/tugtest/bad:latest')).toBe(false);
    expect(await mountsUnder(join(dir, 'state'))).toEqual([]);
  });

  it('says which node could not take an image, and imports into the others', async () => {
    const two = {
      ...ctx,
      nodes: [...ctx.nodes, { name: 'ghost', address: `unix://${join(dir, 'nope.sock')}` }],
    };
    const r = await tug(['import', busybox], two);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Imported into node-a\n$/);
    expect(r.stderr).toMatch(/^error: node ghost: .+ \(retry with: tug image import FILE\)\n$/);
    const ls = await tug(['ls', '--nodes'], two);
    expect(ls.code).toBe(1);
    expect(ls.stderr).toMatch(/^error: node ghost: /);
    expect(ls.stdout).toMatch(/^busybox\s+latest\s.*node-a$/m);
  });

  it('removes an image from the builder and the nodes', async () => {
    const r = await tug(['rm', 'tugtest/app:1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Untagged: tugtest\/app:1\nDeleted: sha256:[a-f0-9]{64}\n$/);
    expect((await nodeTags()).has('docker.io/tugtest/app:1')).toBe(false);
    expect((await tug(['rm', 'tugtest/app:1'])).stderr).toBe(
      'error: No such image: tugtest/app:1\n',
    );
  });

  it('answers --help and refuses unknown commands', async () => {
    const help = await tug(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/build \[options\] <dir>/);
    const bad = await tug(['frobnicate']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
