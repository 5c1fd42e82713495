import { constants as fsc } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from '../../lib/log.js';
import { ImageArchiveError } from './errors.js';
import { isErrno, runBatched, runCommand } from './fs-util.js';
import {
  cleanEntryName,
  drain,
  forEachTarEntry,
  type TarBody,
  type TarHeader,
} from './tar-entries.js';

/**
 * Unpacking one layer tar into an empty directory in the form overlayfs reads
 * as a lower layer: an AUFS-style whiteout `.wh.NAME` becomes a character
 * device 0/0 named NAME, and `.wh..wh..opq` marks its directory opaque with
 * the `trusted.overlay.opaque=y` xattr (set with `setfattr` from Debian's
 * `attr` package: Node has no xattr call and one spawn per layer is cheap).
 *
 * Nothing is ever followed: every parent of an entry must be a real directory
 * made by this layer, files are created with O_EXCL|O_NOFOLLOW after removing
 * whatever was there, and hardlinks must point at earlier entries inside the
 * directory. Modes, owners, symlinks, hardlinks and mtimes are kept; directory
 * metadata is applied last so that creating children does not disturb it.
 */

/** UnpackStats counts what unpackLayer made. */
export interface UnpackStats {
  /** size is the sum of regular file sizes (hardlinks counted once). */
  size: number;
  entries: number;
  whiteouts: number;
  opaqueDirs: number;
}

const WH_PREFIX = '.wh.';
const WH_OPAQUE = '.wh..wh..opq';

interface DirMeta {
  abs: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

/**
 * unpackLayer extracts the uncompressed layer tar `src` into `dest` (an empty
 * directory that exists). Throws ImageArchiveError for a bad tar, an entry
 * that escapes `dest`, or an entry that cannot be made; `dest` is then left
 * half-filled for the caller to remove. Not safe to run twice on one `dest`.
 */
export async function unpackLayer(
  src: Readable,
  dest: string,
  opts: { what: string; logger: Logger },
): Promise<UnpackStats> {
  const u = new Unpacker(dest, opts.what, opts.logger);
  await forEachTarEntry(src, opts.what, (h, body) => u.entry(h, body));
  await u.finish();
  return u.stats;
}

class Unpacker {
  readonly stats: UnpackStats = { size: 0, entries: 0, whiteouts: 0, opaqueDirs: 0 };
  private readonly knownDirs = new Set<string>();
  private readonly dirMeta = new Map<string, DirMeta>();
  private readonly whiteouts = new Set<string>();
  private readonly opaque = new Set<string>();

  constructor(
    private readonly dest: string,
    private readonly what: string,
    private readonly logger: Logger,
  ) {
    this.knownDirs.add(dest);
  }

  async entry(h: TarHeader, body: TarBody): Promise<void> {
    const rel = cleanEntryName(h.name, this.what);
    const base = path.posix.basename(rel);
    if (base.startsWith(WH_PREFIX)) {
      await drain(body);
      await this.whiteout(rel, base);
      return;
    }
    const abs = rel === '' ? this.dest : path.join(this.dest, rel);
    if (rel !== '') await this.ensureParents(rel);
    const type = h.type ?? 'file';
    if (type === 'directory') {
      await drain(body);
      if (rel !== '' && (await this.clear(abs, true)) === 'absent') await mkdir(abs, 0o700);
      this.knownDirs.add(abs);
      this.dirMeta.set(abs, meta(abs, h));
      this.stats.entries++;
      return;
    }
    if (rel === '') throw this.bad(`the root entry ${JSON.stringify(h.name)} is not a directory`);
    switch (type) {
      case 'file':
      case 'contiguous-file':
        await this.clear(abs, false);
        await this.writeFile(abs, h, body);
        break;
      case 'symlink':
        await drain(body);
        await this.clear(abs, false);
        await symlink(h.linkname ?? '', abs);
        await lchown(abs, h.uid ?? 0, h.gid ?? 0);
        await lutimes(abs, h.mtime ?? new Date(0), h.mtime ?? new Date(0));
        break;
      case 'link':
        await drain(body);
        await this.hardlink(abs, h);
        return;
      case 'character-device':
      case 'block-device':
      case 'fifo':
        await drain(body);
        await this.clear(abs, false);
        await this.mknod(abs, h, type);
        break;
      default:
        await drain(body);
        this.logger.debug('layer entry of unknown type skipped', {
          layer: this.what,
          name: h.name,
          type,
        });
        return;
    }
    this.stats.entries++;
  }

  async finish(): Promise<void> {
    const whiteouts: string[] = [];
    for (const w of this.whiteouts) {
      // A whiteout hides lower layers only; this layer's own entry of that name wins.
      if (!(await lexists(w))) whiteouts.push(w);
    }
    await runBatched('sh', ['-c', 'for p do mknod "$p" c 0 0 || exit 1; done', 'sh'], whiteouts);
    this.stats.whiteouts = whiteouts.length;
    const opaque = [...this.opaque];
    await runBatched('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', '--'], opaque);
    this.stats.opaqueDirs = opaque.length;
    const dirs = [...this.dirMeta.values()].sort((a, b) => b.abs.length - a.abs.length);
    for (const d of dirs) {
      if (!this.knownDirs.has(d.abs)) continue;
      await lchown(d.abs, d.uid, d.gid);
      await chmod(d.abs, d.mode);
      await lutimes(d.abs, d.mtime, d.mtime);
    }
  }

  private async whiteout(rel: string, base: string): Promise<void> {
    const parentRel = path.posix.dirname(rel);
    const parentAbs = parentRel === '.' ? this.dest : path.join(this.dest, parentRel);
    await this.ensureParents(rel);
    if (base === WH_OPAQUE) {
      this.opaque.add(parentAbs);
      return;
    }
    const name = base.slice(WH_PREFIX.length);
    // `.wh..wh.*` other than the opaque marker is AUFS bookkeeping, not a whiteout.
    if (name.startsWith(WH_PREFIX) || name === '' || name === '.' || name === '..') return;
    this.whiteouts.add(path.join(parentAbs, name));
  }

  /** ensureParents makes sure every parent of `rel` is a real directory, making missing ones. */
  private async ensureParents(rel: string): Promise<void> {
    const parts = rel.split('/').slice(0, -1);
    let cur = this.dest;
    for (const part of parts) {
      cur = path.join(cur, part);
      if (this.knownDirs.has(cur)) continue;
      let st;
      try {
        st = await lstat(cur);
      } catch (e) {
        if (!isErrno(e, 'ENOENT')) throw e;
        await mkdir(cur, 0o755);
        this.knownDirs.add(cur);
        continue;
      }
      if (st.isSymbolicLink()) {
        throw new ImageArchiveError(
          'PathTraversal',
          `${this.what}: entry ${JSON.stringify(rel)} goes through the symlink ${JSON.stringify(path.relative(this.dest, cur))}`,
        );
      }
      if (!st.isDirectory()) {
        // A later entry below a path that was a file: the later entry wins, as in tar.
        await rm(cur, { force: true });
        await mkdir(cur, 0o755);
      }
      this.knownDirs.add(cur);
    }
  }

  /**
   * clear removes whatever is at `abs` so a new entry can take its place;
   * an existing directory is kept when the new entry is one too.
   */
  private async clear(abs: string, keepDir: boolean): Promise<'absent' | 'kept' | 'removed'> {
    let st;
    try {
      st = await lstat(abs);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return 'absent';
      throw e;
    }
    if (keepDir && st.isDirectory()) return 'kept';
    await rm(abs, { recursive: true, force: true });
    if (st.isDirectory()) {
      for (const d of this.knownDirs)
        if (d === abs || d.startsWith(abs + '/')) this.knownDirs.delete(d);
    }
    return 'removed';
  }

  private async writeFile(abs: string, h: TarHeader, body: TarBody): Promise<void> {
    const fh = await open(abs, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
    try {
      for await (const chunk of body) await fh.write(chunk);
      // chown clears set-id bits, so the mode goes on after it.
      await fh.chown(h.uid ?? 0, h.gid ?? 0);
      await fh.chmod((h.mode ?? 0o644) & 0o7777);
      await fh.utimes(h.mtime ?? new Date(0), h.mtime ?? new Date(0));
    } finally {
      await fh.close();
    }
    this.stats.size += h.size ?? 0;
  }

  private async hardlink(abs: string, h: TarHeader): Promise<void> {
    const targetRel = cleanEntryName(h.linkname ?? '', this.what);
    if (targetRel === '') throw this.bad(`hardlink ${JSON.stringify(h.name)} has no target`);
    await this.ensureParents(targetRel);
    const target = path.join(this.dest, targetRel);
    let st;
    try {
      st = await lstat(target);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) {
        throw this.bad(
          `hardlink ${JSON.stringify(h.name)} points at missing ${JSON.stringify(h.linkname)}`,
        );
      }
      throw e;
    }
    if (st.isDirectory())
      throw this.bad(`hardlink ${JSON.stringify(h.name)} points at a directory`);
    if (target === abs) return;
    await this.clear(abs, false);
    await link(target, abs);
  }

  private async mknod(
    abs: string,
    h: TarHeader,
    type: 'character-device' | 'block-device' | 'fifo',
  ): Promise<void> {
    const args =
      type === 'fifo'
        ? [abs, 'p']
        : [
            abs,
            type === 'character-device' ? 'c' : 'b',
            String(h.devmajor ?? 0),
            String(h.devminor ?? 0),
          ];
    await runCommand('mknod', ['--', ...args]);
    await lchown(abs, h.uid ?? 0, h.gid ?? 0);
    await chmod(abs, (h.mode ?? 0o644) & 0o7777);
    await lutimes(abs, h.mtime ?? new Date(0), h.mtime ?? new Date(0));
  }

  private bad(why: string): ImageArchiveError {
    return new ImageArchiveError('BadEntry', `${this.what}: ${why}`);
  }
}

function meta(abs: string, h: TarHeader): DirMeta {
  return {
    abs,
    mode: (h.mode ?? 0o755) & 0o7777,
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
    mtime: h.mtime ?? new Date(0),
  };
}

async function lexists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw e;
  }
}
