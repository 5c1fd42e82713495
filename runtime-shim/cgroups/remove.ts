import { readdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../../lib/wait.js';
import { errnoCode } from '../errors.js';
import { cgroupDirs, type CgroupLayout } from './layout.js';

/** listCgroupTree returns `dir` and every cgroup below it, deepest first. */
async function listCgroupTree(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
  const below = await Promise.all(
    entries.filter((e) => e.isDirectory()).map((e) => listCgroupTree(join(dir, e.name))),
  );
  return [...below.flat(), dir];
}

/** cgroupPids lists the processes in cgroup `path` and below, in every hierarchy. */
export async function cgroupPids(layout: CgroupLayout, path: string): Promise<number[]> {
  const pids = new Set<number>();
  for (const root of cgroupDirs(layout, path)) {
    for (const dir of await listCgroupTree(root)) {
      let text: string;
      try {
        text = await readFile(join(dir, 'cgroup.procs'), 'utf8');
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') continue;
        throw e;
      }
      for (const t of text.split('\n')) if (t !== '') pids.add(Number(t));
    }
  }
  return [...pids];
}

/**
 * removeCgroup removes cgroup `path` and everything below it from every
 * hierarchy. Processes still inside are killed first (SIGKILL): callers
 * remove a cgroup only once what ran in it is meant to be gone. Idempotent;
 * waits (a few seconds at most) for the kernel to let go of dying tasks.
 */
export async function removeCgroup(layout: CgroupLayout, path: string): Promise<void> {
  if (path === '' || path === '/')
    throw new Error('removeCgroup: refusing to remove the root cgroup');
  for (const pid of await cgroupPids(layout, path)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const root of cgroupDirs(layout, path)) {
    for (const dir of await listCgroupTree(root)) {
      await waitFor(
        async () => {
          try {
            await rmdir(dir);
            return true;
          } catch (e) {
            if (errnoCode(e) === 'ENOENT') return true;
            if (errnoCode(e) === 'EBUSY') return false;
            throw e;
          }
        },
        { timeoutMs: 5000, intervalMs: 20, what: `cgroup ${dir} to be removable` },
      );
    }
  }
}

/** removeCgroupIfEmpty removes cgroup `path` (not below) where it has no children or tasks. */
export async function removeCgroupIfEmpty(layout: CgroupLayout, path: string): Promise<void> {
  for (const dir of cgroupDirs(layout, path)) {
    try {
      await rmdir(dir);
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'ENOENT' && code !== 'EBUSY' && code !== 'ENOTEMPTY') throw e;
    }
  }
}

/** listChildCgroups names the cgroups directly below `path` (from its first hierarchy). */
export async function listChildCgroups(layout: CgroupLayout, path: string): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of cgroupDirs(layout, path)) {
    try {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) names.add(e.name);
      }
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
  }
  return [...names];
}
