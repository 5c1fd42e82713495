import { createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { writeImageArchive } from '../../runtime-shim/images/index.js';
import { runCommand } from '../../runtime-shim/util/command.js';

/** BENCH_IMAGE is the image both sides of the benchmark run. */
export const BENCH_IMAGE = 'docker.io/library/busybox:latest';

/**
 * buildBusyboxArchive writes a `docker save` archive of a busybox image made
 * from the host's /bin/busybox (no registry) and returns its path.
 */
export async function buildBusyboxArchive(dir: string): Promise<string> {
  const rootfs = join(dir, 'busybox-rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'root']) await mkdir(join(rootfs, d), { recursive: true });
  await chmod(join(rootfs, 'tmp'), 0o1777);
  await copyFile('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  await chmod(join(rootfs, 'bin', 'busybox'), 0o755);
  const { stdout } = await runCommand('/bin/busybox', ['--list']);
  for (const a of stdout.split('\n').filter((x) => x !== '' && x !== 'busybox')) {
    await symlink('busybox', join(rootfs, 'bin', a)).catch(() => undefined);
  }
  await writeFile(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(join(rootfs, 'etc', 'group'), 'root:x:0:\n');
  const file = join(dir, 'busybox.tar');
  const out = createWriteStream(file);
  await writeImageArchive(
    {
      format: 'docker',
      images: [
        {
          config: { cmd: ['sh'], env: ['PATH=/bin'] },
          layers: [{ dir: rootfs }],
          repoTags: [BENCH_IMAGE],
        },
      ],
      sourceDate: new Date('2024-01-01T00:00:00Z'),
      tmpDir: dir,
    },
    out,
  );
  await finished(out);
  return file;
}
