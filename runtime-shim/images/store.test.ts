import { readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isAmbiguousImageRef, isImageArchiveError, isInvalidImageRef } from './errors.js';
import { sha256Of } from './digest.js';
import { LocalImageStore } from './store.js';
import {
  makeConfig,
  makeDockerArchive,
  makeLayer,
  makeOciArchive,
  makeTar,
  withTempDir,
  type TestLayer,
} from './testing.js';

const base = (): Promise<TestLayer> =>
  makeLayer([
    { name: 'bin/', type: 'directory' },
    { name: 'bin/tool', content: '#!/bin/sh\necho base\n', mode: 0o755 },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', content: 'NAME=test\n' },
  ]);

function src(b: Buffer): Readable {
  return Readable.from([b]);
}

async function storeContents(root: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const d of ['blobs/sha256', 'layers', 'images', 'names', 'tmp'])
    out[d] = await readdir(path.join(root, d));
  return out;
}

describe('LocalImageStore import', () => {
  it('imports a docker save archive and finds the image by name, id and short id', async () => {
    await withTempDir('tug-store-', async (dir) => {
      const store = new LocalImageStore({ root: path.join(dir, 'store') });
      const l = await base();
      const config = makeConfig([l], ['/bin/tool'], ['PATH=/bin']);
      const [img, ...rest] = await store.importArchive(
        src(
          await makeDockerArchive([
            { layers: [l], repoTags: ['test/base:1', 'test/base:latest'], config },
          ]),
        ),
      );
      expect(rest).toEqual([]);
      expect(img?.repoTags).toEqual(['docker.io/test/base:1', 'docker.io/test/base:latest']);
      expect(img?.layers).toEqual([l.diffID]);
      expect(img?.config).toEqual({ cmd: ['/bin/tool'], env: ['PATH=/bin'] });
      expect(img?.size).toBe('#!/bin/sh\necho base\n'.length + 'NAME=test\n'.length);
      const id = img?.id ?? '';
      for (const ref of [
        'test/base',
        'docker.io/test/base:1',
        id,
        id.slice(7),
        id.slice(7, 19),
        id.slice(0, 19),
      ]) {
        expect((await store.get(ref))?.id, ref).toBe(id);
      }
      expect(await store.get('test/base:2')).toBeUndefined();
      expect(await store.get('0123456789ab')).toBeUndefined();
      await expect(store.get('Bad/Name')).rejects.toSatisfy(isInvalidImageRef);
      expect((await store.list()).map((i) => i.id)).toEqual([id]);
    });
  });

  it('imports an OCI layout archive with gzip layers, gzipped as a whole, and keeps repo digests', async () => {
    await withTempDir('tug-store-', async (dir) => {
      const store = new LocalImageStore({ root: path.join(dir, 'store') });
      const l1 = await base();
      const l2 = await makeLayer([{ name: 'app', content: 'app' }]);
      const archive = await makeOciArchive([
        {
          layers: [l1, l2],
          refNames: ['localhost:5000/app:v1', 'localhost:5000/app:v2'],
          gzipLayers: true,
        },
      ]);
      const imgs = await store.importArchive(src(gzipSync(archive)));
      expect(imgs).toHaveLength(1);
      expect(imgs[0]?.repoTags).toEqual(['localhost:5000/app:v1', 'localhost:5000/app:v2']);
      expect(imgs[0]?.repoDigests).toHaveLength(1);
      expect(imgs[0]?.repoDigests[0]).toMatch(/^localhost:5000\/app@sha256:[a-f0-9]{64}$/);
      expect(imgs[0]?.layers).toEqual([l1.diffID, l2.diffID]);
      expect((await store.get(imgs[0]?.repoDigests[0] ?? ''))?.id).toBe(imgs[0]?.id);
      const layerDir = path.join(dir, 'store/layers', l2.diffID.slice(7), 'diff');
      expect(await readFile(path.join(layerDir, 'app'), 'utf8')).toBe('app');
    });
  });

  it('gives the files behind an image (config blob, layer blobs, layer dirs) and its created time', async () => {
    await withTempDir('tug-store-', async (dir) => {
      const store = new LocalImageStore({ root: path.join(dir, 'store') });
      const l1 = await base();
      const l2 = await makeLayer([{ name: 'app', content: 'app' }]);
      const config = makeConfig([l1, l2]);
      const [img] = await store.importArchive(
        src(await makeDockerArchive([{ layers: [l1, l2], repoTags: ['t/files:1'], config }])),
      );
      expect(img?.created).toBe('2024-01-01T00:00:00Z');
      expect((await store.get('t/files:1'))?.created).toBe('2024-01-01T00:00:00Z');
      const files = await store.imageFiles('t/files:1');
      expect(files?.image.id).toBe(img?.id);
      expect(await readFile(files?.configFile ?? '')).toEqual(config);
      expect(files?.layers.map((l) => l.diffID)).toEqual([l1.diffID, l2.diffID]);
      expect(sha256Of(await readFile(files?.layers[1]?.blobFile ?? ''))).toBe(l2.diffID);
      expect(await readFile(path.join(files?.layers[1]?.dir ?? '', 'app'), 'utf8')).toBe('app');
      expect(await store.imageFiles('t/files:2')).toBeUndefined();
    });
  });

  it('reads docker save archives of Docker 25+ (blobs/ paths) and of old Docker (symlinked layer.tar)', async () => {
    await withTempDir('tug-store-', async (dir) => {
      const store = new LocalImageStore({ root: path.join(dir, 'store') });
      const l = await base();
      const cfg = makeConfig([l], ['new']);
      const cfgHex = sha256Of(cfg).slice(7);
      const modern = await makeTar([
        { name: 'blobs/sha256/', type: 'directory' },
        { name: `blobs/sha256/${l.diffID.slice(7)}`, content: l.tar },
        { name: `blobs/sha256/${cfgHex}`, content: cfg },
        { name: 'oci-layout', content: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
        { name: 'index.json', content: JSON.stringify({ schemaVersion: 2, manifests: [] }) },
        {
          name: 'manifest.json',
          content: JSON.stringify([
            {
              Config: `blobs/sha256/${cfgHex}`,
              RepoTags: ['modern:1'],
              Layers: [`blobs/sha256/${l.diffID.slice(7)}`],
            },
          ]),
        },
      ]);
      const [m] = await store.importArchive(src(modern));
      expect(m?.repoTags).toEqual(['docker.io/library/modern:1']);
      expect(m?.config.cmd).toEqual(['new']);

      const cfg2 = makeConfig([l, l], ['old']);
      const old = await makeTar([
        { name: 'aaa/layer.tar', content: l.tar },
        { name: 'bbb/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' },
        { name: 'cfg.json', content: cfg2 },
        {
          name: 'manifest.json',
          content: JSON.stringify([
            { Config: 'cfg.json', RepoTags: ['old:1'], Layers: ['aaa/layer.tar', 'bbb/layer.tar'] },
          ]),
        },
      ]);
      const [o] = await store.importArchive(src(old));
      expect(o?.layers).toEqual([l.diffID, l.diffID]);
      // A file named by a digest must hash to it.
      const lying = await makeTar([
        { name: `${'0'.repeat(64)}.json`, content: cfg },
        { name: 'l.tar', content: l.tar },
        {
          name: 'manifest.json',
          content: JSON.stringify([
            { Config: `${'0'.repeat(64)}.json`, RepoTags: [], Layers: ['l.tar'] },
          ]),
        },
      ]);
      await expect(store.importArchive(src(lying))).rejects.toSatisfy((e) =>
        isImageArchiveError(e, 'DigestMismatch'),
      );
    });
  });

  it('unpacks a shared layer once and removes only what nothing else uses', async () => {
    await withTempDir('tug-store-', async (dir) => {
      const root = path.join(dir, 'store');
      const store = new LocalImageStore({ root });
      const shared = await base();
      const a = await makeLayer([{ name: 'a', content: 'A' }]);
      const b = await makeLayer([{ name: 'b', content: 'B' }]);
      const [imgA] = await store.importArchive(
        src(await makeDockerArchive([{ layers: [shared, a], repoTags: ['img-a'] }])),
      );
      const sharedDir = path.join(root, 'layers', shared.diffID.slice(7), 'diff');
      const before = await stat(sharedDir);
      const [imgB] = await store.importArchive(
        src(
          await makeOciArchive([
            { layers: [shared, b], refNames: ['docker.io/library/img-b:latest'] },
          ]),
        ),
      );
      // Same dir, same inode: the shared layer was not unpacked again.
      expect((await stat(sharedDir)).ino).toBe(before.ino);
      expect((await readdir(path.join(root, 'layers'))).sort()).toEqual(
        [shared, a, b].map((l) => l.diffID.slice(7)).sort(),
      );
      await store.remove('img-a');
      expect(await store.get('img-a')).toBeUndefined();
      expect(await store.get(imgA?.id ?? '')).toBeUndefined();
      expect((await readdir(path.join(root, 'layers'))).sort()).toEqual(
        [shared, b].map((l) => l.diffID.slice(7)).sort(),
      );
      const merged = await store.mountRootfs('ctr-b', imgB!);
      try {
        expect(await readFile(path.join(merged, 'etc/os-release'), 'utf8')).toBe('NAME=test\n');
        expect(await readFile(path.join(merged, 'b'), 'utf8')).toBe('B');
      } finally {
        await store.unmountRootfs('ctr-b');
      }
      await store.remove('img-b');
      await store.remove('img-b');
      expect(await storeContents(root)).toEqual({
        'blobs/sha256': [],
        layers: [],
        images: [],
        names: [],
        tmp: [],
      });
    });
  });

  it('runs concurrent imports of one archive without corrupting anything', async () => {
    await withTempDir('tug-store-', async (dir) => {
      const root = path.join(dir, 'store');
      const store = new LocalImageStore({ root });
      const archive = await makeDockerArchive([
        {
          layers: [await base(), await makeLayer([{ name: 'x', content: 'x' }])],
          repoTags: ['same:1'],
        },
      ]);
      const results = await Promise.all([1, 2, 3, 4].map(() => store.importArchive(src(archive))));
      expect(new Set(results.map((r) => r[0]?.id)).size).toBe(1);
      expect(await readdir(path.join(root, 'layers'))).toHaveLength(2);
      expect(await readdir(path.join(root, 'images'))).toHaveLength(1);
      expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
      // And a second store on the same root (a restarted shim) sees the same.
      const again = new LocalImageStore({ root });
      expect((await again.get('same:1'))?.id).toBe(results[0]?.[0]?.id);
    });
  });

  it('moves a name to the newly imported image and keeps the old one by id', async () => {
    await withTempDir('tug-store-', async (dir) => {
      const store = new LocalImageStore({ root: path.join(dir, 'store') });
      const l = await base();
      const [v1] = await store.importArchive(
        src(
          await makeDockerArchive([
            { layers: [l], repoTags: ['app:latest'], config: makeConfig([l], ['v1']) },
          ]),
        ),
      );
      const [v2] = await store.importArchive(
        src(
          await makeDockerArchive([
            { layers: [l], repoTags: ['app:latest'], config: makeConfig([l], ['v2']) },
          ]),
        ),
      );
      expect((await store.get('app'))?.id).toBe(v2?.id);
      expect((await store.get(v1?.id ?? ''))?.repoTags).toEqual([]);
      await store.tag(v1?.id ?? '', 'app:old');
      expect((await store.get('app:old'))?.config.cmd).toEqual(['v1']);
      await expect(store.tag(v1?.id ?? '', `app@sha256:${'a'.repeat(64)}`)).rejects.toSatisfy(
        isInvalidImageRef,
      );
      expect(await store.tag('missing:1', 'app:x')).toBeUndefined();
    });
  });

  it('refuses an ambiguous id prefix and finds a unique one', async () => {
    await withTempDir('tug-store-', async (dir) => {
      const root = path.join(dir, 'store');
      const store = new LocalImageStore({ root });
      await store.list();
      // Real ids sharing 12 hex digits cannot be made by hashing, so write two records by hand.
      const ids = ['abcdef1234560', 'abcdef1234561'].map((p) => `sha256:${p}${'0'.repeat(51)}`);
      for (const id of ids) {
        const rec = { id, config: {}, layers: [], layerBlobs: [], size: 0 };
        await writeFile(path.join(root, 'images', `${id.slice(7)}.json`), JSON.stringify(rec));
      }
      await expect(store.get('abcdef123456')).rejects.toSatisfy(isAmbiguousImageRef);
      await expect(store.get('sha256:abcdef123456')).rejects.toSatisfy(isAmbiguousImageRef);
      expect((await store.get('abcdef1234561'))?.id).toBe(ids[1]);
      expect(await store.get('abcdef12345')).toBeUndefined();
    });
  });

  it('reports the bytes and inodes it uses', async () => {
    await withTempDir('tug-store-', async (dir) => {
      const store = new LocalImageStore({ root: path.join(dir, 'store') });
      const empty = await store.fsInfo();
      await store.importArchive(
        src(await makeDockerArchive([{ layers: [await base()], repoTags: ['fs:1'] }])),
      );
      const full = await store.fsInfo();
      expect(full.mountpoint).toBe(await realpath(path.join(dir, 'store')));
      expect(full.usedBytes).toBeGreaterThan(empty.usedBytes);
      expect(full.inodesUsed).toBeGreaterThanOrEqual(empty.inodesUsed + 5);
      await store.remove('fs:1');
      expect((await store.fsInfo()).usedBytes).toBe(empty.usedBytes);
    });
  });
});

describe('LocalImageStore bad archives', () => {
  const cases: [string, () => Promise<Buffer>, string][] = [
    ['not a tar', async () => Buffer.alloc(4096, 'x'), 'NotAnArchive'],
    ['empty', async () => Buffer.alloc(0), 'NotAnArchive'],
    [
      'truncated',
      async () => {
        const big = await makeLayer([{ name: 'blob', content: Buffer.alloc(64 * 1024, 7) }]);
        const a = await makeDockerArchive([{ layers: [big], repoTags: ['t:1'] }]);
        return a.subarray(0, 40 * 1024);
      },
      'Truncated',
    ],
    [
      'truncated gzip',
      async () =>
        gzipSync(await makeDockerArchive([{ layers: [await base()], repoTags: ['t:1'] }])).subarray(
          0,
          300,
        ),
      'Truncated',
    ],
    [
      'a tar of something else',
      () => makeTar([{ name: 'README', content: 'hello' }]),
      'UnknownFormat',
    ],
    [
      'layer digest mismatch',
      async () => {
        const l = await base();
        const other = await makeLayer([{ name: 'other', content: 'o' }]);
        return makeDockerArchive([{ layers: [l], repoTags: ['t:1'], config: makeConfig([other]) }]);
      },
      'DigestMismatch',
    ],
    [
      'OCI blob digest mismatch',
      async () => {
        const a = await makeOciArchive([{ layers: [await base()], refNames: ['x/y:1'] }]);
        // Flip one byte inside the first blob's content (after the 512-byte headers of the first entries).
        const i = a.indexOf(Buffer.from('NAME=test'));
        const bad = Buffer.from(a);
        bad[i] = 'X'.charCodeAt(0);
        return bad;
      },
      'DigestMismatch',
    ],
    [
      'path traversal in a layer',
      async () => {
        const good = await base();
        const evil = await makeLayer([{ name: '../../evil', content: 'x' }]);
        return makeDockerArchive([{ layers: [good, evil], repoTags: ['t:1'] }]);
      },
      'PathTraversal',
    ],
    [
      'missing layer file',
      async () => {
        const l = await base();
        const a = await makeTar([
          { name: 'cfg.json', content: makeConfig([l]) },
          {
            name: 'manifest.json',
            content: JSON.stringify([
              { Config: 'cfg.json', RepoTags: ['t:1'], Layers: ['nope/layer.tar'] },
            ]),
          },
        ]);
        return a;
      },
      'MissingBlob',
    ],
    [
      'bad name in manifest.json',
      async () => makeDockerArchive([{ layers: [await base()], repoTags: ['UPPER:1'] }]),
      'BadManifest',
    ],
  ];

  it.each(cases)('%s → ImageArchiveError and nothing stored', async (_name, make, reason) => {
    await withTempDir('tug-store-bad-', async (dir) => {
      const root = path.join(dir, 'store');
      const store = new LocalImageStore({ root });
      let caught: unknown;
      try {
        await store.importArchive(src(await make()));
      } catch (e) {
        caught = e;
      }
      expect(caught, String(caught)).toSatisfy((e) => isImageArchiveError(e));
      expect((caught as { reason: string }).reason).toBe(reason);
      expect(await storeContents(root)).toEqual({
        'blobs/sha256': [],
        layers: [],
        images: [],
        names: [],
        tmp: [],
      });
      expect(await store.list()).toEqual([]);
    });
  });
});
