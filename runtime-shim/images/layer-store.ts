import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline as pipelineCb } from 'node:stream';
import type { Logger } from '../../lib/log.js';
import type { CandidateLayer } from './archive-reader.js';
import { HashingStream, hashStream, hexOf, openDecompressed, toArchiveError } from './digest.js';
import { ImageArchiveError } from './errors.js';
import { diskUsage, exists, isErrno, randomHex, readJson, writeJsonAtomic } from './fs-util.js';
import type { StoreLayout } from './layout.js';
import { unpackLayer } from './layer-unpack.js';

/** LayerRecord is `layers/<hex>/layer.json`: what unpacking one layer made. */
export interface LayerRecord {
  diffID: string;
  /** size is the sum of its regular files' sizes. */
  size: number;
  /** diskBytes and inodes are what its dir takes on disk. */
  diskBytes: number;
  inodes: number;
  whiteouts: number;
  opaqueDirs: number;
  unpackedAt: string;
}

/**
 * LayerStore keeps the unpacked layers, one dir per diffID, each unpacked
 * once: a layer is unpacked into the import's temp dir, its diffID checked,
 * and the whole dir renamed into place, so a layer dir that exists is
 * complete. Concurrent imports of one layer in this process wait for the
 * first; across processes the rename decides and the loser drops its copy.
 *
 * Layers are reference-counted by what refers to them rather than by a stored
 * counter (which a crash could leave wrong): the store's garbage collection
 * keeps a layer while an image record, a container's rootfs record, or an
 * import still running (a claim) names it.
 */
export class LayerStore {
  private readonly unpacking = new Map<string, Promise<void>>();
  private readonly claims = new Map<string, number>();

  constructor(
    private readonly layout: StoreLayout,
    private readonly logger: Logger,
  ) {}

  /** claim protects `diffIDs` from garbage collection until the returned release is called. */
  claim(diffIDs: string[]): () => void {
    for (const d of diffIDs) this.claims.set(d, (this.claims.get(d) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const d of diffIDs) {
        const n = (this.claims.get(d) ?? 1) - 1;
        if (n <= 0) this.claims.delete(d);
        else this.claims.set(d, n);
      }
    };
  }

  /** claimed returns the diffIDs some running import holds. */
  claimed(): Set<string> {
    return new Set(this.claims.keys());
  }

  /** has tells whether the layer is unpacked in the store. */
  async has(diffID: string): Promise<boolean> {
    return exists(this.layout.layerRecordPath(diffID));
  }

  /** record reads a layer's stats; undefined when it is not stored. */
  async record(diffID: string): Promise<LayerRecord | undefined> {
    return readJson<LayerRecord>(this.layout.layerRecordPath(diffID));
  }

  /** list returns the diffIDs of every layer dir on disk. */
  async list(): Promise<string[]> {
    return (await readdir(this.layout.layersDir))
      .filter((n) => /^[a-f0-9]{64}$/.test(n))
      .map((n) => `sha256:${n}`);
  }

  /**
   * ensure makes sure `layer` is unpacked, unpacking its blob from `workDir`
   * only when no copy exists. A blob not unpacked because the layer was
   * already there is still checked against the diffID (unless the store
   * already holds that very blob), so every blob the import keeps is verified.
   * Throws ImageArchiveError for a bad blob.
   */
  async ensure(layer: CandidateLayer, workDir: string): Promise<'unpacked' | 'present'> {
    for (;;) {
      if (await this.has(layer.diffID)) {
        if (!(await exists(this.layout.blobPath(layer.blobDigest)))) await this.verifyBlob(layer);
        return 'present';
      }
      const running = this.unpacking.get(layer.diffID);
      if (running) {
        // Its failure is its own archive's; this import then tries its own blob.
        await running.catch(() => {});
        continue;
      }
      const p = this.unpack(layer, workDir);
      this.unpacking.set(layer.diffID, p);
      try {
        await p;
        return 'unpacked';
      } finally {
        if (this.unpacking.get(layer.diffID) === p) this.unpacking.delete(layer.diffID);
      }
    }
  }

  /** remove deletes a layer dir (renamed away first, so no half layer is ever in place). */
  async remove(diffID: string): Promise<void> {
    const trash = this.layout.tmpPath(`trash-layer-${hexOf(diffID)}-${randomHex(4)}`);
    try {
      await rename(this.layout.layerDir(diffID), trash);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return;
      throw e;
    }
    await rm(trash, { recursive: true, force: true });
    this.logger.debug('layer removed', { diffID });
  }

  private async unpack(layer: CandidateLayer, workDir: string): Promise<void> {
    const what = `layer ${layer.diffID}`;
    const started = Date.now();
    const tmp = path.join(workDir, `layer-${hexOf(layer.diffID)}-${randomHex(4)}`);
    const diff = path.join(tmp, 'diff');
    await mkdir(diff, { recursive: true });
    try {
      const hasher = new HashingStream();
      const src = pipelineCb(await openDecompressed(layer.file, what), hasher, () => {});
      const stats = await unpackLayer(src, diff, { what, logger: this.logger });
      const got = hasher.digest();
      if (got !== layer.diffID) {
        throw new ImageArchiveError('DigestMismatch', `${what}: the layer tar hashes to ${got}`);
      }
      const du = await diskUsage(diff);
      const rec: LayerRecord = {
        diffID: layer.diffID,
        size: stats.size,
        diskBytes: du.bytes,
        inodes: du.inodes,
        whiteouts: stats.whiteouts,
        opaqueDirs: stats.opaqueDirs,
        unpackedAt: new Date().toISOString(),
      };
      await writeJsonAtomic(path.join(tmp, 'layer.json'), rec);
      try {
        await rename(tmp, this.layout.layerDir(layer.diffID));
      } catch (e) {
        // Another process put the same layer in place first; keep theirs.
        if (!isErrno(e, 'ENOTEMPTY') && !isErrno(e, 'EEXIST')) throw e;
      }
      this.logger.debug('layer unpacked', {
        diffID: layer.diffID,
        entries: stats.entries,
        ms: Date.now() - started,
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  private async verifyBlob(layer: CandidateLayer): Promise<void> {
    const what = `layer ${layer.diffID}`;
    let got: string;
    try {
      got = (await hashStream(await openDecompressed(layer.file, what))).digest;
    } catch (e) {
      throw toArchiveError(e, what, true);
    }
    if (got !== layer.diffID) {
      throw new ImageArchiveError(
        'DigestMismatch',
        `${what}: blob ${layer.blobDigest} uncompresses to ${got}`,
      );
    }
  }
}
