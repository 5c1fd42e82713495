import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStoreBusyError } from './errors.js';
import { lockStore } from './store-lock.js';

describe('lockStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tug-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lets one holder in at a time and releases on dispose', async () => {
    const store = path.join(dir, 'images');
    const first = await lockStore(store);
    expect(await readFile(`${store}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    await expect(lockStore(store)).rejects.toSatisfy(
      (e) => isStoreBusyError(e) && e.pid === process.pid,
    );
    await first[Symbol.asyncDispose]();
    await first[Symbol.asyncDispose]();
    const second = await lockStore(store);
    await second[Symbol.asyncDispose]();
  });

  it('takes over a lock whose process is gone', async () => {
    const store = path.join(dir, 'images');
    await writeFile(`${store}.lock`, '999999999\n');
    const l = await lockStore(store);
    expect(await readFile(`${store}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    await l[Symbol.asyncDispose]();
  });
});
