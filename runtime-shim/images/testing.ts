import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { sha256Of } from './digest.js';
import { runCommand } from './fs-util.js';
import { readMountInfo } from './mountinfo.js';

/**
 * Helpers for the image store's tests: hand-made tars and archives, and a
 * temp dir that is unmounted and removed whatever happened.
 */

/** TarEntry is one entry of a hand-made tar; content defaults to empty. */
export type TarEntry = Partial<tar.Header> & { name: string; content?: string | Buffer };

/** makeTar builds an uncompressed tar from `entries`, in order. */
export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const { content, ...header } = e;
    const body = typeof content === 'string' ? Buffer.from(content) : (content ?? Buffer.alloc(0));
    const full = {
      mode: header.type === 'directory' ? 0o755 : 0o644,
      mtime: new Date(1_700_000_000_000),
      ...header,
    };
    await new Promise<void>((resolve, reject) => {
      pack.entry(full, body, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** TestLayer is a layer tar and its diffID. */
export interface TestLayer {
  tar: Buffer;
  diffID: string;
}

/** makeLayer builds a layer tar from `entries`. */
export async function makeLayer(entries: TarEntry[]): Promise<TestLayer> {
  const t = await makeTar(entries);
  return { tar: t, diffID: sha256Of(t) };
}

/** makeConfig builds an image config file for `layers`. */
export function makeConfig(
  layers: TestLayer[],
  cmd: string[] = ['sh'],
  env: string[] = [],
): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Cmd: cmd, Env: env },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
    }),
  );
}

/** DockerImageSpec is one image of a hand-made `docker save` archive. */
export interface DockerImageSpec {
  layers: TestLayer[];
  repoTags: string[];
  config?: Buffer;
  gzipLayers?: boolean;
}

/** makeDockerArchive builds a `docker save` archive (old layout: `<id>/layer.tar`). */
export async function makeDockerArchive(images: DockerImageSpec[]): Promise<Buffer> {
  const entries: TarEntry[] = [];
  const manifest: unknown[] = [];
  const written = new Set<string>();
  for (const img of images) {
    const config = img.config ?? makeConfig(img.layers);
    const configName = `${sha256Of(config).slice(7)}.json`;
    const layerNames: string[] = [];
    for (const l of img.layers) {
      const name = `${l.diffID.slice(7)}${img.gzipLayers ? '-gz' : ''}/layer.tar`;
      layerNames.push(name);
      if (written.has(name)) continue;
      written.add(name);
      entries.push({ name, content: img.gzipLayers ? gzipSync(l.tar) : l.tar });
    }
    if (!written.has(configName)) entries.push({ name: configName, content: config });
    written.add(configName);
    manifest.push({ Config: configName, RepoTags: img.repoTags, Layers: layerNames });
  }
  entries.push({ name: 'manifest.json', content: JSON.stringify(manifest) });
  return makeTar(entries);
}

/** OciImageSpec is one image of a hand-made OCI image-layout archive. */
export interface OciImageSpec {
  layers: TestLayer[];
  /** refNames become `org.opencontainers.image.ref.name` annotations, one index entry each. */
  refNames: string[];
  config?: Buffer;
  gzipLayers?: boolean;
}

/** makeOciArchive builds an OCI image-layout archive. */
export async function makeOciArchive(images: OciImageSpec[]): Promise<Buffer> {
  const blobs = new Map<string, Buffer>();
  const put = (b: Buffer): { digest: string; size: number } => {
    const digest = sha256Of(b);
    blobs.set(digest, b);
    return { digest, size: b.length };
  };
  const index: unknown[] = [];
  for (const img of images) {
    const config = put(img.config ?? makeConfig(img.layers));
    const layers = img.layers.map((l) => ({
      mediaType: `application/vnd.oci.image.layer.v1.tar${img.gzipLayers ? '+gzip' : ''}`,
      ...put(img.gzipLayers ? gzipSync(l.tar) : l.tar),
    }));
    const manifest = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers,
        }),
      ),
    );
    for (const ref of img.refNames) {
      index.push({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        ...manifest,
        annotations: { 'org.opencontainers.image.ref.name': ref },
      });
    }
  }
  const entries: TarEntry[] = [
    { name: 'oci-layout', content: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
  ];
  for (const [digest, b] of blobs)
    entries.push({ name: `blobs/sha256/${digest.slice(7)}`, content: b });
  entries.push({
    name: 'index.json',
    content: JSON.stringify({ schemaVersion: 2, manifests: index }),
  });
  return makeTar(entries);
}

/** withTempDir runs `fn` with a fresh temp dir, then unmounts everything under it and removes it. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    await cleanupDir(dir);
  }
}

/** cleanupDir unmounts every mount at or under `dir` (deepest first) and removes it. */
export async function cleanupDir(dir: string): Promise<void> {
  const mounts = (await readMountInfo())
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await runCommand('umount', ['-l', m]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}
