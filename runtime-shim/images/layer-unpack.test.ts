import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readFile, readlink, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { nopLogger } from '../../lib/log.js';
import { isImageArchiveError } from './errors.js';
import { runCommand } from './fs-util.js';
import { packLayer } from './layer-pack.js';
import { unpackLayer } from './layer-unpack.js';
import { makeTar, withTempDir, type TarEntry } from './testing.js';

async function unpack(entries: TarEntry[], dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  await unpackLayer(Readable.from([await makeTar(entries)]), dest, {
    what: 'test layer',
    logger: nopLogger,
  });
}

async function unpackError(entries: TarEntry[], dest: string): Promise<unknown> {
  try {
    await unpack(entries, dest);
  } catch (e) {
    return e;
  }
  return undefined;
}

const mtime = new Date('2020-02-02T02:02:02Z');

describe('unpackLayer', () => {
  it('keeps modes, owners, mtimes, symlinks and hardlinks', async () => {
    await withTempDir('tug-unpack-', async (dir) => {
      const dest = path.join(dir, 'l');
      await unpack(
        [
          { name: 'bin/', type: 'directory', mode: 0o751, uid: 3, gid: 4, mtime },
          {
            name: 'bin/tool',
            content: 'x'.repeat(1000),
            mode: 0o4755,
            uid: 1000,
            gid: 1001,
            mtime,
          },
          { name: 'bin/alias', type: 'symlink', linkname: '/bin/tool', uid: 5, gid: 6, mtime },
          { name: 'bin/hard', type: 'link', linkname: 'bin/tool' },
          { name: './etc/conf', content: 'hello' },
          { name: 'tmp/', type: 'directory', mode: 0o1777 },
          { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
          { name: 'run/fifo', type: 'fifo', mode: 0o600 },
        ],
        dest,
      );
      const bin = await stat(path.join(dest, 'bin'));
      expect([bin.mode & 0o7777, bin.uid, bin.gid, bin.mtime.getTime()]).toEqual([
        0o751,
        3,
        4,
        mtime.getTime(),
      ]);
      const tool = await stat(path.join(dest, 'bin/tool'));
      expect([tool.mode & 0o7777, tool.uid, tool.gid, tool.size]).toEqual([
        0o4755, 1000, 1001, 1000,
      ]);
      expect(tool.mtime.getTime()).toBe(mtime.getTime());
      expect(tool.nlink).toBe(2);
      expect((await stat(path.join(dest, 'bin/hard'))).ino).toBe(tool.ino);
      expect(await readlink(path.join(dest, 'bin/alias'))).toBe('/bin/tool');
      const alias = await lstat(path.join(dest, 'bin/alias'));
      expect([alias.uid, alias.gid]).toEqual([5, 6]);
      expect(await readFile(path.join(dest, 'etc/conf'), 'utf8')).toBe('hello');
      expect((await stat(path.join(dest, 'tmp'))).mode & 0o7777).toBe(0o1777);
      const nul = await lstat(path.join(dest, 'dev/null'));
      expect(nul.isCharacterDevice()).toBe(true);
      expect(nul.rdev).toBe(0x103);
      expect((await lstat(path.join(dest, 'run/fifo'))).isFIFO()).toBe(true);
    });
  });

  it('turns .wh. files into whiteouts and .wh..wh..opq into an opaque dir', async () => {
    await withTempDir('tug-unpack-', async (dir) => {
      const dest = path.join(dir, 'l');
      await unpack(
        [
          { name: 'etc/', type: 'directory' },
          { name: 'etc/.wh.gone', content: '' },
          { name: 'etc/.wh.kept', content: '' },
          { name: 'etc/kept', content: 'same layer wins' },
          { name: 'var/cache/.wh..wh..opq', content: '' },
          { name: 'var/cache/new', content: 'n' },
          { name: 'x/.wh..wh.plnk', content: '' },
        ],
        dest,
      );
      const gone = await lstat(path.join(dest, 'etc/gone'));
      expect(gone.isCharacterDevice() && gone.rdev === 0).toBe(true);
      expect(await readFile(path.join(dest, 'etc/kept'), 'utf8')).toBe('same layer wins');
      expect((await readdir(path.join(dest, 'etc'))).sort()).toEqual(['gone', 'kept']);
      const attr = await runCommand('getfattr', [
        '--only-values',
        '-n',
        'trusted.overlay.opaque',
        path.join(dest, 'var/cache'),
      ]);
      expect(attr).toBe('y');
      expect(await readdir(path.join(dest, 'x'))).toEqual([]);
    });
  });

  it('refuses entries that climb out with ..', async () => {
    await withTempDir('tug-unpack-', async (dir) => {
      const e = await unpackError([{ name: '../escaped', content: 'x' }], path.join(dir, 'l'));
      expect(isImageArchiveError(e, 'PathTraversal')).toBe(true);
      const e2 = await unpackError(
        [{ name: 'a/../../escaped', content: 'x' }],
        path.join(dir, 'l2'),
      );
      expect(isImageArchiveError(e2, 'PathTraversal')).toBe(true);
      await expect(stat(path.join(dir, 'escaped'))).rejects.toThrow();
    });
  });

  it('refuses writing through a symlink, absolute or relative', async () => {
    await withTempDir('tug-unpack-', async (dir) => {
      const outside = path.join(dir, 'outside');
      await mkdir(outside);
      for (const [i, target] of [outside, '../outside', '/'].entries()) {
        const e = await unpackError(
          [
            { name: 'link', type: 'symlink', linkname: target },
            { name: 'link/pwned', content: 'x' },
          ],
          path.join(dir, `l${i}`),
        );
        expect(isImageArchiveError(e, 'PathTraversal')).toBe(true);
      }
      const e = await unpackError(
        [
          { name: 'link', type: 'symlink', linkname: outside },
          { name: 'link/.wh.x', content: '' },
        ],
        path.join(dir, 'l9'),
      );
      expect(isImageArchiveError(e, 'PathTraversal')).toBe(true);
      expect(await readdir(outside)).toEqual([]);
    });
  });

  it('replaces a symlink with a file instead of writing through it', async () => {
    await withTempDir('tug-unpack-', async (dir) => {
      const victim = path.join(dir, 'victim');
      await pipeline(Readable.from(['original']), createWriteStream(victim));
      const dest = path.join(dir, 'l');
      await unpack(
        [
          { name: 'f', type: 'symlink', linkname: victim },
          { name: 'f', content: 'new' },
        ],
        dest,
      );
      expect(await readFile(victim, 'utf8')).toBe('original');
      expect(await readFile(path.join(dest, 'f'), 'utf8')).toBe('new');
    });
  });

  it('refuses hardlinks out of the layer or to nothing', async () => {
    await withTempDir('tug-unpack-', async (dir) => {
      const e1 = await unpackError(
        [{ name: 'h', type: 'link', linkname: '../../etc/passwd' }],
        path.join(dir, 'a'),
      );
      expect(isImageArchiveError(e1, 'PathTraversal')).toBe(true);
      const e2 = await unpackError(
        [{ name: 'h', type: 'link', linkname: 'missing' }],
        path.join(dir, 'b'),
      );
      expect(isImageArchiveError(e2, 'BadEntry')).toBe(true);
    });
  });

  it('gives a typed error for a truncated tar and for bytes that are not a tar', async () => {
    await withTempDir('tug-unpack-', async (dir) => {
      const whole = await makeTar([{ name: 'big', content: Buffer.alloc(5000, 1) }]);
      const dest = path.join(dir, 't');
      await mkdir(dest);
      const cut = unpackLayer(Readable.from([whole.subarray(0, 3000)]), dest, {
        what: 't',
        logger: nopLogger,
      });
      await expect(cut).rejects.toSatisfy((e) => isImageArchiveError(e, 'Truncated'));
      const junk = path.join(dir, 'j');
      await mkdir(junk);
      const notTar = unpackLayer(Readable.from([Buffer.alloc(2048, 'z')]), junk, {
        what: 'j',
        logger: nopLogger,
      });
      await expect(notTar).rejects.toSatisfy((e) => isImageArchiveError(e, 'NotAnArchive'));
    });
  });
});

describe('packLayer', () => {
  it('packs an unpacked layer back to the same tree, whiteouts and opaque dirs included', async () => {
    await withTempDir('tug-pack-', async (dir) => {
      const a = path.join(dir, 'a');
      await unpack(
        [
          { name: 'd/', type: 'directory', mode: 0o750, mtime },
          { name: 'd/f', content: 'data', mode: 0o640, uid: 7, gid: 8, mtime },
          { name: 'd/h', type: 'link', linkname: 'd/f' },
          { name: 'd/.wh.old', content: '' },
          { name: 'o/.wh..wh..opq', content: '' },
          { name: 's', type: 'symlink', linkname: 'd/f', mtime },
        ],
        a,
      );
      const tarFile = path.join(dir, 'a.tar');
      await packLayer(a, createWriteStream(tarFile), { mtime });
      const b = path.join(dir, 'b');
      await mkdir(b);
      await unpackLayer(createReadStream(tarFile), b, { what: 'repacked', logger: nopLogger });
      const f = await stat(path.join(b, 'd/f'));
      expect([f.mode & 0o7777, f.uid, f.gid, f.nlink]).toEqual([0o640, 7, 8, 2]);
      expect((await stat(path.join(b, 'd'))).mode & 0o7777).toBe(0o750);
      expect((await lstat(path.join(b, 'd/old'))).isCharacterDevice()).toBe(true);
      expect(await readlink(path.join(b, 's'))).toBe('d/f');
      const attr = await runCommand('getfattr', [
        '--only-values',
        '-n',
        'trusted.overlay.opaque',
        path.join(b, 'o'),
      ]);
      expect(attr).toBe('y');
      // Same tree, same clamp: same bytes.
      const tarFile2 = path.join(dir, 'b.tar');
      await packLayer(b, createWriteStream(tarFile2), { mtime });
      expect((await readFile(tarFile2)).equals(await readFile(tarFile))).toBe(true);
    });
  });
});
