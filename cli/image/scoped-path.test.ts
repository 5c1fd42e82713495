import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveInRoot, ScopedPathError } from './scoped-path.js';

describe('resolveInRoot', () => {
  let root: string;
  let outside: string;
  beforeEach(async () => {
    const dir = await realpath(await mkdtemp(path.join(tmpdir(), 'tug-scoped-')));
    root = path.join(dir, 'root');
    outside = path.join(dir, 'outside');
    await mkdir(path.join(root, 'usr/bin'), { recursive: true });
    await mkdir(outside);
    await writeFile(path.join(root, 'usr/bin/tool'), '');
    await symlink('usr/bin', path.join(root, 'bin'));
    await symlink('/usr/bin/tool', path.join(root, 'usr/bin/abs'));
    await symlink(outside, path.join(root, 'escape'));
    await symlink('../../../../..', path.join(root, 'usr/bin/up'));
    await symlink('loop2', path.join(root, 'loop1'));
    await symlink('loop1', path.join(root, 'loop2'));
  });
  afterEach(async () => {
    await rm(path.dirname(root), { recursive: true, force: true });
  });

  it('follows relative and absolute symlinks inside the root', async () => {
    expect(await resolveInRoot(root, '/bin/tool')).toEqual({
      host: path.join(root, 'usr/bin/tool'),
      rel: 'usr/bin/tool',
      exists: true,
    });
    expect((await resolveInRoot(root, 'usr/bin/abs')).rel).toBe('usr/bin/tool');
    expect((await resolveInRoot(root, 'usr/bin/abs', false)).rel).toBe('usr/bin/abs');
    expect((await resolveInRoot(root, '/bin/new/file')).exists).toBe(false);
    expect((await resolveInRoot(root, '/bin/new/../x')).rel).toBe('usr/bin/x');
  });

  it('never leaves the root, whatever a symlink or .. says', async () => {
    expect(await resolveInRoot(root, '/escape/x')).toMatchObject({
      host: path.join(root, outside, 'x'),
      exists: false,
    });
    expect((await resolveInRoot(root, '/usr/bin/up/etc')).rel).toBe('etc');
    expect((await resolveInRoot(root, '../../../etc/passwd')).host).toBe(
      path.join(root, 'etc/passwd'),
    );
  });

  it('refuses symlink loops and files used as directories', async () => {
    await expect(resolveInRoot(root, '/loop1/x')).rejects.toThrow(ScopedPathError);
    await expect(resolveInRoot(root, '/usr/bin/tool/x')).rejects.toThrow(/is not a directory/);
  });
});
