/**
 * The runtime shim's image store: content-addressed images imported from
 * `docker save` or OCI image-layout archives, layers unpacked once and shared,
 * container root filesystems as overlays; and the archive writer that makes
 * such archives (the built-in test images, later `tug image build`).
 */
export type { ImageConfig, ImageFsInfo, ImageRecord, ImageStore } from './types.js';
export { LocalImageStore, type ImageFiles, type LocalImageStoreOptions } from './store.js';
export {
  normalizeImageRef,
  parseImageRef,
  formatImageRef,
  familiarImageRef,
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  type ImageRef,
} from './reference.js';
export {
  ImageArchiveError,
  InvalidImageRefError,
  AmbiguousImageRefError,
  ImageStoreError,
  isImageArchiveError,
  isInvalidImageRef,
  isAmbiguousImageRef,
  isImageStoreError,
  type ArchiveErrorReason,
} from './errors.js';
export {
  writeImageArchive,
  type ArchiveFormat,
  type ArchiveImage,
  type LayerSource,
  type WriteImageArchiveOptions,
  type WrittenImage,
} from './archive-writer.js';
export { packLayer, type PackOptions } from './layer-pack.js';
export {
  buildTestImages,
  TestImageNames,
  TEST_IMAGE_DATE,
  type BuildTestImagesOptions,
  type BuiltTestImages,
} from './test-images.js';
