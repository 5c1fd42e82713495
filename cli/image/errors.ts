/**
 * The error classes of `tug image`. Callers branch on the class (through the
 * guards) and on `reason`, never on message text.
 */

/**
 * DockerfileError is a Dockerfile that cannot be built as written: a syntax
 * error, an unknown or unsupported instruction, a bad argument. `line` is the
 * 1-based line where the offending instruction starts; the message already
 * reads `Dockerfile:7: …`.
 */
export class DockerfileError extends Error {
  override name = 'DockerfileError';
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, message: string, options?: ErrorOptions) {
    super(`${file}:${line}: ${message}`, options);
    this.file = file;
    this.line = line;
  }
}

/** isDockerfileError is the guard for DockerfileError. */
export const isDockerfileError = (e: unknown): e is DockerfileError => e instanceof DockerfileError;

/**
 * BuildErrorReason says why a build stopped:
 * - NotRoot: builds mount overlays and run crun, which need root.
 * - MissingTool: crun (or another program the build runs) is not installed.
 * - BaseNotFound: the FROM image is not in the builder's store.
 * - SourceNotFound: a COPY/ADD source is not in the build context (or is excluded).
 * - BadSource: a COPY/ADD source or destination that cannot be used as given.
 * - RunFailed: a RUN command exited non-zero (`exitCode`, `output`).
 * - UserNotFound: USER or --chown names a user or group the image does not have.
 */
export type BuildErrorReason =
  | 'NotRoot'
  | 'MissingTool'
  | 'BaseNotFound'
  | 'SourceNotFound'
  | 'BadSource'
  | 'RunFailed'
  | 'UserNotFound';

/** BuildErrorDetails are the optional facts a BuildError carries. */
export interface BuildErrorDetails extends ErrorOptions {
  /** exitCode is the failed RUN command's exit status. */
  exitCode?: number;
  /** output is the tail of the failed RUN command's output. */
  output?: string;
}

/**
 * ImageBuildError is a build that failed while running: the Dockerfile was
 * fine but an instruction could not be carried out. Nothing the build
 * mounted is left mounted and the builder's store is unchanged.
 */
export class ImageBuildError extends Error {
  override name = 'ImageBuildError';
  readonly reason: BuildErrorReason;
  readonly exitCode: number | undefined;
  readonly output: string | undefined;

  constructor(reason: BuildErrorReason, message: string, details: BuildErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = reason;
    this.exitCode = details.exitCode;
    this.output = details.output;
  }
}

/** isImageBuildError is the guard for ImageBuildError, optionally of one reason. */
export function isImageBuildError(e: unknown, reason?: BuildErrorReason): e is ImageBuildError {
  return e instanceof ImageBuildError && (reason === undefined || e.reason === reason);
}

/**
 * StoreBusyError says another `tug image` process is using the builder's
 * store: one process at a time may own an image store (a second one's
 * garbage collection could remove layers the first is importing).
 */
export class StoreBusyError extends Error {
  override name = 'StoreBusyError';
  readonly pid: number;

  constructor(dir: string, pid: number) {
    super(`another tug image command (pid ${pid}) is using ${dir}; wait for it to finish`);
    this.pid = pid;
  }
}

/** isStoreBusyError is the guard for StoreBusyError. */
export const isStoreBusyError = (e: unknown): e is StoreBusyError => e instanceof StoreBusyError;
