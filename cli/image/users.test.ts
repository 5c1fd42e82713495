import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isImageBuildError } from './errors.js';
import { ImageUsers } from './users.js';

describe('ImageUsers', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'tug-users-'));
    await mkdir(path.join(root, 'etc'));
    await writeFile(
      path.join(root, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n',
    );
    await writeFile(path.join(root, 'etc/group'), 'root:x:0:\napp:x:1001:\nstaff:x:50:app\n');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('resolves RUN users from the image, with home and groups', async () => {
    const u = await ImageUsers.read(root);
    expect(u.runUser('')).toEqual({ user: { uid: 0, gid: 0 }, home: '/root' });
    expect(u.runUser('app')).toEqual({
      user: { uid: 1000, gid: 1001, additionalGids: [50] },
      home: '/home/app',
    });
    expect(u.runUser('2000:3')).toEqual({ user: { uid: 2000, gid: 3 }, home: '/' });
    expect(() => u.runUser('nobody')).toThrow(/USER nobody: user "nobody" is not in the image/);
  });

  it('resolves --chown as Docker documents it (a user alone: gid = uid)', async () => {
    const u = await ImageUsers.read(root);
    expect(u.chownOwner('app')).toEqual({ uid: 1000, gid: 1000 });
    expect(u.chownOwner('app:staff')).toEqual({ uid: 1000, gid: 50 });
    expect(u.chownOwner('7:8')).toEqual({ uid: 7, gid: 8 });
    expect(() => u.chownOwner('app:nogroup')).toThrow(/group "nogroup"/);
    let err: unknown;
    try {
      u.chownOwner('ghost');
    } catch (e) {
      err = e;
    }
    expect(isImageBuildError(err, 'UserNotFound')).toBe(true);
  });

  it('reads the image files inside the rootfs, never through a symlink out of it', async () => {
    await rm(path.join(root, 'etc/passwd'));
    await symlink('/etc/passwd', path.join(root, 'etc/passwd'));
    // /etc/passwd inside the root is the symlink itself: it resolves to itself, a loop.
    const u = await ImageUsers.read(root);
    expect(() => u.runUser('root')).toThrow(/not in the image/);
  });
});
