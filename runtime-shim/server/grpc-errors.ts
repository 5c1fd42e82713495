import { status, type ServiceError } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import {
  AlreadyExistsError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from '../errors.js';
import {
  isAmbiguousImageRef,
  isImageArchiveError,
  isImageStoreError,
  isInvalidImageRef,
} from '../images/index.js';
import { isCniConfigError, isInvalidNetworkRequest } from '../network/index.js';

/**
 * grpcStatusOf maps an error thrown inside the shim to the gRPC status the
 * caller sees. This is the one place that does it; unknown errors are
 * INTERNAL with their message.
 */
export function grpcStatusOf(e: unknown): status {
  if (e instanceof NotFoundError) return status.NOT_FOUND;
  if (isImageArchiveError(e) || isInvalidImageRef(e)) return status.INVALID_ARGUMENT;
  if (isAmbiguousImageRef(e)) return status.FAILED_PRECONDITION;
  if (isImageStoreError(e) && e.reason === 'RootfsBusy') return status.FAILED_PRECONDITION;
  if (e instanceof InvalidArgumentError || isInvalidNetworkRequest(e))
    return status.INVALID_ARGUMENT;
  if (e instanceof FailedPreconditionError) return status.FAILED_PRECONDITION;
  if (isCniConfigError(e)) return status.FAILED_PRECONDITION;
  if (e instanceof AlreadyExistsError) return status.ALREADY_EXISTS;
  if (e instanceof DeadlineExceededError) return status.DEADLINE_EXCEEDED;
  return status.INTERNAL;
}

/** toServiceError turns any thrown value into the error object grpc-js sends. */
export function toServiceError(e: unknown): Partial<ServiceError> {
  const message = e instanceof Error ? e.message : String(e);
  return { code: grpcStatusOf(e), details: message, metadata: new Metadata() };
}

/** statusName is the name of a gRPC status code (`NOT_FOUND`), for metrics and logs. */
export function statusName(code: status): string {
  return status[code] ?? String(code);
}
