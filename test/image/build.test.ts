/**
 * `tug image build` for real: overlays, crun, the image store. Builds a
 * Dockerfile over the busybox test image, then checks the image three
 * ways: its record in the builder's store, its layers in the archive
 * written (OCI whiteouts), and its root filesystem as a fresh store
 * imports and mounts it, run with crun. Needs root.
 */
import { randomBytes } from 'node:crypto';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, importImage } from '../../cli/image/index.js';
import { isImageBuildError, type ImageBuildError } from '../../cli/image/errors.js';
import { mountOverlay, removeStaleBuilds } from '../../cli/image/overlay.js';
import { LocalImageStore, type ImageRecord } from '../../runtime-shim/images/index.js';
import { runCommand } from '../../runtime-shim/util/command.js';
import { busyboxArchive, fixCgroups, layerEntries, mountsUnder, runImage } from './support.js';

const DOCKERFILE = `# syntax=docker/dockerfile:1
FROM busybox
# the environment, used below
ENV GREETING=hello \\
    TARGET=/app
WORKDIR $TARGET
COPY hello.txt ./
COPY --chown=1000:1000 --chmod=600 secret.txt /app/secret.txt
COPY site /srv/site
ADD bundle.tar.gz /opt/bundle/
RUN echo "made by run" > /app/made.txt \\
 && mkdir -p /app/tmpdir && echo x > /app/tmpdir/gone && rm -rf /app/tmpdir \\
 && rm /etc/group \\
 && echo 'app:x:1000:1000:app:/home/app:/bin/sh' >> /etc/passwd \\
 && mkdir -p /home/app && chown 1000:1000 /home/app
RUN rm -rf /opt/bundle && mkdir /opt/bundle && echo fresh > /opt/bundle/new
USER app
RUN id -u > /tmp/uid && echo "$GREETING from $(pwd) home $HOME" > /tmp/greeting
EXPOSE 8080
LABEL org.example.test=yes
CMD ["sh", "-c", "cat /app/hello.txt; echo $GREETING; id -u; pwd"]
`;

describe('buildImage with overlays and crun', () => {
  const tag = randomBytes(4).toString('hex');
  let dir: string;
  let store: LocalImageStore;
  let work: string;
  let base: ImageRecord;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `tug-image-build-${tag}-`));
    work = join(dir, 'work');
    store = new LocalImageStore({ root: join(dir, 'store') });
    const { images } = await importImage(await busyboxArchive(dir), { store, nodes: [] });
    base = images.find((i) =>
      i.repoTags.includes('docker.io/library/busybox:latest'),
    ) as ImageRecord;
    await fixCgroups();
  });

  afterAll(async () => {
    for (const m of (await mountsUnder(dir)).sort((a, b) => b.length - a.length)) {
      await runCommand('umount', ['-l', m]).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  });

  async function context(name: string, dockerfile: string): Promise<string> {
    const ctx = join(dir, name);
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), dockerfile);
    return ctx;
  }

  it('builds COPY, ADD, RUN, ENV, WORKDIR, USER, CMD into an image that runs', async () => {
    const ctx = await context('ctx', DOCKERFILE);
    await writeFile(join(ctx, 'hello.txt'), 'hello file\n');
    await writeFile(join(ctx, 'secret.txt'), 's3cret\n');
    await mkdir(join(ctx, 'site/img'), { recursive: true });
    await writeFile(join(ctx, 'site/index.html'), '<h1>hi</h1>\n');
    await writeFile(join(ctx, 'site/img/debug.log'), 'ignored\n');
    await writeFile(join(ctx, 'site/img/logo.svg'), '<svg/>\n');
    await writeFile(join(ctx, '.dockerignore'), '# logs stay out\n**/*.log\n');
    const bundleSrc = join(dir, 'bundle-src');
    await mkdir(join(bundleSrc, 'old'), { recursive: true });
    await writeFile(join(bundleSrc, 'old/file'), 'from the tarball\n');
    await chown(join(bundleSrc, 'old/file'), 42, 43);
    await runCommand('tar', ['-czf', join(ctx, 'bundle.tar.gz'), '-C', bundleSrc, '.']);

    const lines: string[] = [];
    const output: string[] = [];
    const archive = join(dir, 'built.tar');
    const built = await buildImage({
      contextDir: ctx,
      tags: ['tugtest/built:1'],
      store,
      say: (l) => lines.push(l),
      output: (c) => output.push(c.toString()),
      workDir: work,
      archiveOut: archive,
    });

    expect(lines[0]).toBe('Step 1/14 : FROM busybox');
    expect(lines).toContain(
      'Step 8/14 : RUN echo "made by run" > /app/made.txt  && mkdir -p /app/tmpdir && echo x > /app/tmpdir/gone && rm -rf /app/tmpdir  && rm /etc/group  && echo \'app:x:1000:1000:app:/home/app:/bin/sh\' >> /etc/passwd  && mkdir -p /home/app && chown 1000:1000 /home/app',
    );
    expect(lines.at(-2)).toBe(`Successfully built ${built.image.id.slice(7, 19)}`);
    expect(lines.at(-1)).toBe('Successfully tagged tugtest/built:1');
    expect(await mountsUnder(work)).toEqual([]);
    expect(await readdir(work)).toEqual([]);

    const img = built.image;
    expect(img.repoTags).toEqual(['docker.io/tugtest/built:1']);
    expect(img.layers[0]).toBe(base.layers[0]);
    // WORKDIR, 3 COPY, ADD, 3 RUN: each changed the filesystem.
    expect(built.newLayers).toBe(8);
    expect(img.layers).toHaveLength(base.layers.length + 8);
    expect(img.config).toMatchObject({
      cmd: ['sh', '-c', 'cat /app/hello.txt; echo $GREETING; id -u; pwd'],
      workingDir: '/app',
      user: 'app',
      exposedPorts: ['8080/tcp'],
      labels: { 'org.example.test': 'yes' },
    });
    expect(img.config.env).toEqual(expect.arrayContaining(['GREETING=hello', 'TARGET=/app']));
    expect(img.config.env?.some((e) => e.startsWith('PATH='))).toBe(true);
    expect((await store.get('tugtest/built:1'))?.id).toBe(img.id);

    // The layers carry OCI whiteouts: a deleted base file, an opaque re-made directory.
    const layers = await layerEntries(archive);
    const runLayers = layers.slice(-3);
    expect(runLayers[0]).toContain('etc/.wh.group');
    expect(runLayers[1]).toContain('opt/bundle/.wh..wh..opq');
    // No mount points the runtime made, no temp dir of the RUN that removed it.
    for (const l of runLayers) {
      expect(
        l.filter((n) => /^(proc|sys|dev)\/?$|etc\/(hosts|resolv\.conf)$|tmpdir/.test(n)),
      ).toEqual([]);
    }

    // A fresh store imports the archive and mounts the image's root filesystem.
    const fresh = new LocalImageStore({ root: join(dir, 'fresh') });
    const [again] = await fresh.importArchive((await import('node:fs')).createReadStream(archive));
    expect(again?.id).toBe(img.id);
    const root = await fresh.mountRootfs(`check-${tag}`, again as ImageRecord);
    try {
      expect(await readFile(join(root, 'app/hello.txt'), 'utf8')).toBe('hello file\n');
      const secret = await stat(join(root, 'app/secret.txt'));
      expect([secret.uid, secret.gid, secret.mode & 0o777]).toEqual([1000, 1000, 0o600]);
      const hello = await stat(join(root, 'app/hello.txt'));
      expect([hello.uid, hello.gid]).toEqual([0, 0]);
      expect(await readFile(join(root, 'srv/site/index.html'), 'utf8')).toBe('<h1>hi</h1>\n');
      expect(await readdir(join(root, 'srv/site/img'))).toEqual(['logo.svg']);
      expect(await readdir(join(root, 'opt/bundle'))).toEqual(['new']);
      expect(await readFile(join(root, 'app/made.txt'), 'utf8')).toBe('made by run\n');
      await expect(lstat(join(root, 'app/tmpdir'))).rejects.toThrow(/ENOENT/);
      await expect(lstat(join(root, 'etc/group'))).rejects.toThrow(/ENOENT/);
      expect(await readFile(join(root, 'etc/passwd'), 'utf8')).toMatch(/^app:x:1000:1000:/m);
      expect(await readFile(join(root, 'tmp/uid'), 'utf8')).toBe('1000\n');
      expect(await readFile(join(root, 'tmp/greeting'), 'utf8')).toBe(
        'hello from /app home /home/app\n',
      );
      expect(await readFile(join(root, 'bin/busybox')).then((b) => b.length)).toBeGreaterThan(0);

      const run = await runImage(dir, `run-${tag}`, root, img.config, { uid: 1000, gid: 1000 });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toBe('hello file\nhello\n1000\n/app\n');
    } finally {
      await fresh.unmountRootfs(`check-${tag}`);
    }
    expect(output.join('')).toBe('');
  });

  it('stops at a failing RUN with its exit code and output, leaving nothing behind', async () => {
    const ctx = await context(
      'fail',
      'FROM busybox\nRUN echo made > /made\nRUN echo before-fail; echo to-stderr >&2; exit 3\nRUN echo never\n',
    );
    const before = (await store.list()).map((i) => i.id).sort();
    const output: string[] = [];
    const err = await buildImage({
      contextDir: ctx,
      tags: ['tugtest/fail:1'],
      store,
      say: () => {},
      output: (c) => output.push(c.toString()),
      workDir: work,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isImageBuildError(err, 'RunFailed')).toBe(true);
    const e = err as ImageBuildError;
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      "Dockerfile:3: the command '/bin/sh -c echo before-fail; echo to-stderr >&2; exit 3' returned a non-zero code: 3",
    );
    expect(e.output).toMatch(/before-fail/);
    expect(e.output).toMatch(/to-stderr/);
    expect(output.join('')).not.toMatch(/never/);
    expect(await mountsUnder(work)).toEqual([]);
    expect(await readdir(work)).toEqual([]);
    expect((await store.list()).map((i) => i.id).sort()).toEqual(before);
  });

  it('kills the RUN of a cancelled build and leaves nothing behind', async () => {
    const ctx = await context('cancel', 'FROM busybox\nRUN echo started; sleep 600\n');
    const ac = new AbortController();
    // The RUN sleeps far longer than the test may take: it ends only if it is killed.
    const p = buildImage({
      contextDir: ctx,
      tags: ['tugtest/cancel'],
      store,
      say: () => {},
      output: (c) => {
        if (c.toString().includes('started')) ac.abort(new Error('cancelled by the test'));
      },
      workDir: work,
      signal: ac.signal,
    });
    await expect(p).rejects.toThrow('cancelled by the test');
    expect(await mountsUnder(work)).toEqual([]);
    expect(await readdir(work)).toEqual([]);
  });

  it('cleans up after a build whose process died: kills its RUN, unmounts, removes', async () => {
    const stale = join(work, 'tug-build-999999999-dead');
    const step = join(stale, 'step-1');
    await mkdir(step, { recursive: true });
    const files = await store.imageFiles('busybox');
    const overlay = await mountOverlay(step, (files?.layers ?? []).map((l) => l.dir).reverse());
    const bundle = join(stale, 'bundle');
    await mkdir(bundle);
    await runCommand('crun', ['spec'], { cwd: bundle });
    const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as {
      root: unknown;
      process: Record<string, unknown>;
      linux: Record<string, unknown>;
    };
    spec.root = { path: overlay.merged, readonly: false };
    spec.process['terminal'] = false;
    spec.process['args'] = ['sleep', '600'];
    spec.linux['cgroupsPath'] = `/tug-build-stale-${tag}`;
    await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
    const runtime = join(stale, 'runtime');
    const log = join(dir, 'stale-crun.log');
    await runCommand('sh', [
      '-c',
      'exec crun --root "$1" run -d --bundle "$2" "$3" >"$4" 2>&1 </dev/null',
      'sh',
      runtime,
      bundle,
      `stale-${tag}`,
      log,
    ]);
    const { stdout } = await runCommand('crun', ['--root', runtime, 'state', `stale-${tag}`]);
    const pid = (JSON.parse(stdout) as { pid: number }).pid;
    expect(pid).toBeGreaterThan(0);

    await removeStaleBuilds(work);
    expect(await mountsUnder(work)).toEqual([]);
    expect(await readdir(work)).toEqual([]);
    // Gone, or a zombie waiting for whoever it was reparented to.
    const state = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    expect(state === '' || / Z /.test(state)).toBe(true);
  });

  it('builds FROM scratch with a static binary and runs it, with no network', async () => {
    const ctx = await context(
      'scratch',
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nRUN ["/bin/sh", "-c", "ip link | grep -c LOOPBACK > /links"]\nCMD ["/bin/sh", "-c", "echo scratch ok; cat /links"]\n',
    );
    await runCommand('cp', ['/bin/busybox', join(ctx, 'busybox')]);
    await chmod(join(ctx, 'busybox'), 0o755);
    const archive = join(dir, 'scratch.tar');
    const built = await buildImage({
      contextDir: ctx,
      tags: ['tugtest/scratch'],
      store,
      say: () => {},
      workDir: work,
      network: 'none',
      archiveOut: archive,
    });
    expect(built.image.layers).toHaveLength(3);
    expect(built.image.config.cmd).toEqual(['/bin/sh', '-c', 'echo scratch ok; cat /links']);
    const fresh = new LocalImageStore({ root: join(dir, 'fresh-scratch') });
    const [img] = await fresh.importArchive((await import('node:fs')).createReadStream(archive));
    const root = await fresh.mountRootfs(`scratch-${tag}`, img as ImageRecord);
    try {
      // The network namespace of a --network none RUN has only its loopback.
      expect(await readFile(join(root, 'links'), 'utf8')).toBe('1\n');
      expect(await readdir(root)).toEqual(['bin', 'links']);
      const run = await runImage(dir, `scratch-${tag}`, root, built.image.config, {
        uid: 0,
        gid: 0,
      });
      expect(run.stdout).toBe('scratch ok\n1\n');
    } finally {
      await fresh.unmountRootfs(`scratch-${tag}`);
    }
  });
});
