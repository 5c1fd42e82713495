/**
 * Storage errors: the few outcomes of an etcd operation that callers branch
 * on. gRPC and etcd3 errors become these in exactly one place, `castEtcdError`
 * (as etcd3's own castGrpcError does for gRPC codes).
 */
import { isBrokenCircuitError } from 'cockatiel';
import {
  ClientRuntimeError,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCOutOfRangeError,
  GRPCUnavailableError,
  isRecoverableError,
} from 'etcd3';

export class KeyExistsError extends Error {
  override name = 'KeyExistsError';
  constructor(readonly key: string) {
    super(`key ${key} already exists`);
  }
}

export class KeyNotFoundError extends Error {
  override name = 'KeyNotFoundError';
  constructor(readonly key: string) {
    super(`key ${key} not found`);
  }
}

/** RevisionConflictError: the key's mod revision is not the one the write was guarded on. */
export class RevisionConflictError extends Error {
  override name = 'RevisionConflictError';
  constructor(
    readonly key: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`key ${key} is at revision ${actual}, not ${expected}`);
  }
}

/** CompactedError: the revision asked for has been compacted away. */
export class CompactedError extends Error {
  override name = 'CompactedError';
  constructor(
    readonly requested: number,
    readonly compacted: number,
    options?: ErrorOptions,
  ) {
    super(`revision ${requested} has been compacted (compact revision ${compacted})`, options);
  }
}

/** FutureRevisionError: the revision asked for is newer than etcd's. */
export class FutureRevisionError extends Error {
  override name = 'FutureRevisionError';
  constructor(
    readonly requested: number,
    options?: ErrorOptions,
  ) {
    super(`revision ${requested} is newer than the store`, options);
  }
}

/** StorageUnavailableError: etcd can't be reached or didn't answer in time. */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

export const isKeyExists = (e: unknown): e is KeyExistsError => e instanceof KeyExistsError;
export const isKeyNotFound = (e: unknown): e is KeyNotFoundError => e instanceof KeyNotFoundError;
export const isRevisionConflict = (e: unknown): e is RevisionConflictError =>
  e instanceof RevisionConflictError;
export const isCompacted = (e: unknown): e is CompactedError => e instanceof CompactedError;
export const isStorageUnavailable = (e: unknown): e is StorageUnavailableError =>
  e instanceof StorageUnavailableError;

/**
 * castEtcdError turns an error thrown by etcd3 into a storage error where one
 * applies; anything else is returned as is. etcd answers both "compacted" and
 * "future revision" with OUT_OF_RANGE, so those two are told apart by etcd's
 * fixed error strings (mvcc's ErrCompacted / ErrFutureRev) — the one place
 * message text is read.
 */
export function castEtcdError(e: unknown, revision?: number): Error {
  if (!(e instanceof Error)) return new Error(String(e));
  if (e instanceof GRPCOutOfRangeError) {
    if (e.message.includes('compacted')) return new CompactedError(revision ?? 0, 0, { cause: e });
    if (e.message.includes('future')) return new FutureRevisionError(revision ?? 0, { cause: e });
  }
  if (
    isRecoverableError(e) ||
    isBrokenCircuitError(e) ||
    e instanceof GRPCDeadlineExceededError ||
    e instanceof GRPCUnavailableError ||
    e instanceof GRPCCancelledError ||
    e instanceof ClientRuntimeError
  ) {
    return new StorageUnavailableError(`etcd is unavailable: ${e.message}`, { cause: e });
  }
  return e;
}
