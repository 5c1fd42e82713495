/**
 * The errors pod networking throws. Callers branch with the guards
 * (`isCniError`, …), never on message text.
 */

/** CniCommand is the CNI operation a plugin was asked to do. */
export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

/** CniErrorDetails are what CNI_ERROR JSON and the invocation tell about a failed plugin call. */
export interface CniErrorDetails {
  /** plugin is the plugin `type` that failed (e.g. `bridge`). */
  plugin: string;
  command: CniCommand;
  /** code is the CNI error code from the plugin's error JSON (1–99 spec-defined, ≥100 plugin's own), when it gave one. */
  code?: number;
  /** msg is the plugin's own message (the error JSON's `msg`, else its stderr). */
  msg: string;
  details?: string;
  exitCode?: number;
  /** timedOut is true when the shim killed the plugin at its deadline. */
  timedOut?: boolean;
}

/**
 * CniError means a CNI plugin call failed: it exited non-zero (its error JSON
 * is parsed into `code`/`msg`/`details`), printed a result that is not valid,
 * or ran past its deadline.
 */
export class CniError extends Error {
  override name = 'CniError';
  readonly plugin: string;
  readonly command: CniCommand;
  readonly code: number | undefined;
  readonly msg: string;
  readonly details: string | undefined;
  readonly exitCode: number | undefined;
  readonly timedOut: boolean;

  constructor(d: CniErrorDetails, options?: ErrorOptions) {
    const code = d.code === undefined ? '' : ` (code ${d.code})`;
    const details = d.details ? `: ${d.details}` : '';
    super(`CNI plugin ${d.plugin} ${d.command} failed${code}: ${d.msg}${details}`, options);
    this.plugin = d.plugin;
    this.command = d.command;
    this.code = d.code;
    this.msg = d.msg;
    this.details = d.details;
    this.exitCode = d.exitCode;
    this.timedOut = d.timedOut ?? false;
  }
}

/**
 * CniConfigError means the network configuration cannot be used: no config
 * file in the conf dir, a file that is not valid JSON or lacks required
 * fields, an unsupported cniVersion, or a plugin missing from the bin dir.
 * Nothing was changed on the machine when it is thrown.
 */
export class CniConfigError extends Error {
  override name = 'CniConfigError';
  /** file is the config file at fault, when one was chosen. */
  readonly file: string | undefined;

  constructor(message: string, file?: string, options?: ErrorOptions) {
    super(file ? `${file}: ${message}` : message, options);
    this.file = file;
  }
}

/** NetnsError means creating, checking or removing a pinned network namespace failed. */
export class NetnsError extends Error {
  override name = 'NetnsError';
  readonly path: string;

  constructor(message: string, path: string, options?: ErrorOptions) {
    super(`netns ${path}: ${message}`, options);
    this.path = path;
  }
}

/** InvalidNetworkRequestError means a caller's input was rejected before anything changed. */
export class InvalidNetworkRequestError extends Error {
  override name = 'InvalidNetworkRequestError';
  /** field names the offending input (`sandboxId`, `portMappings[1].hostPort`, …). */
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** isCniError reports whether `e` is a failed plugin call. */
export function isCniError(e: unknown): e is CniError {
  return e instanceof CniError;
}

/** isCniConfigError reports whether `e` is an unusable network configuration. */
export function isCniConfigError(e: unknown): e is CniConfigError {
  return e instanceof CniConfigError;
}

/** isNetnsError reports whether `e` is a network namespace failure. */
export function isNetnsError(e: unknown): e is NetnsError {
  return e instanceof NetnsError;
}

/** isInvalidNetworkRequest reports whether `e` is rejected input. */
export function isInvalidNetworkRequest(e: unknown): e is InvalidNetworkRequestError {
  return e instanceof InvalidNetworkRequestError;
}
