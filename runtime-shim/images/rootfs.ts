import { mkdir, readdir, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../lib/log.js';
import { ImageStoreError } from './errors.js';
import {
  CommandError,
  KeyedMutex,
  exists,
  isErrno,
  randomHex,
  readJson,
  runCommand,
  writeJsonAtomic,
} from './fs-util.js';
import { readMountInfo } from './mountinfo.js';
import type { StoreLayout } from './layout.js';
import type { ImageRecord } from './types.js';

/**
 * Container root filesystems: one overlay per container over the image's
 * shared, read-only layer dirs, with the container's own upper and work
 * dirs. Everything about a rootfs is on disk (`containers/<id>/rootfs.json`
 * plus the kernel's mount table), so a restarted shim finds and cleans up
 * what an earlier one mounted.
 *
 * lowerdir is given as short relative names (`0:1:2…`, top layer first) of
 * symlinks in the container's `lower/` dir, with mount run from there: the
 * whole option string must fit in one page, and 64-hex layer paths would
 * cap an image at about 40 layers. With short names the limit is the
 * kernel's 500-layer overlay stack.
 */

/** RootfsRecord is `containers/<id>/rootfs.json`: which layers a container's overlay uses. */
export interface RootfsRecord {
  containerId: string;
  imageId: string;
  /** layers are diffIDs, bottom first, as in ImageRecord. */
  layers: string[];
}

const containerIdRe = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * RootfsManager mounts and unmounts container root filesystems. Calls for one
 * container are serialised; different containers proceed concurrently.
 * `locked` is the store's lock, held while a rootfs record is written so the
 * store's garbage collection never removes a layer an overlay is about to use;
 * `afterRemove` runs (without the lock) once a container's dirs are gone.
 */
export class RootfsManager {
  private readonly perContainer = new KeyedMutex();

  constructor(
    private readonly layout: StoreLayout,
    private readonly locked: <T>(fn: () => Promise<T>) => Promise<T>,
    private readonly afterRemove: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** mount makes (or finds) the overlay of `image` for `containerId` and returns its merged dir. Idempotent. */
  async mount(containerId: string, image: ImageRecord): Promise<string> {
    checkContainerId(containerId);
    return this.perContainer.run(containerId, async () => {
      const dir = this.layout.containerDir(containerId);
      const merged = path.join(dir, 'merged');
      const rec: RootfsRecord = { containerId, imageId: image.id, layers: [...image.layers] };
      if (await isMounted(merged)) {
        const prev = await readJson<RootfsRecord>(path.join(dir, 'rootfs.json'));
        if (prev && prev.layers.join(',') !== rec.layers.join(',')) {
          throw new ImageStoreError(
            'RootfsConflict',
            `container ${containerId} already has a rootfs of image ${prev.imageId}`,
          );
        }
        return merged;
      }
      await this.locked(async () => {
        for (const l of image.layers) {
          if (!(await exists(this.layout.layerDiffDir(l)))) {
            throw new ImageStoreError(
              'LayerMissing',
              `layer ${l} of image ${image.id} is not in the store`,
            );
          }
        }
        await mkdir(dir, { recursive: true, mode: 0o700 });
        // A mount does not outlive a reboot: the record needs atomicity, not fsync.
        await writeJsonAtomic(path.join(dir, 'rootfs.json'), rec, { fsync: false });
      });
      const lower = path.join(dir, 'lower');
      await rm(lower, { recursive: true, force: true });
      await mkdir(lower);
      const names: string[] = [];
      for (const [i, l] of [...image.layers].reverse().entries()) {
        await symlink(this.layout.layerDiffDir(l), path.join(lower, String(i)));
        names.push(String(i));
      }
      for (const d of ['upper', 'work', 'merged'])
        await mkdir(path.join(dir, d), { recursive: true });
      const options = `lowerdir=${names.join(':')},upperdir=${path.join(dir, 'upper')},workdir=${path.join(dir, 'work')}`;
      await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', options, merged], {
        cwd: lower,
      });
      this.logger.debug('rootfs mounted', {
        container: containerId,
        image: image.id,
        layers: names.length,
      });
      return merged;
    });
  }

  /**
   * unmount unmounts the container's overlay (and anything mounted below it)
   * and removes its dirs. Idempotent; works from the on-disk state alone.
   * Throws ImageStoreError(RootfsBusy) when the kernel refuses the unmount.
   */
  async unmount(containerId: string): Promise<void> {
    checkContainerId(containerId);
    await this.perContainer.run(containerId, async () => {
      const dir = this.layout.containerDir(containerId);
      const merged = path.join(dir, 'merged');
      const mounts = (await readMountInfo())
        .map((m) => m.mountPoint)
        .filter((p) => p === merged || p.startsWith(merged + '/'))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) {
        try {
          await runCommand('umount', [m]);
        } catch (e) {
          if (e instanceof CommandError && !(await isMounted(m))) continue;
          throw new ImageStoreError('RootfsBusy', `cannot unmount ${m}`, { cause: e });
        }
      }
      if (!(await exists(dir))) return;
      // Renamed away first so that a crash mid-delete never leaves a half container dir.
      const trash = this.layout.tmpPath(`trash-${containerId}-${randomHex(4)}`);
      try {
        await rename(dir, trash);
      } catch (e) {
        if (isErrno(e, 'ENOENT')) return;
        throw e;
      }
      await rm(trash, { recursive: true, force: true });
      this.logger.debug('rootfs removed', { container: containerId });
    });
    await this.afterRemove();
  }

  /** list returns the ids of containers that have rootfs dirs (mounted or not). */
  async list(): Promise<string[]> {
    try {
      return (await readdir(this.layout.containersDir)).filter((n) => containerIdRe.test(n)).sort();
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return [];
      throw e;
    }
  }

  /** referencedLayers returns every diffID some container's rootfs record names. */
  async referencedLayers(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const id of await this.list()) {
      const rec = await readJson<RootfsRecord>(
        path.join(this.layout.containerDir(id), 'rootfs.json'),
      );
      for (const l of rec?.layers ?? []) out.add(l);
    }
    return out;
  }
}

function checkContainerId(id: string): void {
  if (!containerIdRe.test(id)) {
    throw new ImageStoreError(
      'InvalidContainerId',
      `container id ${JSON.stringify(id)} is not a safe directory name`,
    );
  }
}

async function isMounted(p: string): Promise<boolean> {
  return (await readMountInfo()).some((m) => m.mountPoint === p);
}
