import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable, resolveInRoot } from './executable.js';

describe('finding a command inside a root filesystem', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tug-exe-'));
    await mkdir(join(root, 'bin'));
    await mkdir(join(root, 'app'));
    await writeFile(join(root, 'bin', 'busybox'), '');
    await symlink('/bin/busybox', join(root, 'bin', 'sh')); // absolute, as in busybox images
    await symlink('../bin/busybox', join(root, 'app', 'rel'));
    await symlink('/../../../etc/passwd', join(root, 'app', 'escape'));
    await symlink('loop', join(root, 'app', 'loop'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('follows links as if the root were /', async () => {
    expect(await resolveInRoot(root, '/bin/sh')).toBe(join(root, 'bin', 'busybox'));
    expect(await resolveInRoot(root, '/app/rel')).toBe(join(root, 'bin', 'busybox'));
    // Never out of the root: /../../../etc/passwd is the image's /etc/passwd, which is missing.
    expect(await resolveInRoot(root, '/app/escape')).toBeUndefined();
    expect(await resolveInRoot(root, '/app/loop')).toBeUndefined();
  });

  it('looks bare names up along PATH and others relative to cwd', async () => {
    expect(await findExecutable(root, 'sh', ['PATH=/usr/bin:/bin'], '/')).toBe('/bin/sh');
    expect(await findExecutable(root, 'nope', ['PATH=/bin'], '/')).toBeUndefined();
    expect(await findExecutable(root, './rel', [], '/app')).toBe('/app/rel');
    expect(await findExecutable(root, '/bin', [], '/')).toBeUndefined(); // a directory
    // Under a bind mount the rootfs cannot tell: assumed present.
    expect(await findExecutable(root, '/data/run.sh', [], '/', ['/data'])).toBe('/data/run.sh');
  });
});
