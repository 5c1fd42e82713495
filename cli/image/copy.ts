import { createReadStream, type Stats } from 'node:fs';
import {
  chmod,
  copyFile,
  lchown,
  lstat,
  lutimes,
  mkdir,
  readdir,
  readlink,
  stat,
  symlink,
  unlink,
  rm,
} from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { nopLogger } from '../../lib/log.js';
import { openDecompressed, readHead, sniffCompression } from '../../runtime-shim/images/digest.js';
import { isImageArchiveError } from '../../runtime-shim/images/errors.js';
import { unpackLayer } from '../../runtime-shim/images/layer-unpack.js';
import { runCommand } from '../../runtime-shim/util/command.js';
import type { BuildContext, ContextEntry } from './context.js';
import { ImageBuildError } from './errors.js';
import type { CopyStep } from './plan.js';
import { resolveInRoot, ScopedPathError } from './scoped-path.js';

/**
 * COPY and ADD: copying build-context sources into a mounted root
 * filesystem (the overlay of the image so far, so the upper dir becomes the
 * step's layer). As Docker does: a directory source copies its contents, a
 * file goes into a destination ending in `/` or already a directory, or
 * becomes the destination; modes and mtimes are kept, the owner is root
 * (or `--chown`), `--chmod` sets every mode; ADD extracts a local plain or
 * gzipped tar (owners from the archive unless `--chown`). Every path in the
 * root filesystem is resolved inside it (symlinks re-rooted), so an image's
 * symlinks cannot send a write outside it. Hardlinks among the sources are
 * copied as separate files.
 */

/** Owner is a numeric uid and gid. */
export interface Owner {
  uid: number;
  gid: number;
}

/** CopyOptions are what one COPY/ADD step needs. */
export interface CopyOptions {
  /** rootfs is the mounted root filesystem (absolute, symlink-free). */
  rootfs: string;
  context: BuildContext;
  step: CopyStep;
  /** owner is the resolved --chown; undefined means root (COPY) or the archive's owners (ADD of a tar). */
  owner?: Owner;
  /** stagingDir is an empty directory outside rootfs where ADD extracts archives first. */
  stagingDir: string;
  warn: (msg: string) => void;
}

interface Meta {
  /** owner applies to everything copied; undefined keeps the source's owners. */
  owner: Owner | undefined;
  chmod: number | undefined;
}

const ROOT: Owner = { uid: 0, gid: 0 };

/**
 * copyIntoRootfs carries out one COPY or ADD step. Throws ImageBuildError
 * (SourceNotFound, BadSource) for sources that are not there and
 * destinations that cannot be written as asked.
 */
export async function copyIntoRootfs(o: CopyOptions): Promise<void> {
  const { step } = o;
  const what = step.add ? 'ADD' : 'COPY';
  const entries: ContextEntry[] = [];
  for (const s of step.sources) entries.push(...(await o.context.sources(s, what)));
  const c = new Copier(o.rootfs, o.context, o.warn);
  try {
    const dest = await resolveInRoot(o.rootfs, step.dest);
    const destIsDir = step.destIsDir || (dest.exists && (await stat(dest.host)).isDirectory());
    const files = entries.filter((e) => !e.isDir);
    if (!destIsDir && files.length > 1) {
      throw new ImageBuildError(
        'BadSource',
        `${what}: ${files.length} files to copy need a directory destination ending in /, not ${step.dest}`,
      );
    }
    const plain: Meta = { owner: o.owner ?? ROOT, chmod: step.chmod };
    const created = o.owner ?? ROOT;
    let staged = 0;
    for (const e of entries) {
      if (e.isDir) {
        const into = await c.ensureDir(step.dest, created);
        await c.copyContents(e.host, e.rel, into, plain);
        continue;
      }
      const kind = step.add ? await archiveKind(e.host) : 'file';
      if (kind === 'tar') {
        const into = await c.ensureDir(step.dest, created);
        const tmp = path.join(o.stagingDir, `archive-${staged++}`);
        await mkdir(tmp);
        try {
          await extract(e, tmp);
          await c.copyContents(tmp, undefined, into, { owner: o.owner, chmod: step.chmod });
        } finally {
          await rm(tmp, { recursive: true, force: true });
        }
        continue;
      }
      if (kind === 'compressed') {
        o.warn(`ADD ${e.rel}: only plain and gzipped tars are extracted; copying it as a file`);
      }
      const st = await stat(e.host);
      if (destIsDir) {
        const into = await c.ensureDir(step.dest, created);
        await c.put(e.host, st, path.join(into, path.posix.basename(e.rel)), plain);
      } else {
        const parent = await c.ensureDir(path.posix.dirname(`/${dest.rel}`), created);
        await c.put(e.host, st, path.join(parent, path.posix.basename(dest.rel)), plain);
      }
    }
  } catch (e) {
    if (e instanceof ScopedPathError) {
      throw new ImageBuildError('BadSource', `${what} to ${step.dest}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

class Copier {
  constructor(
    private readonly rootfs: string,
    private readonly context: BuildContext,
    private readonly warn: (msg: string) => void,
  ) {}

  /**
   * ensureDir returns the host path of directory `imagePath`, making what
   * is missing (0755, owned by `owner`). Throws BadSource when a file is in
   * the way.
   */
  async ensureDir(imagePath: string, owner: Owner): Promise<string> {
    const r = await resolveInRoot(this.rootfs, imagePath);
    if (r.exists) {
      if (!(await stat(r.host)).isDirectory()) {
        throw new ImageBuildError('BadSource', `${imagePath} exists and is not a directory`);
      }
      return r.host;
    }
    // r.rel has no symlinks: its existing prefix was resolved, the rest does not exist.
    let cur = this.rootfs;
    for (const part of r.rel.split('/').filter((p) => p !== '')) {
      cur = path.join(cur, part);
      const st = await lstatOrUndefined(cur);
      if (st?.isDirectory()) continue;
      if (st)
        throw new ImageBuildError(
          'BadSource',
          `${imagePath}: /${path.relative(this.rootfs, cur)} is not a directory`,
        );
      await mkdir(cur, 0o755);
      await lchown(cur, owner.uid, owner.gid);
      await chmod(cur, 0o755);
    }
    return r.host;
  }

  /**
   * copyContents copies what is in `srcDir` into `destDir` (a real
   * directory in the rootfs). `ctxRel` is srcDir's path in the build
   * context, for .dockerignore; undefined when srcDir is not in it.
   */
  async copyContents(
    srcDir: string,
    ctxRel: string | undefined,
    destDir: string,
    meta: Meta,
  ): Promise<void> {
    const names = (await readdir(srcDir)).sort();
    for (const name of names) {
      const rel = ctxRel === undefined ? undefined : ctxRel === '' ? name : `${ctxRel}/${name}`;
      const src = path.join(srcDir, name);
      const st = await lstat(src);
      const target = path.join(destDir, name);
      if (st.isDirectory()) {
        if (rel !== undefined && !this.context.walkInto(rel)) continue;
        const { dir, made } = await this.dirAt(target);
        await this.copyContents(src, rel, dir, meta);
        if (made) await setMeta(dir, st, meta);
      } else {
        if (rel !== undefined && this.context.excluded(rel)) continue;
        await this.put(src, st, target, meta);
      }
    }
  }

  /** dirAt returns a directory at `target` to copy into, following a symlink to one inside the rootfs. */
  private async dirAt(target: string): Promise<{ dir: string; made: boolean }> {
    const st = await lstatOrUndefined(target);
    if (st?.isDirectory()) return { dir: target, made: false };
    if (st?.isSymbolicLink()) {
      const r = await resolveInRoot(this.rootfs, path.relative(this.rootfs, target));
      if (r.exists && (await stat(r.host)).isDirectory()) return { dir: r.host, made: false };
    }
    if (st) await unlink(target);
    await mkdir(target, 0o700);
    return { dir: target, made: true };
  }

  /** put writes the non-directory `src` at `target`, replacing a non-directory there. */
  async put(src: string, st: Stats, target: string, meta: Meta): Promise<void> {
    const existing = await lstatOrUndefined(target);
    if (existing?.isDirectory()) {
      throw new ImageBuildError(
        'BadSource',
        `cannot overwrite directory /${path.relative(this.rootfs, target)} with a file`,
      );
    }
    if (st.isSocket()) return;
    if (st.isCharacterDevice() && st.rdev === 0) {
      this.warn(`skipping whiteout entry /${path.relative(this.rootfs, target)}`);
      return;
    }
    if (existing) await unlink(target);
    if (st.isFile()) await copyFile(src, target);
    else if (st.isSymbolicLink()) await symlink(await readlink(src), target);
    else if (st.isFIFO()) await runCommand('mkfifo', [target]);
    else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const type = st.isCharacterDevice() ? 'c' : 'b';
      await runCommand('mknod', [target, type, String(major(st.rdev)), String(minor(st.rdev))]);
    } else return;
    await setMeta(target, st, meta);
  }
}

async function setMeta(p: string, st: Stats, meta: Meta): Promise<void> {
  const owner = meta.owner ?? { uid: st.uid, gid: st.gid };
  await lchown(p, owner.uid, owner.gid);
  // chmod after chown: chown clears set-id bits. Symlinks have no mode of their own.
  if (!st.isSymbolicLink()) await chmod(p, meta.chmod ?? st.mode & 0o7777);
  await lutimes(p, st.atime, st.mtime);
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * archiveKind tells what ADD does with a file: extract it (a plain or gzip
 * tar, recognised by its header checksum as Docker does), warn that it is
 * compressed in a way not extracted here, or copy it.
 */
export async function archiveKind(file: string): Promise<'tar' | 'compressed' | 'file'> {
  const kind = sniffCompression(await readHead(file, 6));
  if (kind === 'none') return isTarHeader(await readHead(file, 512)) ? 'tar' : 'file';
  if (kind !== 'gzip') return 'compressed';
  const head = await gunzipHead(file, 512).catch(() => undefined);
  return head !== undefined && isTarHeader(head) ? 'tar' : 'file';
}

async function gunzipHead(file: string, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  const src = pipeline(createReadStream(file), createGunzip(), () => {});
  for await (const c of src) {
    chunks.push(c as Buffer);
    got += (c as Buffer).length;
    if (got >= n) break;
  }
  src.destroy();
  return Buffer.concat(chunks).subarray(0, n);
}

/** isTarHeader checks a tar header block's checksum (bytes 148–155 counted as spaces). */
export function isTarHeader(b: Buffer): boolean {
  if (b.length < 512) return false;
  const stored = parseInt(b.toString('latin1', 148, 156).replace(/\0.*$/s, '').trim(), 8);
  if (!Number.isFinite(stored)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (b[i] as number);
  return sum === stored && sum !== 8 * 0x20;
}

async function extract(e: ContextEntry, dir: string): Promise<void> {
  const what = `ADD ${e.rel}`;
  try {
    await unpackLayer(await openDecompressed(e.host, what), dir, { what, logger: nopLogger });
  } catch (err) {
    if (isImageArchiveError(err)) {
      throw new ImageBuildError('BadSource', err.message, { cause: err });
    }
    throw err;
  }
}

// Linux's dev_t encoding (glibc's major()/minor()).
function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}

function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}
