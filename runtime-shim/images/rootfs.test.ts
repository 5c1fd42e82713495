import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isImageStoreError } from './errors.js';
import { readMountInfo } from './mountinfo.js';
import { LocalImageStore } from './store.js';
import { makeDockerArchive, makeLayer, withTempDir, type TestLayer } from './testing.js';
import type { ImageRecord } from './types.js';

async function mountsUnder(dir: string): Promise<string[]> {
  return (await readMountInfo()).map((m) => m.mountPoint).filter((p) => p.startsWith(dir + '/'));
}

async function importLayers(
  store: LocalImageStore,
  layers: TestLayer[],
  tag: string,
): Promise<ImageRecord> {
  const [img] = await store.importArchive(
    Readable.from([await makeDockerArchive([{ layers, repoTags: [tag] }])]),
  );
  if (!img) throw new Error('no image imported');
  return img;
}

describe('LocalImageStore rootfs', () => {
  it('shows whiteouts and opaque dirs through the overlay', async () => {
    await withTempDir('tug-rootfs-', async (dir) => {
      const store = new LocalImageStore({ root: path.join(dir, 'store') });
      const lower = await makeLayer([
        { name: 'etc/', type: 'directory' },
        { name: 'etc/a', content: 'a' },
        { name: 'etc/b', content: 'b' },
        { name: 'var/cache/', type: 'directory' },
        { name: 'var/cache/x', content: 'x' },
        { name: 'var/cache/y', content: 'y' },
      ]);
      const upper = await makeLayer([
        { name: 'etc/.wh.a', content: '' },
        { name: 'var/cache/.wh..wh..opq', content: '' },
        { name: 'var/cache/z', content: 'z' },
      ]);
      const img = await importLayers(store, [lower, upper], 'wh:1');
      const merged = await store.mountRootfs('c1', img);
      try {
        expect((await readdir(path.join(merged, 'etc'))).sort()).toEqual(['b']);
        expect((await readdir(path.join(merged, 'var/cache'))).sort()).toEqual(['z']);
        await expect(lstat(path.join(merged, 'etc/a'))).rejects.toThrow(/ENOENT/);
      } finally {
        await store.unmountRootfs('c1');
      }
    });
  });

  it('keeps containers of one image apart and the layers untouched', async () => {
    await withTempDir('tug-rootfs-', async (dir) => {
      const root = path.join(dir, 'store');
      const store = new LocalImageStore({ root });
      const l = await makeLayer([
        { name: 'data/', type: 'directory' },
        { name: 'data/f', content: 'orig' },
      ]);
      const img = await importLayers(store, [l], 'iso:1');
      const m1 = await store.mountRootfs('one', img);
      const m2 = await store.mountRootfs('two', img);
      try {
        expect(m1).not.toBe(m2);
        await writeFile(path.join(m1, 'data/f'), 'changed');
        await writeFile(path.join(m1, 'new'), 'n');
        expect(await readFile(path.join(m1, 'data/f'), 'utf8')).toBe('changed');
        expect(await readFile(path.join(m2, 'data/f'), 'utf8')).toBe('orig');
        await expect(lstat(path.join(m2, 'new'))).rejects.toThrow(/ENOENT/);
        const layerDir = path.join(root, 'layers', l.diffID.slice(7), 'diff');
        expect(await readFile(path.join(layerDir, 'data/f'), 'utf8')).toBe('orig');
        expect((await readdir(layerDir)).sort()).toEqual(['data']);
      } finally {
        await store.unmountRootfs('one');
        await store.unmountRootfs('two');
      }
    });
  });

  it('mounts idempotently, and unmounts from on-disk state after a restart', async () => {
    await withTempDir('tug-rootfs-', async (dir) => {
      const root = path.join(dir, 'store');
      const store = new LocalImageStore({ root });
      const img = await importLayers(
        store,
        [await makeLayer([{ name: 'f', content: 'f' }])],
        'idem:1',
      );
      const m1 = await store.mountRootfs('ctr', img);
      const m2 = await store.mountRootfs('ctr', img);
      expect(m2).toBe(m1);
      expect(await mountsUnder(dir)).toEqual([m1]);
      expect(await store.listRootfs()).toEqual(['ctr']);
      // Another image for the same container is a caller bug, not a remount.
      const other = await importLayers(
        store,
        [await makeLayer([{ name: 'g', content: 'g' }])],
        'other:1',
      );
      await expect(store.mountRootfs('ctr', other)).rejects.toSatisfy((e) =>
        isImageStoreError(e, 'RootfsConflict'),
      );

      const restarted = new LocalImageStore({ root });
      expect(await restarted.listRootfs()).toEqual(['ctr']);
      expect(await restarted.mountRootfs('ctr', img)).toBe(m1);
      await restarted.unmountRootfs('ctr');
      await restarted.unmountRootfs('ctr');
      expect(await mountsUnder(dir)).toEqual([]);
      expect(await readdir(path.join(root, 'containers'))).toEqual([]);
      expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
      expect(await restarted.listRootfs()).toEqual([]);
    });
  });

  it('keeps a removed image’s layers while a container uses them, and drops them after', async () => {
    await withTempDir('tug-rootfs-', async (dir) => {
      const root = path.join(dir, 'store');
      const store = new LocalImageStore({ root });
      const img = await importLayers(
        store,
        [await makeLayer([{ name: 'keep', content: 'k' }])],
        'inuse:1',
      );
      const merged = await store.mountRootfs('user', img);
      try {
        await store.remove('inuse:1');
        expect(await store.get('inuse:1')).toBeUndefined();
        expect(await readFile(path.join(merged, 'keep'), 'utf8')).toBe('k');
        expect(await readdir(path.join(root, 'layers'))).toHaveLength(1);
      } finally {
        await store.unmountRootfs('user');
      }
      expect(await readdir(path.join(root, 'layers'))).toEqual([]);
    });
  });

  it('mounts an image of 120 layers (lowerdir length)', async () => {
    await withTempDir('tug-rootfs-', async (dir) => {
      const store = new LocalImageStore({
        root: path.join(dir, 'store-with-a-long-enough-name'.repeat(3)),
      });
      const layers: TestLayer[] = [];
      for (let i = 0; i < 120; i++)
        layers.push(await makeLayer([{ name: `f${i}`, content: String(i) }]));
      const img = await importLayers(store, layers, 'many:1');
      const merged = await store.mountRootfs('many', img);
      try {
        expect(await readdir(merged)).toHaveLength(120);
        expect(await readFile(path.join(merged, 'f119'), 'utf8')).toBe('119');
      } finally {
        await store.unmountRootfs('many');
      }
    });
  });

  it('reports a busy rootfs and refuses unsafe container ids', async () => {
    await withTempDir('tug-rootfs-', async (dir) => {
      const store = new LocalImageStore({ root: path.join(dir, 'store') });
      const img = await importLayers(
        store,
        [await makeLayer([{ name: 'f', content: 'f' }])],
        'busy:1',
      );
      const merged = await store.mountRootfs('busy', img);
      const holder = spawn('sleep', ['600'], { cwd: merged, stdio: 'ignore' });
      try {
        await once(holder, 'spawn');
        await expect(store.unmountRootfs('busy')).rejects.toSatisfy((e) =>
          isImageStoreError(e, 'RootfsBusy'),
        );
        expect(await mountsUnder(dir)).toEqual([merged]);
      } finally {
        holder.kill('SIGKILL');
        if (holder.exitCode === null && holder.signalCode === null) await once(holder, 'exit');
      }
      await store.unmountRootfs('busy');
      expect(await mountsUnder(dir)).toEqual([]);
      for (const bad of ['', '../x', 'a/b', '.hidden', 'x'.repeat(200)]) {
        await expect(store.mountRootfs(bad, img)).rejects.toSatisfy((e) =>
          isImageStoreError(e, 'InvalidContainerId'),
        );
      }
    });
  });
});
