import { execFile } from 'node:child_process';
import { mkdir, statfs, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NetnsError } from './errors.js';

// statfs f_type of a namespace file (include/uapi/linux/magic.h NSFS_MAGIC).
const nsfsMagic = 0x6e736673;
// A pin is normally one mount; a crash between mount and bookkeeping could stack a few.
const maxStackedMounts = 16;
const commandTimeoutMs = 30_000;

/**
 * isPinnedNetns reports whether `path` is a live network namespace pin (a
 * file with an nsfs bind mount on it). A plain file left behind after a
 * reboot or a missing path is not.
 */
export async function isPinnedNetns(path: string): Promise<boolean> {
  try {
    const s = await statfs(path);
    return s.type === nsfsMagic;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new NetnsError('cannot stat', path, { cause: e });
  }
}

/**
 * createPinnedNetns makes a new, empty network namespace and pins it by bind
 * mounting it on `path` (util-linux `unshare --net=PATH`), so it outlives
 * every process until removePinnedNetns. The namespace is a fresh one whatever
 * netns the caller is in. Throws NetnsError if `path` is already a pin (the
 * caller must remove it first: stacking a second namespace on it would hide
 * the first one, and its veth, from everyone).
 */
export async function createPinnedNetns(path: string): Promise<void> {
  if (await isPinnedNetns(path)) throw new NetnsError('already a pinned namespace', path);
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  // The mount point must exist; a stale empty file from before a reboot is reused.
  await writeFile(path, '', { flag: 'a', mode: 0o644 });
  try {
    await run('unshare', [`--net=${path}`, 'true'], path);
  } catch (e) {
    if (!(await isPinnedNetns(path))) await unlink(path).catch(() => {});
    throw e;
  }
}

/**
 * removePinnedNetns unmounts the pin at `path` and deletes the file.
 * Idempotent: a missing path or a plain file is fine. The namespace itself
 * dies only once no process is in it any more (a live process keeps it, and
 * whatever interfaces are still in it, alive).
 */
export async function removePinnedNetns(path: string): Promise<void> {
  for (let i = 0; (await isPinnedNetns(path)) && i < maxStackedMounts; i++) {
    await run('umount', [path], path);
  }
  if (await isPinnedNetns(path)) throw new NetnsError('still mounted after umount', path);
  try {
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new NetnsError('cannot remove pin file', path, { cause: e });
    }
  }
}

function run(cmd: string, args: string[], path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout: commandTimeoutMs, killSignal: 'SIGKILL' },
      (err, _out, stderr) => {
        if (!err) resolve();
        else
          reject(
            new NetnsError(`${cmd} failed: ${stderr.trim() || err.message}`, path, { cause: err }),
          );
      },
    );
  });
}
