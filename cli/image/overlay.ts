import { access, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { readMountInfo } from '../../runtime-shim/images/mountinfo.js';
import { runCommand } from '../../runtime-shim/util/command.js';

/**
 * The overlays a build works in: one per filesystem step, the image's
 * layers so far as read-only lower dirs and a fresh upper dir that, once
 * the step is done and the overlay unmounted, is the step's layer (in
 * overlayfs' own format: whiteouts are 0/0 character devices, opaque
 * directories carry `trusted.overlay.opaque=y`, which packLayer turns into
 * OCI whiteouts). Upper dirs of earlier steps serve as lower dirs of later
 * ones as they are.
 *
 * Overlay features that would make an upper dir something other than a
 * plain diff are turned off where the kernel has them: `redirect_dir`
 * (a renamed directory would be an xattr, not its content), `metacopy`
 * (a chmod would copy up metadata without data) and `index`.
 */

/** Overlay is one mounted overlay of a build step. */
export interface Overlay {
  /** merged is the mounted root filesystem. */
  merged: string;
  /** upper receives every change made through merged. */
  upper: string;
}

const PLAIN_DIFF_OPTIONS = ['redirect_dir', 'metacopy', 'index'];

/**
 * mountOverlay mounts, under `dir` (an empty directory), an overlay of
 * `lowers` (host dirs, top first; none for an empty root filesystem) with
 * a new upper dir. lowerdir is given as short relative names of symlinks
 * (mount runs in `dir/lower`), so that the option string fits in a page
 * however many layers there are.
 */
export async function mountOverlay(dir: string, lowers: readonly string[]): Promise<Overlay> {
  const lowerDir = path.join(dir, 'lower');
  const upper = path.join(dir, 'upper');
  const work = path.join(dir, 'work');
  const merged = path.join(dir, 'merged');
  for (const d of [lowerDir, upper, work, merged]) await mkdir(d, { recursive: true });
  const names: string[] = [];
  // overlayfs needs at least one lower dir: an empty one stands for FROM scratch.
  const stack = lowers.length > 0 ? lowers : [path.join(dir, 'empty')];
  if (lowers.length === 0) await mkdir(path.join(dir, 'empty'), { recursive: true });
  for (const [i, l] of stack.entries()) {
    await symlink(l, path.join(lowerDir, String(i)));
    names.push(String(i));
  }
  const options = [`lowerdir=${names.join(':')}`, `upperdir=${upper}`, `workdir=${work}`];
  for (const o of PLAIN_DIFF_OPTIONS) {
    if (await kernelHas(o)) options.push(`${o}=off`);
  }
  await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', options.join(','), merged], {
    cwd: lowerDir,
  });
  return { merged, upper };
}

async function kernelHas(option: string): Promise<boolean> {
  try {
    await access(`/sys/module/overlay/parameters/${option}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * unmountUnder unmounts every mount at or below `dir`, deepest first. A
 * mount the kernel says is busy is detached lazily, so nothing the build
 * made stays mounted. Idempotent.
 */
export async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readMountInfo())
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      await runCommand('umount', [m]);
    } catch {
      await runCommand('umount', ['-l', m]).catch(() => undefined);
    }
  }
}

/**
 * isEmptyDir tells whether `dir` has no entries (an upper dir no step wrote
 * to: the step makes no layer).
 */
export async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir)).length === 0;
}

/**
 * removeStaleBuilds removes the work dirs under `workRoot` that builds of
 * processes no longer alive left behind (`tug-build-<pid>-…`): their RUN
 * containers are killed and deleted, their overlays unmounted.
 */
export async function removeStaleBuilds(workRoot: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(workRoot);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^tug-build-(\d+)-/.exec(name)?.[1]);
    if (!(pid > 0) || pid === process.pid || alive(pid)) continue;
    const dir = path.join(workRoot, name);
    await deleteContainers(path.join(dir, 'runtime'));
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * deleteContainers force-deletes (kills) every container crun knows under
 * `runtimeRoot`: a RUN whose builder died keeps running under its crun.
 */
async function deleteContainers(runtimeRoot: string): Promise<void> {
  try {
    await access(runtimeRoot);
  } catch {
    return;
  }
  const { stdout } = await runCommand('crun', ['--root', runtimeRoot, 'list', '-q']).catch(() => ({
    stdout: '',
  }));
  for (const id of stdout.split('\n').filter((l) => l.trim() !== '')) {
    await runCommand('crun', ['--root', runtimeRoot, 'delete', '--force', id.trim()]).catch(
      () => undefined,
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
