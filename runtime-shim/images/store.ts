import { mkdir, readdir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { nopLogger, type Logger } from '../../lib/log.js';
import { readArchive, type ImportCandidate } from './archive-reader.js';
import { hexOf } from './digest.js';
import { AmbiguousImageRefError, InvalidImageRefError } from './errors.js';
import { Mutex, isErrno, readJson, writeJsonAtomic } from './fs-util.js';
import { LayerStore } from './layer-store.js';
import { StoreLayout } from './layout.js';
import { imageConfigFromJson } from './oci.js';
import { normalizeImageRef, parseImageRef, repositoryOf } from './reference.js';
import { RootfsManager } from './rootfs.js';
import type { ImageConfig, ImageFsInfo, ImageRecord, ImageStore } from './types.js';

/** LocalImageStoreOptions configure a LocalImageStore. */
export interface LocalImageStoreOptions {
  /** root is the store's directory; made when missing. */
  root: string;
  logger?: Logger;
}

/** StoredImage is `images/<hex>.json`; names live apart, in `names/`. */
interface StoredImage {
  id: string;
  config: ImageConfig;
  layers: string[];
  /** layerBlobs are the digests of the layer blobs kept in blobs/, parallel to layers. */
  layerBlobs: string[];
  manifestDigest?: string;
  size: number;
  created?: string;
  architecture?: string;
  os?: string;
}

/**
 * ImageFiles are the files behind one stored image, for writing it out again
 * (the image builder re-exports its base image's layers unchanged, so their
 * diffIDs, and the layers nodes already hold, stay the same).
 */
export interface ImageFiles {
  image: ImageRecord;
  /** configFile is the image's config blob, byte for byte as imported. */
  configFile: string;
  /** layers, bottom first: the layer blob as imported (plain or gzip tar) and its unpacked dir. */
  layers: { diffID: string; blobFile: string; dir: string }[];
}

/** NameRecord is `names/<hash>.json`: a tag or digest reference and the image it names. */
interface NameRecord {
  name: string;
  id: string;
}

const shortIdRe = /^(?:sha256:)?([a-f0-9]{12,64})$/;

/**
 * LocalImageStore is the shim's ImageStore: a content-addressed store under
 * one root dir (see StoreLayout) that imports image archives, keeps each
 * layer unpacked once and shared, and mounts container root filesystems
 * as overlays of those layers.
 *
 * Safe for concurrent use within a process: metadata changes (commits,
 * removals, garbage collection, rootfs records) take one lock; unpacking runs
 * outside it, deduplicated per layer. One process owns a root at a time: a
 * second process could have its in-flight import's layers collected.
 * Every write is a rename of a complete file or dir, so a crash at any line
 * leaves the store readable; leftovers (temp dirs, unreferenced layers and
 * blobs) are removed when a store is next opened.
 */
export class LocalImageStore implements ImageStore {
  private readonly logger: Logger;
  private readonly lock = new Mutex();
  private readonly requestedRoot: string;
  private readyPromise: Promise<void> | undefined;
  private layoutValue: StoreLayout | undefined;
  private layersValue: LayerStore | undefined;
  private rootfsValue: RootfsManager | undefined;

  constructor(opts: LocalImageStoreOptions) {
    this.requestedRoot = path.resolve(opts.root);
    this.logger = (opts.logger ?? nopLogger).with({ component: 'image-store' });
  }

  /** root is the store's directory as given (resolved to an absolute path). */
  get root(): string {
    return this.requestedRoot;
  }

  async list(): Promise<ImageRecord[]> {
    await this.ready();
    const images = await this.readImages();
    const names = await this.readNames();
    return images.map((img) => toRecord(img, names)).sort((a, b) => a.id.localeCompare(b.id));
  }

  async get(ref: string): Promise<ImageRecord | undefined> {
    await this.ready();
    const img = await this.resolve(ref);
    return img ? toRecord(img, await this.readNames()) : undefined;
  }

  async importArchive(src: Readable): Promise<ImageRecord[]> {
    await this.ready();
    const started = Date.now();
    const work = this.layout.tmpPath(
      `import-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    );
    await mkdir(work, { recursive: true });
    let release = (): void => {};
    try {
      const { format, images } = await readArchive(src, work, { logger: this.logger });
      release = this.layers.claim(images.flatMap((i) => i.layers.map((l) => l.diffID)));
      const byBlob = new Map(images.flatMap((i) => i.layers).map((l) => [l.blobDigest, l]));
      let unpacked = 0;
      for (const layer of byBlob.values()) {
        if ((await this.layers.ensure(layer, work)) === 'unpacked') unpacked++;
      }
      const ids = await this.lock.run(() => this.commit(images));
      this.logger.info('images imported', {
        format,
        images: ids.length,
        layersUnpacked: unpacked,
        layersShared: byBlob.size - unpacked,
        ms: Date.now() - started,
      });
      const names = await this.readNames();
      const out: ImageRecord[] = [];
      for (const id of ids) {
        const img = await readJson<StoredImage>(this.layout.imagePath(id));
        if (img) out.push(toRecord(img, names));
      }
      return out;
    } catch (e) {
      // Layers this import already put in place are dropped unless something else uses them.
      release();
      await this.lock
        .run(() => this.collectGarbage())
        .catch((gcErr: unknown) => {
          this.logger.warn('cleanup after a failed import failed', { err: gcErr });
        });
      throw e;
    } finally {
      release();
      await rm(work, { recursive: true, force: true });
    }
  }

  /**
   * imageFiles finds image `ref` (as get does) and returns the paths of its
   * config blob, layer blobs and unpacked layer dirs; undefined when absent.
   * The files are the store's own: read them, never change them. They stay
   * until the image is removed.
   */
  async imageFiles(ref: string): Promise<ImageFiles | undefined> {
    await this.ready();
    const img = await this.resolve(ref);
    if (!img) return undefined;
    return {
      image: toRecord(img, await this.readNames()),
      configFile: this.layout.blobPath(img.id),
      layers: img.layers.map((diffID, i) => ({
        diffID,
        blobFile: this.layout.blobPath(img.layerBlobs[i] ?? ''),
        dir: this.layout.layerDiffDir(diffID),
      })),
    };
  }

  async remove(ref: string): Promise<void> {
    await this.ready();
    await this.lock.run(async () => {
      const img = await this.resolve(ref);
      if (!img) return;
      for (const n of await this.readNames()) {
        if (n.id === img.id) await unlinkIfExists(this.layout.namePath(n.name));
      }
      await unlinkIfExists(this.layout.imagePath(img.id));
      await this.collectGarbage();
      this.logger.info('image removed', { id: img.id, ref });
    });
  }

  /**
   * tag points `name` (normalised) at the image `ref` finds, moving it off any
   * other image. Throws InvalidImageRefError for a bad name or one with a
   * digest; returns undefined when `ref` finds nothing.
   */
  async tag(ref: string, name: string): Promise<ImageRecord | undefined> {
    await this.ready();
    const full = normalizeImageRef(name);
    if (parseImageRef(full).digest !== undefined) {
      throw new InvalidImageRefError(name, 'a tag cannot carry a digest');
    }
    return this.lock.run(async () => {
      const img = await this.resolve(ref);
      if (!img) return undefined;
      await writeJsonAtomic(this.layout.namePath(full), {
        name: full,
        id: img.id,
      } satisfies NameRecord);
      return toRecord(img, await this.readNames());
    });
  }

  async fsInfo(): Promise<ImageFsInfo> {
    await this.ready();
    let usedBytes = 0;
    let inodesUsed = 0;
    for (const diffID of await this.layers.list()) {
      const rec = await this.layers.record(diffID);
      usedBytes += rec?.diskBytes ?? 0;
      inodesUsed += (rec?.inodes ?? 0) + 2;
    }
    for (const dir of [this.layout.blobsDir, this.layout.imagesDir, this.layout.namesDir]) {
      for (const name of await readdir(dir)) {
        try {
          const st = await stat(path.join(dir, name));
          usedBytes += st.blocks * 512;
          inodesUsed++;
        } catch (e) {
          if (!isErrno(e, 'ENOENT')) throw e;
        }
      }
    }
    return { mountpoint: this.layout.root, usedBytes, inodesUsed, timestamp: Date.now() };
  }

  async mountRootfs(containerId: string, image: ImageRecord): Promise<string> {
    await this.ready();
    return this.rootfs.mount(containerId, image);
  }

  async unmountRootfs(containerId: string): Promise<void> {
    await this.ready();
    await this.rootfs.unmount(containerId);
  }

  /** listRootfs returns the ids of containers that have a rootfs (mounted or left over). */
  async listRootfs(): Promise<string[]> {
    await this.ready();
    return this.rootfs.list();
  }

  /**
   * gc removes layers, blobs and names nothing refers to. Runs by itself
   * after removals, failed imports and at startup; exposed for the shim's
   * image garbage collection. Idempotent.
   */
  async gc(): Promise<void> {
    await this.ready();
    await this.lock.run(() => this.collectGarbage());
  }

  private get layout(): StoreLayout {
    if (!this.layoutValue) throw new Error('image store used before ready()');
    return this.layoutValue;
  }

  private get layers(): LayerStore {
    if (!this.layersValue) throw new Error('image store used before ready()');
    return this.layersValue;
  }

  private get rootfs(): RootfsManager {
    if (!this.rootfsValue) throw new Error('image store used before ready()');
    return this.rootfsValue;
  }

  /** ready makes the layout, clears what dead processes left in tmp/, and collects garbage; once. */
  private ready(): Promise<void> {
    this.readyPromise ??= (async () => {
      await mkdir(this.requestedRoot, { recursive: true, mode: 0o700 });
      const layout = new StoreLayout(await realpath(this.requestedRoot));
      for (const d of layout.dirs) await mkdir(d, { recursive: true, mode: 0o700 });
      this.layoutValue = layout;
      this.layersValue = new LayerStore(layout, this.logger);
      this.rootfsValue = new RootfsManager(
        layout,
        (fn) => this.lock.run(fn),
        () => this.lock.run(() => this.collectGarbage()),
        this.logger,
      );
      await this.clearStaleTmp();
      await this.lock.run(() => this.collectGarbage());
    })();
    this.readyPromise.catch(() => (this.readyPromise = undefined));
    return this.readyPromise;
  }

  private async clearStaleTmp(): Promise<void> {
    for (const name of await readdir(this.layout.tmpDir)) {
      const pid = Number(/^(\d+)-/.exec(name)?.[1]);
      if (pid === process.pid || (pid > 0 && processAlive(pid))) continue;
      await rm(path.join(this.layout.tmpDir, name), { recursive: true, force: true });
    }
  }

  /** commit stores the images' blobs, records and names. Call under the lock. */
  private async commit(images: ImportCandidate[]): Promise<string[]> {
    for (const img of images) {
      const blobs: [string, string][] = [[img.id, img.configFile]];
      for (const l of img.layers) blobs.push([l.blobDigest, l.file]);
      if (img.manifestDigest && img.manifestFile)
        blobs.push([img.manifestDigest, img.manifestFile]);
      for (const [digest, file] of blobs) await this.putBlob(digest, file);
      const layerRecords = await Promise.all(img.layers.map((l) => this.layers.record(l.diffID)));
      const stored: StoredImage = {
        id: img.id,
        config: imageConfigFromJson(img.config),
        layers: img.layers.map((l) => l.diffID),
        layerBlobs: img.layers.map((l) => l.blobDigest),
        size: layerRecords.reduce((n, r) => n + (r?.size ?? 0), 0),
        architecture: img.config.architecture,
        os: img.config.os,
      };
      if (img.manifestDigest) stored.manifestDigest = img.manifestDigest;
      if (img.config.created) stored.created = img.config.created;
      await writeJsonAtomic(this.layout.imagePath(img.id), stored);
      for (const name of [...img.names, ...img.repoDigests]) {
        await writeJsonAtomic(this.layout.namePath(name), {
          name,
          id: img.id,
        } satisfies NameRecord);
      }
    }
    return images.map((i) => i.id);
  }

  private async putBlob(digest: string, file: string): Promise<void> {
    const target = this.layout.blobPath(digest);
    try {
      await stat(target);
      return;
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
    try {
      await rename(file, target);
    } catch (e) {
      // The same spooled file may back two images of one archive: the first moved it.
      if (!isErrno(e, 'ENOENT')) throw e;
      await stat(target);
    }
  }

  /** collectGarbage removes unreferenced layers, blobs and dangling names. Call under the lock. */
  private async collectGarbage(): Promise<void> {
    const images = await this.readImages();
    const keepLayers = new Set([
      ...images.flatMap((i) => i.layers),
      ...(await this.rootfs.referencedLayers()),
      ...this.layers.claimed(),
    ]);
    for (const diffID of await this.layers.list()) {
      if (!keepLayers.has(diffID)) await this.layers.remove(diffID);
    }
    const keepBlobs = new Set(
      images
        .flatMap((i) => [i.id, ...i.layerBlobs, ...(i.manifestDigest ? [i.manifestDigest] : [])])
        .map(hexOf),
    );
    for (const name of await readdir(this.layout.blobsDir)) {
      if (!keepBlobs.has(name)) await unlinkIfExists(path.join(this.layout.blobsDir, name));
    }
    const ids = new Set(images.map((i) => i.id));
    for (const n of await this.readNames()) {
      if (!ids.has(n.id)) await unlinkIfExists(this.layout.namePath(n.name));
    }
  }

  /** resolve finds an image by full id, name, or unique id prefix (≥ 12 hex), in Docker's order. */
  private async resolve(ref: string): Promise<StoredImage | undefined> {
    const idMatch = shortIdRe.exec(ref);
    if (idMatch?.[1]?.length === 64)
      return readJson<StoredImage>(this.layout.imagePath(`sha256:${idMatch[1]}`));
    if (!ref.startsWith('sha256:')) {
      const byName = await this.resolveName(ref, idMatch !== null);
      if (byName) return byName;
    }
    if (!idMatch?.[1]) return undefined;
    const prefix = idMatch[1];
    const matches = (await readdir(this.layout.imagesDir)).filter(
      (n) => n.endsWith('.json') && n.startsWith(prefix),
    );
    if (matches.length > 1) {
      throw new AmbiguousImageRefError(
        ref,
        matches.map((m) => `sha256:${m.slice(0, -5)}`),
      );
    }
    return matches[0]
      ? readJson<StoredImage>(path.join(this.layout.imagesDir, matches[0]))
      : undefined;
  }

  private async resolveName(ref: string, mayBeId: boolean): Promise<StoredImage | undefined> {
    let key: string;
    try {
      const parsed = parseImageRef(ref);
      key = parsed.digest ? `${repositoryOf(parsed)}@${parsed.digest}` : normalizeImageRef(ref);
    } catch (e) {
      // A short id that is not a valid name (none is, today) falls through to the id lookup.
      if (mayBeId) return undefined;
      throw e;
    }
    const rec = await readJson<NameRecord>(this.layout.namePath(key));
    if (!rec || rec.name !== key) return undefined;
    return readJson<StoredImage>(this.layout.imagePath(rec.id));
  }

  private async readImages(): Promise<StoredImage[]> {
    const out: StoredImage[] = [];
    for (const name of await readdir(this.layout.imagesDir)) {
      if (!/^[a-f0-9]{64}\.json$/.test(name)) continue;
      const img = await readJson<StoredImage>(path.join(this.layout.imagesDir, name));
      if (img) out.push(img);
    }
    return out;
  }

  private async readNames(): Promise<NameRecord[]> {
    const out: NameRecord[] = [];
    for (const name of await readdir(this.layout.namesDir)) {
      if (!name.endsWith('.json')) continue;
      const rec = await readJson<NameRecord>(path.join(this.layout.namesDir, name));
      if (rec) out.push(rec);
    }
    return out;
  }
}

function toRecord(img: StoredImage, names: NameRecord[]): ImageRecord {
  const mine = names.filter((n) => n.id === img.id).map((n) => n.name);
  const rec: ImageRecord = {
    id: img.id,
    repoTags: mine.filter((n) => !n.includes('@')).sort(),
    repoDigests: mine.filter((n) => n.includes('@')).sort(),
    size: img.size,
    config: structuredClone(img.config),
    layers: [...img.layers],
  };
  if (img.created) rec.created = img.created;
  return rec;
}

async function unlinkIfExists(p: string): Promise<void> {
  try {
    await unlink(p);
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return !isErrno(e, 'ESRCH');
  }
}
