import { status } from '@grpc/grpc-js';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importStream } from '../../runtime-shim/import-client.js';
import { APP_IMAGE, buildTestArchives, type TestArchives } from './support/archives.js';
import { startShim, type ShimHarness } from './support/harness.js';
import { LocalImageStore } from '../../runtime-shim/images/index.js';
import {
  execText,
  expectCode,
  logLines,
  runPod,
  startContainer,
  waitExited,
} from './support/helpers.js';

describe('images over gRPC with the real image store', () => {
  let dir: string;
  let archives: TestArchives;
  let h: ShimHarness;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tug-shim-images-'));
    archives = await buildTestArchives(dir);
    h = await startShim({ images: async (d) => new LocalImageStore({ root: d }) });
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a docker save archive and an OCI layout archive through ImportImage', async () => {
    expect((await h.client.image.ListImages({})).images).toEqual([]);
    const bb = await importStream(createReadStream(archives.busybox), `unix://${h.socket}`);
    expect(bb.map((i) => i.repoTags)).toEqual([['docker.io/library/busybox:latest']]);
    const app = await importStream(createReadStream(archives.app), `unix://${h.socket}`);
    expect(app.map((i) => i.repoTags)).toEqual([[APP_IMAGE]]);
    expect(app[0]?.username).toBe('app');

    const list = await h.client.image.ListImages({});
    expect(list.images.map((i) => i.repoTags[0]).sort()).toEqual([
      'docker.io/library/busybox:latest',
      APP_IMAGE,
    ]);
    // Names normalise like Docker's.
    const st = await h.client.image.ImageStatus({ image: { image: 'busybox' }, verbose: true });
    expect(st.image?.id).toBe(bb[0]?.id);
    expect(JSON.parse(st.info['config'] ?? '{}')).toMatchObject({ cmd: ['sh'] });
    expect((await h.client.image.PullImage({ image: { image: 'tugtest/app:1' } })).imageRef).toBe(
      app[0]?.id,
    );
    const fs = await h.client.image.ImageFsInfo({});
    expect(BigInt(fs.imageFilesystems[0]?.usedBytes?.value ?? '0')).toBeGreaterThan(0n);
  });

  it('refuses an archive that is neither format with INVALID_ARGUMENT', async () => {
    const junk = join(dir, 'junk.tar');
    await writeFile(junk, 'this is not a tar archive at all'.repeat(100));
    await expect(importStream(createReadStream(junk), `unix://${h.socket}`)).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
  });

  it('runs the image config from an OCI archive: Entrypoint, Cmd, Env, WorkingDir, User', async () => {
    const pod = await runPod(h, 'app');
    const id = await startContainer(h, pod, {
      metadata: { name: 'app', attempt: 0 },
      image: { image: APP_IMAGE },
      logPath: 'app.log',
    });
    const s = await waitExited(h, id);
    expect(s.exitCode).toBe(0);
    expect(s.imageRef).toMatch(/^sha256:/);
    expect((await logLines(s.logPath)).map((l) => l.text)).toEqual([
      'app says hello from /app as app: default',
    ]);
    const withArgs = await startContainer(h, pod, {
      metadata: { name: 'args', attempt: 0 },
      image: { image: APP_IMAGE },
      args: ['x'],
      envs: [{ key: 'GREETING', value: 'hey' }],
      logPath: 'args.log',
    });
    const s2 = await waitExited(h, withArgs);
    expect((await logLines(s2.logPath)).map((l) => l.text)).toEqual([
      'app says hey from /app as app: x',
    ]);
  });

  it('isolates two containers of one image (each has its own overlay upper dir)', async () => {
    const pod = await runPod(h, 'overlay');
    const asRoot = { linux: { securityContext: { runAsUser: { value: 0 } } } };
    const a = await startContainer(h, pod, {
      ...h.container('a', 'exec sleep 3600'),
      image: { image: APP_IMAGE },
      command: ['sleep', '3600'],
      ...asRoot,
    });
    const b = await startContainer(h, pod, {
      ...h.container('b', 'exec sleep 3600'),
      image: { image: APP_IMAGE },
      command: ['sleep', '3600'],
      ...asRoot,
    });
    await execText(h, a, [
      'sh',
      '-c',
      'echo changed-by-a > /app/data.txt && echo new > /tmp/only-a',
    ]);
    expect(await execText(h, a, ['cat', '/app/data.txt'])).toBe('changed-by-a\n');
    expect(await execText(h, b, ['cat', '/app/data.txt'])).toBe('original\n');
    const r = await h.client.runtime.ExecSync({
      containerId: b,
      cmd: ['cat', '/tmp/only-a'],
      timeout: 10,
    });
    expect(r.exitCode).not.toBe(0);
    // A new container of the image sees the image as it was.
    const c = await startContainer(h, pod, {
      ...h.container('c', 'x'),
      image: { image: APP_IMAGE },
      command: ['sleep', '3600'],
      ...asRoot,
    });
    expect(await execText(h, c, ['cat', '/app/data.txt'])).toBe('original\n');
  });

  it('refuses to remove an image a container uses, then removes it idempotently', async () => {
    await expectCode(
      h.client.image.RemoveImage({ image: { image: APP_IMAGE } }),
      status.FAILED_PRECONDITION,
    );
    for (const s of (await h.client.runtime.ListPodSandbox({})).items) {
      await h.client.runtime.RemovePodSandbox({ podSandboxId: s.id });
    }
    await h.client.image.RemoveImage({ image: { image: APP_IMAGE } });
    await h.client.image.RemoveImage({ image: { image: APP_IMAGE } });
    expect((await h.client.image.ImageStatus({ image: { image: APP_IMAGE } })).image).toBeNull();
    expect((await h.client.image.ListImages({})).images.map((i) => i.repoTags[0])).toEqual([
      'docker.io/library/busybox:latest',
    ]);
  });
});
