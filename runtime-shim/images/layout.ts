import path from 'node:path';
import { hexOf, sha256Of } from './digest.js';

/**
 * StoreLayout owns the image store's on-disk layout; no other code glues
 * these paths together.
 *
 * ```
 * <root>/blobs/sha256/<hex>        configs, manifests and layer blobs as received
 * <root>/layers/<hex>/diff/        a layer unpacked once, by diffID, for overlay
 * <root>/layers/<hex>/layer.json   its stats (LayerRecord)
 * <root>/images/<hex>.json         an image (StoredImage), by config digest
 * <root>/names/<sha256(name)>.json one name → image id (NameRecord)
 * <root>/containers/<id>/          rootfs.json, lower/, upper/, work/, merged/
 * <root>/tmp/<pid>-…               imports and deletions in progress
 * ```
 */
export class StoreLayout {
  readonly blobsDir: string;
  readonly layersDir: string;
  readonly imagesDir: string;
  readonly namesDir: string;
  readonly containersDir: string;
  readonly tmpDir: string;

  /** root must be an absolute, symlink-free path (mountinfo lists real paths). */
  constructor(readonly root: string) {
    this.blobsDir = path.join(root, 'blobs', 'sha256');
    this.layersDir = path.join(root, 'layers');
    this.imagesDir = path.join(root, 'images');
    this.namesDir = path.join(root, 'names');
    this.containersDir = path.join(root, 'containers');
    this.tmpDir = path.join(root, 'tmp');
  }

  /** dirs are the directories the store needs at startup. */
  get dirs(): string[] {
    return [
      this.blobsDir,
      this.layersDir,
      this.imagesDir,
      this.namesDir,
      this.containersDir,
      this.tmpDir,
    ];
  }

  blobPath(digest: string): string {
    return path.join(this.blobsDir, hexOf(digest));
  }

  layerDir(diffID: string): string {
    return path.join(this.layersDir, hexOf(diffID));
  }

  layerDiffDir(diffID: string): string {
    return path.join(this.layerDir(diffID), 'diff');
  }

  layerRecordPath(diffID: string): string {
    return path.join(this.layerDir(diffID), 'layer.json');
  }

  imagePath(id: string): string {
    return path.join(this.imagesDir, `${hexOf(id)}.json`);
  }

  /** namePath hashes the name: names can be longer than a file name may be. */
  namePath(name: string): string {
    return path.join(this.namesDir, `${hexOf(sha256Of(name))}.json`);
  }

  containerDir(containerId: string): string {
    return path.join(this.containersDir, containerId);
  }

  /** tmpPath names a temp entry owned by this process (`<pid>-…`), so stale ones can be told apart. */
  tmpPath(name: string): string {
    return path.join(this.tmpDir, `${process.pid}-${name}`);
  }
}
