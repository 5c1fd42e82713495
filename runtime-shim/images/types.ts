import type { Readable } from 'node:stream';

/**
 * The contract between the shim's gRPC layer and its image store. The store
 * keeps images content-addressed under the shim's root dir and gives each
 * container an overlay root filesystem over the image's (shared) layers.
 */

/** ImageConfig is what an image's config says about running it (OCI image config). */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  /** env entries in `KEY=value` form. */
  env?: string[];
  workingDir?: string;
  user?: string;
  exposedPorts?: string[];
  labels?: Record<string, string>;
  stopSignal?: string;
}

/** ImageRecord is one image in the store. */
export interface ImageRecord {
  /** id is `sha256:<hex>` of the image config blob. */
  id: string;
  /** repoTags are normalised names: `docker.io/library/busybox:latest`. */
  repoTags: string[];
  repoDigests: string[];
  /** size is the sum of the unpacked layers, in bytes. */
  size: number;
  config: ImageConfig;
  /** layers are the diffIDs (`sha256:<hex>` of the uncompressed layer tars), bottom first. */
  layers: string[];
  /** created is the config's creation time (RFC 3339), when it has one. */
  created?: string;
}

/**
 * ImageFsInfo is what the store's images take on disk: unpacked layers, blobs
 * and records (not the containers' writable layers).
 */
export interface ImageFsInfo {
  /** mountpoint is the store's root dir. */
  mountpoint: string;
  /** usedBytes is allocated space (blocks), each hardlinked file once. */
  usedBytes: number;
  inodesUsed: number;
  /** timestamp is when it was measured, in milliseconds since the epoch (CRI wants nanoseconds). */
  timestamp: number;
}

/** ImageStore is what the shim needs from the image store. */
export interface ImageStore {
  list(): Promise<ImageRecord[]>;
  /** get finds an image by name (normalised), full id, or unique id prefix; undefined when absent. */
  get(ref: string): Promise<ImageRecord | undefined>;
  /**
   * importArchive reads a `docker save` tar or an OCI image-layout tar (either
   * optionally gzipped) and stores every image in it. Layers already stored are
   * not unpacked again. Returns the images it stored.
   */
  importArchive(src: Readable): Promise<ImageRecord[]>;
  /** remove deletes an image's names and, when unreferenced, its blobs and layers. Idempotent. */
  remove(ref: string): Promise<void>;
  fsInfo(): Promise<ImageFsInfo>;
  /**
   * mountRootfs makes (or finds, when already mounted) the container's root
   * filesystem: an overlay of the image's layers with the container's own
   * upper dir. Returns the path of the merged dir. Idempotent.
   */
  mountRootfs(containerId: string, image: ImageRecord): Promise<string>;
  /** unmountRootfs unmounts the overlay and removes the container's upper dir. Idempotent. */
  unmountRootfs(containerId: string): Promise<void>;
}
