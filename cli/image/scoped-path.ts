import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Resolving a path inside a directory tree as if that tree were `/`: every
 * symlink met on the way is followed with its target re-rooted at the tree
 * (an absolute target starts again at the tree's root, `..` never climbs
 * above it). The build uses it for paths in an image's root filesystem and
 * in the build context, so neither a symlink in an image nor one in the
 * context can make the builder read or write outside them.
 */

/** ScopedPathError is a path that cannot be resolved (a symlink loop, a file where a directory must be). */
export class ScopedPathError extends Error {
  override name = 'ScopedPathError';
}

/** Resolved is a path resolved inside a root. */
export interface Resolved {
  /** host is the absolute path on this machine (inside root). */
  host: string;
  /** rel is the same path relative to root, without symlinks ('' for the root itself). */
  rel: string;
  /** exists tells whether the whole path exists. */
  exists: boolean;
}

const MAX_LINKS = 255;

/**
 * resolveInRoot resolves `p` (absolute or relative to the root) inside
 * `root` (an absolute, real directory). Symlinks are followed, the last
 * component's too unless `followFinal` is false. Components past the first
 * that does not exist are taken as written. Throws ScopedPathError for a
 * symlink loop and when a component that must be a directory is not one.
 */
export async function resolveInRoot(
  root: string,
  p: string,
  followFinal = true,
): Promise<Resolved> {
  let todo = split(p);
  const done: string[] = [];
  let links = 0;
  let exists = true;
  while (todo.length > 0) {
    const part = todo.shift() as string;
    if (part === '..') {
      done.pop();
      continue;
    }
    if (!exists) {
      done.push(part);
      continue;
    }
    const host = path.join(root, ...done, part);
    let st;
    try {
      st = await lstat(host);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        exists = false;
        done.push(part);
        continue;
      }
      if (code === 'ENOTDIR') {
        throw new ScopedPathError(`/${done.join('/')} is not a directory`, { cause: e });
      }
      throw e;
    }
    if (st.isSymbolicLink() && (todo.length > 0 || followFinal)) {
      if (++links > MAX_LINKS) throw new ScopedPathError(`too many symlinks resolving ${p}`);
      const target = await readlink(host);
      if (target.startsWith('/')) done.length = 0;
      todo = [...split(target), ...todo];
      continue;
    }
    if (todo.length > 0 && !st.isDirectory()) {
      throw new ScopedPathError(`/${[...done, part].join('/')} is not a directory`);
    }
    done.push(part);
  }
  return { host: path.join(root, ...done), rel: done.join('/'), exists };
}

function split(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}
