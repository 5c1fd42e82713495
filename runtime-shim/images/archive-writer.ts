import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import {
  HashingStream,
  hexOf,
  openDecompressed,
  readHead,
  sha256Of,
  sniffCompression,
} from './digest.js';
import { packLayer } from './layer-pack.js';
import {
  Annotation,
  MediaType,
  containerConfigToJson,
  hostArchitecture,
  type ConfigJson,
  type Descriptor,
  type HistoryJson,
  type OciIndex,
  type OciManifest,
} from './oci.js';
import { familiarImageRef, parseImageRef } from './reference.js';
import { drained } from './tar-entries.js';
import { InvalidImageRefError } from './errors.js';
import type { ImageConfig } from './types.js';

/**
 * Writing image archives that `importArchive`, `docker load`, podman and
 * skopeo read: a `docker save` tar or an OCI image-layout tar, from layer
 * directories (packed deterministically), layer tars on disk, or layer tar
 * streams. Digests are computed while writing, so the archive is always
 * self-consistent. With a fixed `sourceDate` the same inputs give the same
 * bytes, so image ids are stable across builds.
 */

/** LayerSource is one layer: a directory to pack, a layer tar file (plain or gzip), or a tar stream. */
export type LayerSource = { dir: string } | { tarFile: string } | { tarStream: Readable };

/** ArchiveImage is one image to write. */
export interface ArchiveImage {
  config: ImageConfig;
  /** layers, bottom first. The same LayerSource object (or dir/file path) in several images is written once. */
  layers: LayerSource[];
  /** repoTags are names with tags (`busybox:1.35`, `docker.io/tugboat/webserver:1`); normalised when written. */
  repoTags: string[];
  /** createdBy describes each layer in the config's history (defaults to the writer's name). */
  createdBy?: string[];
  /**
   * history, when given, is the config's history as is (an image builder's
   * entries, `empty_layer` ones for config-only steps included) and
   * createdBy is unused. Its entries without `empty_layer` must be as many
   * as `layers`, or writeImageArchive throws.
   */
  history?: HistoryJson[];
  architecture?: string;
}

/** ArchiveFormat is `docker` (docker save / docker load) or `oci` (OCI image layout). */
export type ArchiveFormat = 'docker' | 'oci';

/** WriteImageArchiveOptions say what to write and how. */
export interface WriteImageArchiveOptions {
  format: ArchiveFormat;
  images: ArchiveImage[];
  /** gzipLayers compresses layers in an OCI archive (docker save layers are always plain). */
  gzipLayers?: boolean;
  /** sourceDate is the images' creation time and clamps every file mtime; default now (no clamp). */
  sourceDate?: Date;
  /** tmpDir is where layers are staged (their sizes must be known before they are written); default os.tmpdir(). */
  tmpDir?: string;
}

/** WrittenImage tells what went into the archive for one image. */
export interface WrittenImage {
  /** id is `sha256:` of the config blob, as the store will see it. */
  id: string;
  /** manifestDigest is the OCI manifest's digest (also computed for docker archives). */
  manifestDigest: string;
  repoTags: string[];
  diffIDs: string[];
}

interface StagedBlob {
  file: string;
  digest: string;
  size: number;
}

interface StagedLayer {
  diffID: string;
  /** plain is the uncompressed tar; blob is what goes in the archive (plain or gzip). */
  plain: StagedBlob;
  blob: StagedBlob;
  mediaType: string;
}

/**
 * writeImageArchive writes `opts.images` as one archive to `out` and ends it.
 * Throws InvalidImageRefError for a bad tag, and an Error for a history that
 * does not match the layers, before writing anything; rejects when a layer source
 * cannot be read or `out` fails. Layers are staged under a temp dir that is
 * removed afterwards.
 */
export async function writeImageArchive(
  opts: WriteImageArchiveOptions,
  out: Writable,
): Promise<WrittenImage[]> {
  const tags = opts.images.map((img) => img.repoTags.map(checkTag));
  const histories = opts.images.map((img) =>
    img.history ? checkedHistory(img.history, img.layers.length) : undefined,
  );
  const tmp = await mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'tug-archive-'));
  let w: TarWriter | undefined;
  try {
    const stager = new Stager(tmp, opts);
    const created = (opts.sourceDate ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const planned = [];
    for (const [i, img] of opts.images.entries()) {
      const layers: StagedLayer[] = [];
      for (const src of img.layers) layers.push(await stager.layer(src));
      const configJson: ConfigJson = {
        created,
        architecture: img.architecture ?? hostArchitecture(),
        os: 'linux',
        config: containerConfigToJson(img.config),
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
        history:
          histories[i] ??
          layers.map((_, j) => ({
            created,
            created_by: img.createdBy?.[j] ?? 'tugboat image writer',
          })),
      };
      const config = Buffer.from(JSON.stringify(configJson));
      const manifest: OciManifest = {
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: sha256Of(config), size: config.length },
        layers: layers.map((l) => ({
          mediaType: l.mediaType,
          digest: l.blob.digest,
          size: l.blob.size,
        })),
      };
      const manifestBytes = Buffer.from(JSON.stringify(manifest));
      planned.push({
        layers,
        config,
        manifestBytes,
        tags: tags[i] ?? [],
        architecture: configJson.architecture,
      });
    }
    const mtime = opts.sourceDate ?? new Date(0);
    const tw = new TarWriter(out, mtime);
    w = tw;
    if (opts.format === 'docker') {
      const manifestJson = [];
      const written = new Set<string>();
      for (const p of planned) {
        for (const l of p.layers) {
          const name = `${hexOf(l.diffID)}/layer.tar`;
          if (written.has(name)) continue;
          written.add(name);
          await tw.dir(`${hexOf(l.diffID)}/`);
          await tw.file(name, l.plain);
        }
        const configName = `${hexOf(sha256Of(p.config))}.json`;
        if (!written.has(configName)) await tw.buffer(configName, p.config);
        written.add(configName);
        manifestJson.push({
          Config: configName,
          RepoTags: p.tags.map((t) => familiarImageRef(t)),
          Layers: p.layers.map((l) => `${hexOf(l.diffID)}/layer.tar`),
        });
      }
      await tw.buffer('manifest.json', Buffer.from(JSON.stringify(manifestJson)));
    } else {
      await tw.buffer('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
      await tw.dir('blobs/');
      await tw.dir('blobs/sha256/');
      const written = new Set<string>();
      const blob = async (digest: string, write: () => Promise<void>): Promise<void> => {
        if (written.has(digest)) return;
        written.add(digest);
        await write();
      };
      const index: OciIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
      for (const p of planned) {
        for (const l of p.layers)
          await blob(l.blob.digest, () => tw.file(`blobs/sha256/${hexOf(l.blob.digest)}`, l.blob));
        const configDigest = sha256Of(p.config);
        await blob(configDigest, () => tw.buffer(`blobs/sha256/${hexOf(configDigest)}`, p.config));
        const manifestDigest = sha256Of(p.manifestBytes);
        await blob(manifestDigest, () =>
          tw.buffer(`blobs/sha256/${hexOf(manifestDigest)}`, p.manifestBytes),
        );
        const desc: Descriptor = {
          mediaType: MediaType.ociManifest,
          digest: manifestDigest,
          size: p.manifestBytes.length,
          platform: { architecture: p.architecture, os: 'linux' },
        };
        if (p.tags.length === 0) index.manifests.push(desc);
        for (const t of p.tags) {
          index.manifests.push({
            ...desc,
            annotations: {
              [Annotation.containerdName]: t,
              [Annotation.refName]: parseImageRef(t).tag ?? 'latest',
            },
          });
        }
      }
      await tw.buffer('index.json', Buffer.from(JSON.stringify(index)));
    }
    await tw.finish();
    return planned.map((p) => ({
      id: sha256Of(p.config),
      manifestDigest: sha256Of(p.manifestBytes),
      repoTags: p.tags,
      diffIDs: p.layers.map((l) => l.diffID),
    }));
  } catch (e) {
    // A half-written archive must not look finished: fail the output stream too.
    if (w) w.abort(e);
    else out.destroy(e instanceof Error ? e : new Error(String(e)));
    throw e;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

// checkedHistory copies a given history after checking that it has one entry per layer.
function checkedHistory(history: HistoryJson[], layers: number): HistoryJson[] {
  const withLayer = history.filter((h) => h.empty_layer !== true).length;
  if (withLayer !== layers) {
    throw new Error(`image history has ${withLayer} entries with a layer for ${layers} layers`);
  }
  return history.map((h) => ({ ...h }));
}

// checkTag normalises a tag name; a digest reference cannot be a tag.
function checkTag(name: string): string {
  const ref = parseImageRef(name);
  if (ref.digest !== undefined)
    throw new InvalidImageRefError(name, 'a repo tag cannot carry a digest');
  return `${ref.domain}/${ref.path}:${ref.tag ?? 'latest'}`;
}

class Stager {
  private n = 0;
  private readonly byKey = new Map<string, Promise<StagedLayer>>();
  private readonly bySource = new Map<LayerSource, Promise<StagedLayer>>();

  constructor(
    private readonly tmp: string,
    private readonly opts: WriteImageArchiveOptions,
  ) {}

  layer(src: LayerSource): Promise<StagedLayer> {
    const known = this.bySource.get(src);
    if (known) return known;
    const key =
      'dir' in src
        ? `dir:${path.resolve(src.dir)}`
        : 'tarFile' in src
          ? `file:${path.resolve(src.tarFile)}`
          : undefined;
    const byKey = key !== undefined ? this.byKey.get(key) : undefined;
    const p = byKey ?? this.stage(src);
    this.bySource.set(src, p);
    if (key !== undefined) this.byKey.set(key, p);
    return p;
  }

  private next(ext: string): string {
    return path.join(this.tmp, `${this.n++}${ext}`);
  }

  private async stage(src: LayerSource): Promise<StagedLayer> {
    let plain: StagedBlob;
    if ('dir' in src) {
      const file = this.next('.tar');
      const h = new HashingStream();
      const sink = createWriteStream(file);
      const done = pipeline(h, sink);
      await packLayer(src.dir, h, this.opts.sourceDate ? { mtime: this.opts.sourceDate } : {});
      await done;
      plain = { file, digest: h.digest(), size: h.bytes };
    } else {
      let file: string;
      if ('tarFile' in src) {
        file = src.tarFile;
      } else {
        file = this.next('.in');
        await pipeline(src.tarStream, createWriteStream(file));
      }
      plain = await this.copyPlain(file);
    }
    const gzip = this.opts.format === 'oci' && this.opts.gzipLayers === true;
    if (!gzip) return { diffID: plain.digest, plain, blob: plain, mediaType: MediaType.ociLayer };
    const gzFile = this.next('.tar.gz');
    const h = new HashingStream();
    await pipeline(
      createReadStream(plain.file),
      createGzip({ level: 6 }),
      h,
      createWriteStream(gzFile),
    );
    return {
      diffID: plain.digest,
      plain,
      blob: { file: gzFile, digest: h.digest(), size: h.bytes },
      mediaType: MediaType.ociLayerGzip,
    };
  }

  // copyPlain returns the uncompressed form of a layer tar file, decompressing into tmp when gzipped.
  private async copyPlain(file: string): Promise<StagedBlob> {
    const compressed = sniffCompression(await readHead(file)) !== 'none';
    const target = compressed ? this.next('.tar') : file;
    const h = new HashingStream();
    const src = await openDecompressed(file, `layer ${file}`);
    if (compressed) await pipeline(src, h, createWriteStream(target));
    else await pipeline(src, h, drainAll);
    return { file: target, digest: h.digest(), size: h.bytes };
  }
}

async function drainAll(s: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of s) {
    // hashing only
  }
}

// TarWriter writes the outer archive's entries, each with the same mtime.
class TarWriter {
  private readonly pack = tar.pack();
  private readonly sending: Promise<void>;

  constructor(
    out: Writable,
    private readonly mtime: Date,
  ) {
    this.sending = pipeline(Readable.from(this.pack), out);
    this.sending.catch(() => {});
  }

  dir(name: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pack.entry(
        { name, type: 'directory', mode: 0o755, mtime: this.mtime },
        Buffer.alloc(0),
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }

  buffer(name: string, data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pack.entry({ name, mode: 0o644, mtime: this.mtime }, data, (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }

  async file(name: string, blob: StagedBlob): Promise<void> {
    let entry!: ReturnType<tar.Pack['entry']>;
    const done = new Promise<void>((resolve, reject) => {
      entry = this.pack.entry({ name, mode: 0o644, mtime: this.mtime, size: blob.size }, (err) =>
        err ? reject(err) : resolve(),
      );
    });
    for await (const chunk of createReadStream(blob.file)) {
      if (!entry.write(chunk as Buffer) && !(await drained(entry))) break;
    }
    entry.end(undefined);
    await done;
  }

  abort(e: unknown): void {
    this.pack.destroy(e instanceof Error ? e : new Error(String(e)));
  }

  async finish(): Promise<void> {
    this.pack.finalize();
    await this.sending;
  }
}
