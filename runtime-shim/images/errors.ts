/**
 * The image store's error classes. Callers branch on the class (through the
 * guards) and on `reason`, never on message text; the gRPC layer maps them to
 * status codes in one place (an archive or reference error is
 * INVALID_ARGUMENT, an ambiguous reference is FAILED_PRECONDITION, and so on).
 */

/**
 * ArchiveErrorReason says what is wrong with an image archive:
 * - NotAnArchive: the stream is not a tar (nor a gzipped tar).
 * - Truncated: the tar or a gzip stream in it ends early.
 * - UnknownFormat: a tar that is neither `docker save` nor OCI image layout.
 * - BadManifest: manifest.json, index.json, a manifest or a config is not what the format says.
 * - MissingBlob: a file the manifest names is not in the archive.
 * - DigestMismatch: content does not hash to the digest that names it.
 * - PathTraversal: an entry would land outside its directory (`../`, a path through a symlink).
 * - BadEntry: a layer entry that cannot be made (a hardlink to nothing, an unknown type).
 * - Unsupported: a valid archive using something this store does not do (zstd layers, foreign layers).
 */
export type ArchiveErrorReason =
  | 'NotAnArchive'
  | 'Truncated'
  | 'UnknownFormat'
  | 'BadManifest'
  | 'MissingBlob'
  | 'DigestMismatch'
  | 'PathTraversal'
  | 'BadEntry'
  | 'Unsupported';

/**
 * ImageArchiveError is thrown by importArchive (and layer unpacking) for an
 * archive that cannot be imported. Nothing of that archive is left stored.
 */
export class ImageArchiveError extends Error {
  override name = 'ImageArchiveError';
  readonly reason: ArchiveErrorReason;

  constructor(reason: ArchiveErrorReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** InvalidImageRefError is thrown for an image name that is not a valid reference. */
export class InvalidImageRefError extends Error {
  override name = 'InvalidImageRefError';
  readonly ref: string;

  constructor(ref: string, why: string) {
    super(`invalid image reference ${JSON.stringify(ref)}: ${why}`);
    this.ref = ref;
  }
}

/** AmbiguousImageRefError is thrown when a short id prefix matches several images. */
export class AmbiguousImageRefError extends Error {
  override name = 'AmbiguousImageRefError';
  readonly ref: string;
  readonly matches: string[];

  constructor(ref: string, matches: string[]) {
    super(`image id prefix ${ref} matches ${matches.length} images`);
    this.ref = ref;
    this.matches = matches;
  }
}

/**
 * ImageStoreError is an operation the store refused or could not do on its
 * own files: a layer missing from disk, a rootfs still busy, a container id
 * that is not a safe directory name.
 */
export class ImageStoreError extends Error {
  override name = 'ImageStoreError';
  readonly reason: 'LayerMissing' | 'InvalidContainerId' | 'RootfsBusy' | 'RootfsConflict';

  constructor(reason: ImageStoreError['reason'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** isImageArchiveError tells whether `e` is an ImageArchiveError (optionally of one reason). */
export function isImageArchiveError(
  e: unknown,
  reason?: ArchiveErrorReason,
): e is ImageArchiveError {
  return e instanceof ImageArchiveError && (reason === undefined || e.reason === reason);
}

/** isInvalidImageRef tells whether `e` is an InvalidImageRefError. */
export function isInvalidImageRef(e: unknown): e is InvalidImageRefError {
  return e instanceof InvalidImageRefError;
}

/** isAmbiguousImageRef tells whether `e` is an AmbiguousImageRefError. */
export function isAmbiguousImageRef(e: unknown): e is AmbiguousImageRefError {
  return e instanceof AmbiguousImageRefError;
}

/** isImageStoreError tells whether `e` is an ImageStoreError (optionally of one reason). */
export function isImageStoreError(
  e: unknown,
  reason?: ImageStoreError['reason'],
): e is ImageStoreError {
  return e instanceof ImageStoreError && (reason === undefined || e.reason === reason);
}
