import { status as GrpcStatus } from '@grpc/grpc-js';
import { grpcCode } from '../../proto/loader.js';

/**
 * RuntimeErrorCode is the class of a failed runtime call, named after the
 * gRPC codes the shim documents (runtime.proto): the agent branches on these,
 * never on message text.
 */
export type RuntimeErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'FailedPrecondition'
  | 'InvalidArgument'
  | 'DeadlineExceeded'
  | 'Unavailable'
  | 'Cancelled'
  | 'Unknown';

/**
 * RuntimeError is every failure of a call to the runtime shim. `message` is
 * the shim's own text (for an image NOT_FOUND it says how to import the
 * image), without gRPC's "5 NOT_FOUND:" prefix, so it can be shown to users
 * as a waiting reason's message.
 */
export class RuntimeError extends Error {
  override name = 'RuntimeError';

  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const byGrpcCode = new Map<GrpcStatus, RuntimeErrorCode>([
  [GrpcStatus.NOT_FOUND, 'NotFound'],
  [GrpcStatus.ALREADY_EXISTS, 'AlreadyExists'],
  [GrpcStatus.FAILED_PRECONDITION, 'FailedPrecondition'],
  [GrpcStatus.INVALID_ARGUMENT, 'InvalidArgument'],
  [GrpcStatus.DEADLINE_EXCEEDED, 'DeadlineExceeded'],
  [GrpcStatus.UNAVAILABLE, 'Unavailable'],
  [GrpcStatus.CANCELLED, 'Cancelled'],
]);

/**
 * runtimeErrorFrom turns whatever a runtime call threw into a RuntimeError:
 * the one place gRPC status codes become typed errors. RuntimeErrors pass
 * through unchanged.
 */
export function runtimeErrorFrom(e: unknown): RuntimeError {
  if (e instanceof RuntimeError) return e;
  const code = grpcCode(e);
  const details =
    typeof e === 'object' && e !== null && 'details' in e && typeof e.details === 'string'
      ? e.details
      : e instanceof Error
        ? e.message
        : String(e);
  return new RuntimeError(
    (code !== undefined ? byGrpcCode.get(code) : undefined) ?? 'Unknown',
    details,
    { cause: e },
  );
}

const is =
  (code: RuntimeErrorCode) =>
  (e: unknown): boolean =>
    e instanceof RuntimeError && e.code === code;

/** isRuntimeNotFound: the sandbox, container or image does not exist. */
export const isRuntimeNotFound = is('NotFound');
/** isRuntimeAlreadyExists: a container of that name and attempt exists in the sandbox. */
export const isRuntimeAlreadyExists = is('AlreadyExists');
/** isRuntimeFailedPrecondition: the object is in the wrong state for the call. */
export const isRuntimeFailedPrecondition = is('FailedPrecondition');
/** isRuntimeDeadlineExceeded: the call (or the exec'd command) ran past its deadline. */
export const isRuntimeDeadlineExceeded = is('DeadlineExceeded');
/** isRuntimeUnavailable: the shim cannot be reached. */
export const isRuntimeUnavailable = is('Unavailable');
