import { lstat, readlink } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { errnoCode } from '../errors.js';

const MAX_LINKS = 40;

/**
 * resolveInRoot resolves `path` (as the container would see it) inside the
 * root filesystem `root`, following symlinks as if `root` were `/`: an
 * absolute link target starts again at `root` and `..` never leaves it.
 * Returns the host path of what it names, or undefined when it does not
 * exist (or links loop).
 */
export async function resolveInRoot(root: string, path: string): Promise<string | undefined> {
  const todo = path.split('/');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const c = todo.shift() ?? '';
    if (c === '' || c === '.') continue;
    if (c === '..') {
      done.pop();
      continue;
    }
    const here = join(root, ...done, c);
    let st;
    try {
      st = await lstat(here);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw e;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) return undefined;
      const target = await readlink(here);
      if (isAbsolute(target)) done.length = 0;
      todo.unshift(...target.split('/'));
      continue;
    }
    done.push(c);
  }
  return join(root, ...done);
}

/**
 * findExecutable looks `cmd` up the way the runtime will: a name with a
 * slash relative to `cwd`, a bare name along the container's PATH. Returns
 * the path inside the container, or undefined when no regular file is
 * there. It lets the shim tell "command not in the image" apart from a
 * runtime failure. Paths under `mountTargets` (bind mounts the container
 * will have) are taken as present: their content is not in the rootfs.
 */
export async function findExecutable(
  root: string,
  cmd: string,
  env: readonly string[],
  cwd: string,
  mountTargets: readonly string[] = [],
): Promise<string | undefined> {
  const isFile = async (p: string): Promise<boolean> => {
    if (mountTargets.some((m) => p === m || p.startsWith(m.endsWith('/') ? m : m + '/')))
      return true;
    const host = await resolveInRoot(root, p);
    if (host === undefined) return false;
    try {
      return (await lstat(host)).isFile();
    } catch {
      return false;
    }
  };
  if (cmd.includes('/')) {
    const p = posix.resolve(cwd, cmd);
    return (await isFile(p)) ? p : undefined;
  }
  const pathVar =
    env.find((e) => e.startsWith('PATH='))?.slice(5) ??
    '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  for (const dir of pathVar.split(':')) {
    if (dir === '') continue;
    const p = posix.join(posix.resolve(cwd, dir), cmd);
    if (await isFile(p)) return p;
  }
  return undefined;
}
