import { createWriteStream } from 'node:fs';
import { mkdir, readFile, symlink, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeImageArchive, type WriteImageArchiveOptions } from './archive-writer.js';
import { isInvalidImageRef } from './errors.js';
import { LocalImageStore } from './store.js';
import { makeTar, withTempDir } from './testing.js';

async function makeTree(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'bin'), { recursive: true });
  await writeFile(path.join(dir, 'bin/app'), '#!/bin/sh\necho app\n');
  await chmod(path.join(dir, 'bin/app'), 0o755);
  await symlink('app', path.join(dir, 'bin/alias'));
  await mkdir(path.join(dir, 'tmp'));
  await chmod(path.join(dir, 'tmp'), 0o1777);
}

async function write(
  opts: WriteImageArchiveOptions,
  file: string,
): ReturnType<typeof writeImageArchive> {
  return writeImageArchive(opts, createWriteStream(file));
}

describe('writeImageArchive', () => {
  it.each(['docker', 'oci'] as const)(
    'writes a %s archive the store imports with the same ids',
    async (format) => {
      await withTempDir('tug-writer-', async (dir) => {
        const base = path.join(dir, 'base');
        await makeTree(base);
        const extraTar = await makeTar([{ name: 'extra.txt', content: 'extra' }]);
        const extraFile = path.join(dir, 'extra.tar.gz');
        await writeFile(extraFile, gzipSync(extraTar));
        const baseLayer = { dir: base };
        const opts: WriteImageArchiveOptions = {
          format,
          gzipLayers: format === 'oci',
          sourceDate: new Date('2024-01-01T00:00:00Z'),
          tmpDir: dir,
          images: [
            {
              config: { cmd: ['/bin/app'], env: ['V=1'], exposedPorts: ['8080/tcp'] },
              layers: [baseLayer, { tarFile: extraFile }],
              repoTags: ['example/app:1', 'localhost:5000/app:1'],
            },
            {
              config: { entrypoint: ['/bin/app'], env: ['V=2'] },
              layers: [baseLayer, { tarStream: Readable.from([extraTar]) }],
              repoTags: ['example/app:2'],
            },
          ],
        };
        const archive = path.join(dir, `out-${format}.tar`);
        const written = await write(opts, archive);
        expect(written).toHaveLength(2);
        expect(written[0]?.diffIDs).toEqual(written[1]?.diffIDs);

        const store = new LocalImageStore({ root: path.join(dir, 'store') });
        const imported = await store.importArchive(createReadStream(archive));
        expect(imported.map((i) => i.id).sort()).toEqual(written.map((w) => w.id).sort());
        const one = await store.get('example/app:1');
        expect(one?.id).toBe(written[0]?.id);
        expect(one?.repoTags).toEqual(['docker.io/example/app:1', 'localhost:5000/app:1']);
        expect(one?.config).toEqual({
          cmd: ['/bin/app'],
          env: ['V=1'],
          exposedPorts: ['8080/tcp'],
        });
        expect((await store.get('example/app:2'))?.config.entrypoint).toEqual(['/bin/app']);
        if (format === 'oci') expect(one?.repoDigests).toHaveLength(2);

        const merged = await store.mountRootfs(`w-${format}`, one!);
        try {
          expect(await readFile(path.join(merged, 'bin/alias'), 'utf8')).toBe(
            '#!/bin/sh\necho app\n',
          );
          expect(await readFile(path.join(merged, 'extra.txt'), 'utf8')).toBe('extra');
        } finally {
          await store.unmountRootfs(`w-${format}`);
        }

        // Same inputs, same sourceDate: the same bytes.
        const again = path.join(dir, `again-${format}.tar`);
        await write(
          {
            ...opts,
            images: opts.images.map((i, n) =>
              n === 1 ? { ...i, layers: [baseLayer, { tarStream: Readable.from([extraTar]) }] } : i,
            ),
          },
          again,
        );
        expect((await readFile(again)).equals(await readFile(archive))).toBe(true);
      });
    },
  );

  it('writes a given history as is and refuses one that does not match the layers', async () => {
    await withTempDir('tug-writer-', async (dir) => {
      const layer = path.join(dir, 'layer');
      await makeTree(layer);
      const history = [
        { created: '2023-01-01T00:00:00Z', created_by: 'base layer' },
        { created: '2024-01-01T00:00:00Z', created_by: 'ENV A=1', empty_layer: true },
      ];
      const archive = path.join(dir, 'h.tar');
      await write(
        {
          format: 'docker',
          images: [
            { config: { env: ['A=1'] }, layers: [{ dir: layer }], repoTags: ['h:1'], history },
          ],
        },
        archive,
      );
      const store = new LocalImageStore({ root: path.join(dir, 'store') });
      await store.importArchive(createReadStream(archive));
      const files = await store.imageFiles('h:1');
      const config = JSON.parse(await readFile(files?.configFile ?? '', 'utf8')) as {
        history: unknown;
      };
      expect(config.history).toEqual(history);

      const bad = write(
        {
          format: 'docker',
          images: [{ config: {}, layers: [{ dir: layer }], repoTags: ['h:2'], history: [] }],
        },
        path.join(dir, 'bad.tar'),
      );
      await expect(bad).rejects.toThrow(/0 entries with a layer for 1 layers/);
    });
  });

  it('refuses a bad tag before writing anything', async () => {
    await withTempDir('tug-writer-', async (dir) => {
      const p = write(
        { format: 'docker', images: [{ config: {}, layers: [], repoTags: ['Bad:1'] }] },
        path.join(dir, 'x.tar'),
      );
      await expect(p).rejects.toSatisfy(isInvalidImageRef);
    });
  });
});
