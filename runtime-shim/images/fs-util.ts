import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Small filesystem and process helpers the image store shares. Writes are
 * crash-safe: content goes to a temp file beside the target, is fsynced, then
 * renamed over it, so a reader sees the old file or the new one, never half.
 */

/**
 * writeFileAtomic writes `data` to `file` through a temp file and rename. With
 * `fsync: false` the data is not forced to disk first: for records of things
 * that do not survive a reboot anyway (mounts), where only atomicity matters.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Buffer,
  opts: { fsync?: boolean } = {},
): Promise<void> {
  const tmp = path.join(path.dirname(file), `.tmp-${path.basename(file)}-${randomHex(6)}`);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(data);
    if (opts.fsync ?? true) await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** writeJsonAtomic writes `value` as JSON to `file` (see writeFileAtomic). */
export async function writeJsonAtomic(
  file: string,
  value: unknown,
  opts: { fsync?: boolean } = {},
): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', opts);
}

/** readJson reads and parses `file`; undefined when it does not exist. */
export async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
  return JSON.parse(text) as T;
}

/** exists tells whether `p` exists (without following a final symlink). */
export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return false;
    throw e;
  }
}

/** isErrno tells whether `e` is a Node system error with `code`. */
export function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === code;
}

/** randomHex returns `bytes` random bytes as hex, for temp names. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** CommandError is a helper command (mount, mknod, setfattr…) that failed. */
export class CommandError extends Error {
  override name = 'CommandError';
  readonly command: string;
  readonly stderr: string;

  constructor(command: string, stderr: string, options?: ErrorOptions) {
    super(`${command} failed: ${stderr.trim() || 'no output'}`, options);
    this.command = command;
    this.stderr = stderr;
  }
}

/** runCommand runs `file args…` without a shell and resolves with its stdout; rejects with CommandError. */
export function runCommand(
  file: string,
  args: string[],
  opts: { cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: opts.cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err)
          reject(new CommandError(`${file} ${args.slice(0, 4).join(' ')}`, stderr, { cause: err }));
        else resolve(stdout);
      },
    );
  });
}

/**
 * runBatched runs `file fixed… items…` in chunks so that no command line gets
 * too long; for commands that take many paths (setfattr, a mknod loop).
 */
export async function runBatched(
  file: string,
  fixed: string[],
  items: string[],
  chunk = 256,
): Promise<void> {
  for (let i = 0; i < items.length; i += chunk) {
    await runCommand(file, [...fixed, ...items.slice(i, i + chunk)]);
  }
}

/** Mutex serialises async critical sections; `run` holds it for the life of `fn`. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** run waits for earlier holders, runs `fn`, and releases even when `fn` throws. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** KeyedMutex serialises work per key; different keys run concurrently. */
export class KeyedMutex {
  private readonly locks = new Map<string, { mutex: Mutex; users: number }>();

  /** run runs `fn` while holding the lock for `key`. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let entry = this.locks.get(key);
    if (!entry) {
      entry = { mutex: new Mutex(), users: 0 };
      this.locks.set(key, entry);
    }
    entry.users++;
    try {
      return await entry.mutex.run(fn);
    } finally {
      entry.users--;
      if (entry.users === 0) this.locks.delete(key);
    }
  }
}

/** DiskUsage is what a tree takes on disk. */
export interface DiskUsage {
  /** bytes is allocated space (st_blocks × 512), each inode once. */
  bytes: number;
  inodes: number;
}

/** diskUsage walks `dir` without following symlinks and adds up its inodes and blocks. */
export async function diskUsage(dir: string): Promise<DiskUsage> {
  const seen = new Set<number>();
  const total: DiskUsage = { bytes: 0, inodes: 0 };
  const walk = async (p: string): Promise<void> => {
    const st = await lstat(p);
    if (st.nlink > 1 && !st.isDirectory()) {
      if (seen.has(st.ino)) return;
      seen.add(st.ino);
    }
    total.bytes += st.blocks * 512;
    total.inodes++;
    if (st.isDirectory()) {
      for (const name of await readdir(p)) await walk(path.join(p, name));
    }
  };
  await walk(dir);
  return total;
}
