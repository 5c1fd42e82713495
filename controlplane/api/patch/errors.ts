import { StatusError, newBadRequest, newStatus } from '../errors.js';

/**
 * PatchError is the base of the two ways a patch fails. `code` is the HTTP
 * status the API server answers: 400 for a malformed patch document, 422 for
 * a well-formed patch that cannot be applied to this object.
 */
export abstract class PatchError extends Error {
  abstract readonly code: 400 | 422;
}

/** PatchFormatError is a malformed patch document (bad op, bad pointer, bad directive): answer 400. */
export class PatchFormatError extends PatchError {
  override name = 'PatchFormatError';
  readonly code = 400 as const;
}

/** PatchApplyError is a patch that does not apply to this object (missing path, failed test): answer 422. */
export class PatchApplyError extends PatchError {
  override name = 'PatchApplyError';
  readonly code = 422 as const;
}

/** isPatchError tells whether `e` is either kind of patch failure. */
export function isPatchError(e: unknown): e is PatchError {
  return e instanceof PatchError;
}

/** isPatchFormatError tells whether `e` is a malformed patch (400). */
export function isPatchFormatError(e: unknown): e is PatchFormatError {
  return e instanceof PatchFormatError;
}

/** isPatchApplyError tells whether `e` is a patch that cannot be applied (422). */
export function isPatchApplyError(e: unknown): e is PatchApplyError {
  return e instanceof PatchApplyError;
}

/**
 * patchErrorToStatus turns a patch failure into the StatusError the API
 * server answers: 400 BadRequest, or 422 Invalid with the message as an
 * UnexpectedServerResponse cause (as apimachinery's NewGenericServerResponse does).
 */
export function patchErrorToStatus(e: PatchError): StatusError {
  if (e.code === 400) return newBadRequest(e.message);
  return new StatusError(
    newStatus(422, 'Invalid', e.message, {
      causes: [{ reason: 'UnexpectedServerResponse', message: e.message }],
    }),
    { cause: e },
  );
}
