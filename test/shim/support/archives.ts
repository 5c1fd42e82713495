/**
 * Image archives for the shim's tests, built here from the host's busybox
 * with the image store's archive writer (no registry): a `docker save`
 * busybox and an OCI-layout "app" image of two layers with its own
 * Entrypoint, Cmd, Env, WorkingDir and User.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import {
  LocalImageStore,
  writeImageArchive,
  type ArchiveFormat,
  type ArchiveImage,
} from '../../../runtime-shim/images/index.js';
import type { ImageStore } from '../../../runtime-shim/images/types.js';
import { makeBusyboxRootfs } from './fake-images.js';

export const APP_IMAGE = 'docker.io/tugtest/app:1';

export interface TestArchives {
  /** busybox is a docker save archive of docker.io/library/busybox:latest. */
  busybox: string;
  /** app is an OCI image-layout archive (gzip layers) of APP_IMAGE, on top of busybox's layer. */
  app: string;
}

async function write(
  file: string,
  format: ArchiveFormat,
  images: ArchiveImage[],
  tmpDir: string,
): Promise<void> {
  const out = createWriteStream(file);
  await writeImageArchive(
    {
      format,
      images,
      gzipLayers: format === 'oci',
      sourceDate: new Date('2024-01-01T00:00:00Z'),
      tmpDir,
    },
    out,
  );
  await finished(out);
}

/** buildTestArchives writes both archives into `dir`. */
export async function buildTestArchives(dir: string): Promise<TestArchives> {
  const base = join(dir, 'src', 'busybox');
  await makeBusyboxRootfs(base);
  const app = join(dir, 'src', 'app');
  await mkdir(join(app, 'app'), { recursive: true });
  await writeFile(
    join(app, 'app', 'run.sh'),
    '#!/bin/sh\necho "app says $GREETING from $(pwd) as $(id -un): $*"\n',
  );
  await chmod(join(app, 'app', 'run.sh'), 0o755);
  await writeFile(join(app, 'app', 'data.txt'), 'original\n');
  const tmp = join(dir, 'tmp');
  await mkdir(tmp, { recursive: true });
  const busybox = join(dir, 'busybox.tar');
  const appTar = join(dir, 'app.tar');
  const baseLayer = { dir: base };
  await write(
    busybox,
    'docker',
    [
      {
        config: { cmd: ['sh'], env: ['PATH=/bin'] },
        layers: [baseLayer],
        repoTags: ['busybox:latest'],
      },
    ],
    tmp,
  );
  await write(
    appTar,
    'oci',
    [
      {
        config: {
          entrypoint: ['/app/run.sh'],
          cmd: ['default'],
          env: ['PATH=/bin', 'GREETING=hello'],
          workingDir: '/app',
          user: 'app',
        },
        layers: [baseLayer, { dir: app }],
        repoTags: [APP_IMAGE],
      },
    ],
    tmp,
  );
  return { busybox, app: appTar };
}

/** realStoreWith returns a harness image factory: a LocalImageStore with `archives` imported. */
export function realStoreWith(archives: string[]): (dir: string) => Promise<ImageStore> {
  return async (dir) => {
    const store = new LocalImageStore({ root: dir });
    for (const a of archives) await store.importArchive(createReadStream(a));
    return store;
  };
}
