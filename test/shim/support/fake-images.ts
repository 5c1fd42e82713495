/**
 * A test-only ImageStore: one busybox image made from the host's
 * /bin/busybox, root filesystems as real overlay mounts. It stands in for the
 * image helper's store in tests that are about the shim, not images.
 */
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type {
  ImageConfig,
  ImageFsInfo,
  ImageRecord,
  ImageStore,
} from '../../../runtime-shim/images/types.js';
import { runCommand } from '../../../runtime-shim/util/command.js';

export const BUSYBOX = 'docker.io/library/busybox:latest';

async function isMounted(path: string): Promise<boolean> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text.split('\n').some((l) => l.split(' ')[4] === path);
}

/** makeBusyboxRootfs lays out a minimal busybox root filesystem in `dir`. */
export async function makeBusyboxRootfs(dir: string): Promise<void> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await mkdir(join(dir, 'etc'), { recursive: true });
  await mkdir(join(dir, 'tmp'), { recursive: true });
  await chmod(join(dir, 'tmp'), 0o1777);
  await mkdir(join(dir, 'root'), { recursive: true });
  await mkdir(join(dir, 'home', 'app'), { recursive: true });
  await copyFile('/bin/busybox', join(dir, 'bin', 'busybox'));
  await chmod(join(dir, 'bin', 'busybox'), 0o755);
  const { stdout } = await runCommand('/bin/busybox', ['--list']);
  for (const applet of stdout.split('\n').filter((a) => a !== '' && a !== 'busybox')) {
    await symlink('busybox', join(dir, 'bin', applet)).catch(() => undefined);
  }
  await writeFile(
    join(dir, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
  );
  await writeFile(
    join(dir, 'etc', 'group'),
    'root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n',
  );
}

/** FakeImageStore implements ImageStore over directories in `dir`. */
export class FakeImageStore implements ImageStore {
  private readonly images = new Map<string, ImageRecord & { layerDir: string }>();

  constructor(private readonly dir: string) {}

  /** addBusybox registers a busybox image named `name` with `config` (Cmd ["sh"] by default). */
  async addBusybox(
    name = BUSYBOX,
    config: ImageConfig = { cmd: ['sh'], env: ['PATH=/bin'] },
  ): Promise<ImageRecord> {
    const layerDir = join(this.dir, 'layers', 'busybox');
    if (!(await readFile(join(layerDir, 'etc', 'passwd')).catch(() => undefined))) {
      await makeBusyboxRootfs(layerDir);
    }
    const id =
      'sha256:' +
      createHash('sha256')
        .update(name + JSON.stringify(config))
        .digest('hex');
    const rec = {
      id,
      repoTags: [name],
      repoDigests: [],
      size: 1_000_000,
      config,
      layers: [id],
      layerDir,
    };
    this.images.set(id, rec);
    return rec;
  }

  async list(): Promise<ImageRecord[]> {
    return [...this.images.values()];
  }

  async get(ref: string): Promise<ImageRecord | undefined> {
    const first = ref.split('/')[0] ?? '';
    const full = !ref.includes('/')
      ? `docker.io/library/${ref}`
      : /[.:]/.test(first) || first === 'localhost'
        ? ref
        : `docker.io/${ref}`;
    const tagged = /:[^/]+$/.test(full) ? full : `${full}:latest`;
    for (const r of this.images.values()) {
      if (
        r.id === ref ||
        r.repoTags.includes(tagged) ||
        (ref.length >= 8 && r.id.startsWith(`sha256:${ref}`))
      )
        return r;
    }
    return undefined;
  }

  async importArchive(_src: Readable): Promise<ImageRecord[]> {
    throw new Error('FakeImageStore does not import archives');
  }

  async remove(ref: string): Promise<void> {
    const r = await this.get(ref);
    if (r) this.images.delete(r.id);
  }

  async fsInfo(): Promise<ImageFsInfo> {
    return { mountpoint: this.dir, usedBytes: 1_000_000, inodesUsed: 500, timestamp: Date.now() };
  }

  private ctrDir(id: string): string {
    return join(this.dir, 'containers', id);
  }

  async mountRootfs(containerId: string, image: ImageRecord): Promise<string> {
    const rec = this.images.get(image.id);
    if (!rec) throw new Error(`FakeImageStore: no image ${image.id}`);
    const d = this.ctrDir(containerId);
    const merged = join(d, 'merged');
    if (await isMounted(merged)) return merged;
    await mkdir(join(d, 'upper'), { recursive: true });
    await mkdir(join(d, 'work'), { recursive: true });
    await mkdir(merged, { recursive: true });
    await runCommand('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${rec.layerDir},upperdir=${join(d, 'upper')},workdir=${join(d, 'work')}`,
      merged,
    ]);
    return merged;
  }

  async unmountRootfs(containerId: string): Promise<void> {
    const merged = join(this.ctrDir(containerId), 'merged');
    if (await isMounted(merged)) await runCommand('umount', [merged]);
    await rm(this.ctrDir(containerId), { recursive: true, force: true });
  }
}
