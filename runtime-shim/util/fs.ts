import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode } from '../errors.js';

/**
 * writeFileAtomic replaces `path` with `data` so that a reader (or a process
 * restarted after kill -9) sees either the old or the new content, never a
 * torn file: write a temp file beside it, rename over. With `fsync` the data
 * also survives a power loss; without, a crash of the machine may leave the
 * old content or (rarely) an empty file, which readers must tolerate.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Buffer,
  opts: { fsync?: boolean } = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    if (opts.fsync ?? true) await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * readJsonIfExists parses the JSON file at `path`. It returns undefined if
 * there is none, and also if it is not valid JSON (an empty file left by a
 * machine crash): callers treat both as "no record".
 */
export async function readJsonIfExists(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** readTextIfExists returns the file's text, or undefined if there is none. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** pathExists reports whether something exists at `path`. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return false;
    throw e;
  }
}
