/**
 * The shim's error classes. Each maps to one gRPC status code in exactly one
 * place (server/grpc-errors.ts); code inside the shim throws these and tests
 * them with the guards below, never by message text.
 */

/** NotFoundError: a sandbox, container or image the caller named does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** InvalidArgumentError: the request cannot be satisfied as written; nothing was changed. */
export class InvalidArgumentError extends Error {
  override name = 'InvalidArgumentError';
}

/** FailedPreconditionError: the request is valid but not in the object's current state. */
export class FailedPreconditionError extends Error {
  override name = 'FailedPreconditionError';
}

/** AlreadyExistsError: an object with the same identifying metadata exists. */
export class AlreadyExistsError extends Error {
  override name = 'AlreadyExistsError';
}

/** DeadlineExceededError: an operation with a caller-given timeout ran out of time. */
export class DeadlineExceededError extends Error {
  override name = 'DeadlineExceededError';
}

/**
 * CommandError: an external program (crun, conmon, mount, …) failed. `stderr`
 * holds what it said; the message names the command and its exit status.
 */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** isNotFound reports whether `e` is a NotFoundError. */
export function isNotFound(e: unknown): e is NotFoundError {
  return e instanceof NotFoundError;
}

/** isInvalidArgument reports whether `e` is an InvalidArgumentError. */
export function isInvalidArgument(e: unknown): e is InvalidArgumentError {
  return e instanceof InvalidArgumentError;
}

/** isFailedPrecondition reports whether `e` is a FailedPreconditionError. */
export function isFailedPrecondition(e: unknown): e is FailedPreconditionError {
  return e instanceof FailedPreconditionError;
}

/** isCommandError reports whether `e` is a CommandError. */
export function isCommandError(e: unknown): e is CommandError {
  return e instanceof CommandError;
}

/** errnoCode returns the `code` of a Node system error (`ENOENT`, …), or undefined. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') {
    return e.code;
  }
  return undefined;
}
