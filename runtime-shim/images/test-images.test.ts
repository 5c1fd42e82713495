import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import {
  lstat,
  mkdir,
  mkdtemp,
  open,
  readFile,
  readlink,
  readdir,
  stat,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/wait.js';
import { randomHex, runCommand } from './fs-util.js';
import { LocalImageStore } from './store.js';
import { buildTestImages, TestImageNames, type BuiltTestImages } from './test-images.js';
import { cleanupDir } from './testing.js';
import type { ImageRecord } from './types.js';

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-images');

let dir: string;
let built: BuiltTestImages;
let store: LocalImageStore;
let importMs = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tug-test-images-'));
  built = await buildTestImages({ outDir: path.join(dir, 'out'), srcDir });
  store = new LocalImageStore({ root: path.join(dir, 'store') });
  const started = Date.now();
  await store.importArchive(createReadStream(built.busybox.file));
  await store.importArchive(createReadStream(built.webserver.file));
  importMs = Date.now() - started;
});

afterAll(async () => {
  if (dir) await cleanupDir(dir);
});

async function image(name: string): Promise<ImageRecord> {
  const img = await store.get(name);
  if (!img) throw new Error(`${name} not imported`);
  return img;
}

describe('built-in test images', () => {
  it('import under their names, busybox’s layer shared by the webserver', async () => {
    const busybox = await image('busybox');
    expect(busybox.repoTags).toEqual([TestImageNames.busyboxVersioned, TestImageNames.busybox]);
    expect(busybox.config.cmd).toEqual(['sh']);
    const web1 = await image('tugboat/webserver:1');
    const web2 = await image(TestImageNames.webserver2);
    expect(web1.id).not.toBe(web2.id);
    expect(web1.layers).toEqual(web2.layers);
    expect(web1.layers[0]).toBe(busybox.layers[0]);
    expect(web1.config.exposedPorts).toEqual(['8080/tcp']);
    expect(web1.config.entrypoint).toEqual(['/webserver/entrypoint.sh']);
    expect(web2.config.env).toContain('VERSION=2');
    expect(web1.repoDigests).toHaveLength(1);
    // Two distinct layers stored for three images.
    expect(await readdir(path.join(dir, 'store/layers'))).toHaveLength(2);
    expect(built.busybox.images[0]?.id).toBe(busybox.id);
    console.log(`imported busybox.tar + webserver.tar in ${importMs} ms`);
  });

  it('builds the same archives again, byte for byte', async () => {
    const again = await buildTestImages({ outDir: path.join(dir, 'again'), srcDir });
    expect((await readFile(again.busybox.file)).equals(await readFile(built.busybox.file))).toBe(
      true,
    );
    expect(
      (await readFile(again.webserver.file)).equals(await readFile(built.webserver.file)),
    ).toBe(true);
  });

  it('busybox has its applets, passwd/group and a sticky /tmp', async () => {
    const merged = await store.mountRootfs('bb-check', await image('busybox:1.35'));
    try {
      expect(await readFile(path.join(merged, 'etc/passwd'), 'utf8')).toContain(
        'nobody:x:65534:65534:',
      );
      expect(await readFile(path.join(merged, 'etc/group'), 'utf8')).toContain('nobody:x:65534:');
      expect((await stat(path.join(merged, 'tmp'))).mode & 0o7777).toBe(0o1777);
      expect(await readlink(path.join(merged, 'bin/sh'))).toBe('/bin/busybox');
      expect((await lstat(path.join(merged, 'usr/bin/wget'))).isSymbolicLink()).toBe(true);
      const out = await runCommand('chroot', [
        merged,
        '/bin/sh',
        '-c',
        'echo $((6 * 7)) $(id -u nobody)',
      ]);
      expect(out.trim()).toBe('42 65534');
    } finally {
      await store.unmountRootfs('bb-check');
    }
  });

  it('the webserver runs in crun and answers on 8080 (and on $PORT)', async () => {
    const netns = `tugimg-${randomHex(4)}`;
    const crunRoot = path.join(dir, 'crun');
    const ids = [`web1-${randomHex(3)}`, `web2-${randomHex(3)}`];
    await mkdir(crunRoot, { recursive: true });
    await runCommand('ip', ['netns', 'add', netns]);
    try {
      await runCommand('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
      const specs = [
        { id: ids[0] ?? '', img: await image(TestImageNames.webserver1), env: [], port: 8080 },
        {
          id: ids[1] ?? '',
          img: await image(TestImageNames.webserver2),
          env: ['PORT=9090'],
          port: 9090,
        },
      ];
      for (const s of specs) {
        const merged = await store.mountRootfs(s.id, s.img);
        const bundle = path.join(dir, 'bundles', s.id);
        await writeBundle(bundle, merged, s.img, s.env, netns, s.id);
        await crunDetached(
          crunRoot,
          ['run', '-d', '--bundle', bundle, s.id],
          path.join(bundle, 'ctr.log'),
        );
      }
      const curl = (port: number, p: string): Promise<string> =>
        runCommand('nsenter', [
          `--net=/var/run/netns/${netns}`,
          'curl',
          '-sf',
          '--max-time',
          '10',
          `http://127.0.0.1:${port}${p}`,
        ]);
      const home1 = await waitFor(() => curl(8080, '/'), {
        timeoutMs: 30_000,
        what: 'webserver:1 answering',
      });
      expect(home1).toBe(`hello from ${ids[0]} version 1\n`);
      expect(await curl(8080, '/healthz')).toBe('ok\n');
      expect(await curl(8080, '/burn?ms=50')).toBe(`burned 50ms on ${ids[0]} version 1\n`);
      const home2 = await waitFor(() => curl(9090, '/'), {
        timeoutMs: 30_000,
        what: 'webserver:2 answering',
      });
      expect(home2).toBe(`hello from ${ids[1]} version 2\n`);
      await expect(curl(8080, '/nope')).rejects.toThrow();

      // Each request logs its line before it answers, so all four are there now.
      const log1 = await readFile(path.join(dir, 'bundles', ids[0] ?? '', 'ctr.log'), 'utf8');
      const lines = log1.split('\n').filter((x) => / GET /.test(x));
      expect(lines.length).toBeGreaterThanOrEqual(4);
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^\\S+Z GET / 200 host=${ids[0]} version=1$`)),
      );
      expect(lines).toContainEqual(expect.stringContaining('GET /healthz 200'));
      expect(lines).toContainEqual(expect.stringContaining('GET /burn?ms=50 200'));
      expect(lines).toContainEqual(expect.stringContaining('GET /nope 404'));

      // SIGTERM stops it (PID 1 traps it).
      await crun(crunRoot, ['kill', ids[0] ?? '', 'TERM']);
      await waitFor(
        async () =>
          (JSON.parse(await crun(crunRoot, ['state', ids[0] ?? ''])) as { status: string })
            .status === 'stopped',
        { timeoutMs: 30_000, what: 'webserver:1 stopped after SIGTERM' },
      );
    } finally {
      for (const id of ids) {
        await crun(crunRoot, ['delete', '-f', id]).catch(() => {});
        await store.unmountRootfs(id).catch(() => {});
      }
      await runCommand('ip', ['netns', 'del', netns]).catch(() => {});
    }
    expect(await store.listRootfs()).toEqual([]);
  });
});

// crun fails on a hybrid cgroup layout whose v2 controllers file lists a
// controller (RUNTIME-NOTES); then each call runs in a mount namespace
// without the cgroup2 mount.
async function crunCommand(crunRoot: string, args: string[]): Promise<[string, string[]]> {
  const controllers = await readFile('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').catch(
    () => '',
  );
  if (controllers.trim() === '') return ['crun', ['--root', crunRoot, ...args]];
  return [
    'unshare',
    [
      '-m',
      'sh',
      '-c',
      'umount /sys/fs/cgroup/unified && exec crun "$@"',
      'sh',
      '--root',
      crunRoot,
      ...args,
    ],
  ];
}

async function crun(crunRoot: string, args: string[]): Promise<string> {
  const [cmd, full] = await crunCommand(crunRoot, args);
  return runCommand(cmd, full);
}

// crunDetached runs `crun run -d` with the container's output going to a file:
// a pipe would be inherited by the container and never close.
async function crunDetached(crunRoot: string, args: string[], logFile: string): Promise<void> {
  const [cmd, full] = await crunCommand(crunRoot, args);
  const log = await open(logFile, 'a');
  try {
    const child = spawn(cmd, full, { stdio: ['ignore', log.fd, log.fd] });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0)
      throw new Error(`crun ${args.join(' ')} exited ${code}: ${await readFile(logFile, 'utf8')}`);
  } finally {
    await log.close();
  }
}

async function writeBundle(
  bundle: string,
  rootfs: string,
  img: ImageRecord,
  extraEnv: string[],
  netns: string,
  id: string,
): Promise<void> {
  await mkdir(bundle, { recursive: true });
  await runCommand('crun', ['spec', '-b', bundle]);
  const spec = JSON.parse(await readFile(path.join(bundle, 'config.json'), 'utf8')) as {
    process: { terminal: boolean; args: string[]; env: string[]; cwd: string };
    root: { path: string; readonly: boolean };
    hostname: string;
    linux: { namespaces: { type: string; path?: string }[]; cgroupsPath?: string };
  };
  spec.process.terminal = false;
  spec.process.args = [...(img.config.entrypoint ?? []), ...(img.config.cmd ?? [])];
  spec.process.env = [...(img.config.env ?? []), ...extraEnv];
  spec.process.cwd = img.config.workingDir ?? '/';
  spec.root = { path: rootfs, readonly: false };
  spec.hostname = id;
  spec.linux.namespaces = spec.linux.namespaces
    .filter((n) => n.type !== 'network')
    .concat([{ type: 'network', path: `/var/run/netns/${netns}` }]);
  spec.linux.cgroupsPath = `/tug-images-test-${id}`;
  await writeFile(path.join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
}
