import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { StoreBusyError } from './errors.js';

/**
 * lockStore takes the lock of the image store at `dir` (the file
 * `<dir>.lock`, holding the owner's pid) for this process, and releases it
 * when the result is disposed (idempotent). A lock whose process is gone is
 * taken over. Throws StoreBusyError while a live process (this one
 * included: the lock is not reentrant) holds it.
 */
export async function lockStore(dir: string): Promise<AsyncDisposable> {
  const file = `${dir}.lock`;
  await mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o644);
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      let released = false;
      return {
        async [Symbol.asyncDispose]() {
          if (released) return;
          released = true;
          if ((await ownerOf(file)) === process.pid) await unlink(file).catch(() => undefined);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new StoreBusyError(dir, (await ownerOf(file)) ?? 0);
        }
        throw e;
      }
      const pid = await ownerOf(file);
      if (pid !== undefined && alive(pid)) throw new StoreBusyError(dir, pid);
      await unlink(file).catch(() => undefined);
    }
  }
}

async function ownerOf(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, 'utf8')).trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
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
