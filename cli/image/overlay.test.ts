import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packLayer } from '../../runtime-shim/images/index.js';
import { readMountInfo } from '../../runtime-shim/images/mountinfo.js';
import { isEmptyDir, mountOverlay, removeStaleBuilds, unmountUnder } from './overlay.js';

/** packEntries packs `dir` with packLayer and lists the tar's entry names. */
async function packEntries(dir: string): Promise<string[]> {
  const chunks: Buffer[] = [];
  await packLayer(
    dir,
    new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
  );
  const names: string[] = [];
  const x = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    x.on('entry', (h, s, next) => {
      names.push(h.name);
      s.resume();
      s.on('end', next);
    });
    x.on('finish', resolve);
    x.on('error', reject);
  });
  Readable.from([Buffer.concat(chunks)]).pipe(x);
  await done;
  return names;
}

describe('build overlays (real overlayfs)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'tug-overlay-')));
  });
  afterEach(async () => {
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  });

  it('turns deletions in the upper dir into OCI whiteouts when packed', async () => {
    const lower = path.join(dir, 'lower0');
    await mkdir(path.join(lower, 'etc'), { recursive: true });
    await mkdir(path.join(lower, 'var/cache'), { recursive: true });
    await writeFile(path.join(lower, 'etc/group'), 'root:x:0:\n');
    await writeFile(path.join(lower, 'etc/keep'), 'k');
    await writeFile(path.join(lower, 'var/cache/old'), 'o');
    const step = path.join(dir, 'step');
    await mkdir(step);
    const o = await mountOverlay(step, [lower]);
    expect(await isEmptyDir(o.upper)).toBe(true);
    await rm(path.join(o.merged, 'etc/group'));
    await rm(path.join(o.merged, 'var/cache'), { recursive: true });
    await mkdir(path.join(o.merged, 'var/cache'));
    await writeFile(path.join(o.merged, 'var/cache/new'), 'n');
    await unmountUnder(o.merged);
    expect((await readMountInfo()).some((m) => m.mountPoint === o.merged)).toBe(false);
    expect((await packEntries(o.upper)).sort()).toEqual([
      'etc/',
      'etc/.wh.group',
      'var/',
      'var/cache/',
      'var/cache/.wh..wh..opq',
      'var/cache/new',
    ]);

    // The upper dir works as a lower dir of the next step as it is.
    const next = path.join(dir, 'next');
    await mkdir(next);
    const o2 = await mountOverlay(next, [o.upper, lower]);
    expect((await readdir(path.join(o2.merged, 'etc'))).sort()).toEqual(['keep']);
    expect(await readdir(path.join(o2.merged, 'var/cache'))).toEqual(['new']);
    await unmountUnder(next);
  });

  it('mounts an empty root filesystem for FROM scratch', async () => {
    const o = await mountOverlay(path.join(dir, 's'), []);
    expect(await readdir(o.merged)).toEqual([]);
    await writeFile(path.join(o.merged, 'x'), 'x');
    await unmountUnder(o.merged);
    expect(await readdir(o.upper)).toEqual(['x']);
  });

  it('removes what builds of dead processes left mounted', async () => {
    const stale = path.join(dir, 'tug-build-999999999-abc');
    await mkdir(stale);
    const o = await mountOverlay(path.join(stale, 'step-1'), []);
    const live = path.join(dir, `tug-build-${process.pid}-def`);
    await mkdir(live);
    await removeStaleBuilds(dir);
    expect((await readMountInfo()).some((m) => m.mountPoint === o.merged)).toBe(false);
    expect((await readdir(dir)).sort()).toEqual([`tug-build-${process.pid}-def`]);
  });
});
