import { createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { nopLogger, type Logger } from '../../lib/log.js';
import { writeImageArchive, type ArchiveImage, type WrittenImage } from './archive-writer.js';
import { runCommand } from './fs-util.js';

/**
 * The built-in test images, made from what is on this machine (Debian's
 * busybox-static and the scripts in `test-images/`) with no registry:
 *
 * - `busybox.tar` (docker save): `docker.io/library/busybox:latest` and
 *   `docker.io/library/busybox:1.35`, one layer: /bin/busybox with every
 *   applet linked where Debian's busybox puts it, /etc/passwd and /etc/group
 *   (root, nobody 65534), /tmp 1777.
 * - `webserver.tar` (OCI image layout, gzip layers): `docker.io/tugboat/webserver:1`
 *   and `:2` in one archive. Both share busybox's layer plus one layer with the
 *   server; they differ only in the VERSION in their config, so a rolling update
 *   between them is visible in the answers. See test-images/webserver/.
 *
 * Files get a fixed mtime and the images a fixed creation time, so the same
 * busybox binary and sources always give the same image ids.
 */

/** TEST_IMAGE_DATE is the creation time of the test images (and the clamp on their file mtimes). */
export const TEST_IMAGE_DATE = new Date('2024-01-01T00:00:00Z');

/** TestImageNames are the names the test images carry. */
export const TestImageNames = {
  busybox: 'docker.io/library/busybox:latest',
  busyboxVersioned: 'docker.io/library/busybox:1.35',
  webserver1: 'docker.io/tugboat/webserver:1',
  webserver2: 'docker.io/tugboat/webserver:2',
} as const;

/** BuildTestImagesOptions say where the sources are and where the archives go. */
export interface BuildTestImagesOptions {
  /** outDir receives busybox.tar and webserver.tar (made when missing). */
  outDir: string;
  /** srcDir is the repo's test-images/ dir. */
  srcDir: string;
  /** busybox is the static busybox binary; default /bin/busybox. */
  busybox?: string;
  logger?: Logger;
}

/** BuiltTestImages says where each archive went and what is in it. */
export interface BuiltTestImages {
  busybox: { file: string; images: WrittenImage[] };
  webserver: { file: string; images: WrittenImage[] };
}

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * buildTestImages writes the two test image archives into `outDir`. Each
 * archive is written to a temp name and renamed, so a reader never sees half
 * of one. Rejects when busybox or the sources are missing.
 */
export async function buildTestImages(opts: BuildTestImagesOptions): Promise<BuiltTestImages> {
  const logger = opts.logger ?? nopLogger;
  const busybox = opts.busybox ?? '/bin/busybox';
  await mkdir(opts.outDir, { recursive: true });
  const work = await mkdtemp(path.join(os.tmpdir(), 'tug-test-images-'));
  try {
    const base = path.join(work, 'busybox');
    await makeBusyboxRoot(base, busybox, path.join(opts.srcDir, 'busybox'));
    const web = path.join(work, 'webserver');
    await makeWebserverLayer(web, path.join(opts.srcDir, 'webserver'));
    const baseLayer = { dir: base };

    const busyboxImages = await writeArchive(
      path.join(opts.outDir, 'busybox.tar'),
      'docker',
      work,
      [
        {
          config: { cmd: ['sh'], env: [PATH_ENV] },
          layers: [baseLayer],
          repoTags: [TestImageNames.busybox, TestImageNames.busyboxVersioned],
          createdBy: ['busybox-static from Debian, applet links, passwd/group, /tmp'],
        },
      ],
    );
    const server = (version: string, tag: string): ArchiveImage => ({
      config: {
        entrypoint: ['/webserver/entrypoint.sh'],
        env: [PATH_ENV, `VERSION=${version}`, 'PORT=8080'],
        workingDir: '/',
        exposedPorts: ['8080/tcp'],
        labels: {
          'org.opencontainers.image.title': 'tugboat test webserver',
          'org.opencontainers.image.version': version,
        },
      },
      layers: [baseLayer, { dir: web }],
      repoTags: [tag],
      createdBy: ['busybox base', 'webserver scripts (test-images/webserver)'],
    });
    const webImages = await writeArchive(path.join(opts.outDir, 'webserver.tar'), 'oci', work, [
      server('1', TestImageNames.webserver1),
      server('2', TestImageNames.webserver2),
    ]);
    logger.info('test images built', { outDir: opts.outDir });
    return {
      busybox: { file: path.join(opts.outDir, 'busybox.tar'), images: busyboxImages },
      webserver: { file: path.join(opts.outDir, 'webserver.tar'), images: webImages },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function writeArchive(
  file: string,
  format: 'docker' | 'oci',
  tmpDir: string,
  images: ArchiveImage[],
): Promise<WrittenImage[]> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const written = await writeImageArchive(
      { format, images, gzipLayers: format === 'oci', sourceDate: TEST_IMAGE_DATE, tmpDir },
      createWriteStream(tmp),
    );
    await rename(tmp, file);
    return written;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function makeBusyboxRoot(root: string, busybox: string, src: string): Promise<void> {
  for (const d of [
    'bin',
    'sbin',
    'usr/bin',
    'usr/sbin',
    'etc',
    'home',
    'var',
    'run',
    'dev',
    'proc',
    'sys',
  ]) {
    await mkdir(path.join(root, d), { recursive: true, mode: 0o755 });
  }
  await mkdir(path.join(root, 'root'), { mode: 0o700 });
  await mkdir(path.join(root, 'tmp'));
  await chmod(path.join(root, 'tmp'), 0o1777);
  await copyFile(busybox, path.join(root, 'bin/busybox'));
  await chmod(path.join(root, 'bin/busybox'), 0o755);
  const applets = (await runCommand(busybox, ['--list-full'])).split('\n').filter((l) => l !== '');
  for (const rel of applets) {
    if (rel === 'bin/busybox' || rel.includes('..') || rel.startsWith('/')) continue;
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await symlink('/bin/busybox', path.join(root, rel));
  }
  for (const f of ['passwd', 'group']) {
    await copyFile(path.join(src, 'etc', f), path.join(root, 'etc', f));
    await chmod(path.join(root, 'etc', f), 0o644);
  }
}

async function makeWebserverLayer(root: string, src: string): Promise<void> {
  await mkdir(path.join(root, 'webserver'), { recursive: true, mode: 0o755 });
  for (const f of ['entrypoint.sh', 'handler.sh']) {
    await copyFile(path.join(src, f), path.join(root, 'webserver', f));
    await chmod(path.join(root, 'webserver', f), 0o755);
  }
}
