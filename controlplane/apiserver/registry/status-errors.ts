import {
  StatusError,
  newInternalError,
  newResourceExpired,
  newServiceUnavailable,
  newTimeout,
  type GroupResource,
} from '../../api/errors.js';
import { CompactedError, FutureRevisionError, StorageUnavailableError } from '../storage/errors.js';
import { CacheNotReadyError, TooOldResourceVersionError } from '../storage/watch-cache.js';

/**
 * toStatusError turns any error from the registry or storage into the Status
 * the API server answers: StatusErrors pass through, storage outcomes map to
 * their Kubernetes answers, anything else is a 500.
 */
export function toStatusError(e: unknown, _gr?: GroupResource): StatusError {
  if (e instanceof StatusError) return e;
  if (e instanceof StorageUnavailableError) return newServiceUnavailable(e.message);
  if (e instanceof CompactedError || e instanceof TooOldResourceVersionError) {
    return newResourceExpired(
      e instanceof TooOldResourceVersionError
        ? e.message
        : 'The resourceVersion for the provided list is too old.',
    );
  }
  if (e instanceof CacheNotReadyError || e instanceof FutureRevisionError) {
    return newTimeout(`Too large resource version: ${e.message}`, 1);
  }
  return newInternalError(e);
}
