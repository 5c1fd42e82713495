import { formatFieldError, toCause, type FieldError } from './field-path.js';
import type { Status, StatusDetails, StatusReason } from './meta.js';

/**
 * StatusError carries a metav1.Status through the code: the API server answers
 * it as is, and the client turns every non-2xx answer back into one. Callers
 * branch on `reason` with the guards below, never on message text
 * (apimachinery pkg/api/errors).
 */
export class StatusError extends Error {
  override name = 'StatusError';
  readonly status: Status;

  constructor(status: Status, options?: ErrorOptions) {
    super(status.message ?? status.reason ?? `status ${status.code}`, options);
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): StatusReason {
    return this.status.reason ?? '';
  }
}

/** GroupResource names a resource for messages: `deployments.apps`, `pods`. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function groupResourceString(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** newStatus builds a failure Status; `details` are copied as given. */
export function newStatus(
  code: number,
  reason: StatusReason,
  message: string,
  details?: StatusDetails,
): Status {
  const s: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details) s.details = details;
  return s;
}

function err(
  code: number,
  reason: StatusReason,
  message: string,
  details?: StatusDetails,
): StatusError {
  return new StatusError(newStatus(code, reason, message, details));
}

const grDetails = (gr: GroupResource, name: string): StatusDetails => ({
  name,
  group: gr.group,
  kind: gr.resource,
});

export function newNotFound(gr: GroupResource, name: string): StatusError {
  return err(
    404,
    'NotFound',
    `${groupResourceString(gr)} "${name}" not found`,
    grDetails(gr, name),
  );
}

export function newAlreadyExists(gr: GroupResource, name: string): StatusError {
  return err(
    409,
    'AlreadyExists',
    `${groupResourceString(gr)} "${name}" already exists`,
    grDetails(gr, name),
  );
}

/** newConflict is the optimistic-concurrency failure; `why` defaults to the stale-version text. */
export function newConflict(gr: GroupResource, name: string, why?: string): StatusError {
  const reason =
    why ??
    'the object has been modified; please apply your changes to the latest version and try again';
  return err(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${groupResourceString(gr)} "${name}": ${reason}`,
    grDetails(gr, name),
  );
}

/** GroupKind names a kind for Invalid messages: `Deployment.apps`. */
export interface GroupKind {
  group: string;
  kind: string;
}

/** newInvalid is 422 with one cause per field error (apimachinery NewInvalid). */
export function newInvalid(gk: GroupKind, name: string, errs: FieldError[]): StatusError {
  const qualified = gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
  const texts = errs.map(formatFieldError);
  const list = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  return err(422, 'Invalid', `${qualified} "${name}" is invalid: ${list}`, {
    name,
    group: gk.group,
    kind: gk.kind,
    causes: errs.map(toCause),
  });
}

export function newBadRequest(message: string, details?: StatusDetails): StatusError {
  return err(400, 'BadRequest', message, details);
}

export function newUnauthorized(message = 'Unauthorized'): StatusError {
  return err(401, 'Unauthorized', message);
}

export function newForbidden(gr: GroupResource, name: string, why: string): StatusError {
  const what = name ? `${groupResourceString(gr)} "${name}"` : groupResourceString(gr);
  return err(403, 'Forbidden', `${what} is forbidden: ${why}`, grDetails(gr, name));
}

export function newMethodNotSupported(gr: GroupResource, action: string): StatusError {
  return err(
    405,
    'MethodNotAllowed',
    `${action} is not supported on resources of kind "${groupResourceString(gr)}"`,
    {
      group: gr.group,
      kind: gr.resource,
    },
  );
}

export function newNotAcceptable(message: string): StatusError {
  return err(406, 'NotAcceptable', message);
}

/** newGone is 410 for a resourceVersion that is no longer kept (reason Expired, as watch and list use it). */
export function newResourceExpired(message: string): StatusError {
  return err(410, 'Expired', message);
}

export function newGone(message: string): StatusError {
  return err(410, 'Gone', message);
}

export function newRequestEntityTooLarge(message: string): StatusError {
  return err(413, 'RequestEntityTooLarge', message);
}

export function newUnsupportedMediaType(contentType: string): StatusError {
  return err(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/merge-patch+json, application/json-patch+json, application/strategic-merge-patch+json (got "${contentType}")`,
  );
}

export function newTooManyRequests(message: string, retryAfterSeconds: number): StatusError {
  return err(429, 'TooManyRequests', message, { retryAfterSeconds });
}

export function newInternalError(cause: unknown): StatusError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new StatusError(
    newStatus(500, 'InternalError', `Internal error occurred: ${msg}`, {
      causes: [{ message: msg }],
    }),
    { cause },
  );
}

export function newServiceUnavailable(message: string): StatusError {
  return err(503, 'ServiceUnavailable', message);
}

export function newTimeout(message: string, retryAfterSeconds = 0): StatusError {
  return err(504, 'Timeout', message, { retryAfterSeconds });
}

/** reasonOf returns the Status reason of a StatusError, or '' for anything else. */
export function reasonOf(e: unknown): StatusReason {
  return e instanceof StatusError ? e.reason : '';
}

export const isNotFound = (e: unknown): boolean => reasonOf(e) === 'NotFound';
export const isAlreadyExists = (e: unknown): boolean => reasonOf(e) === 'AlreadyExists';
export const isConflict = (e: unknown): boolean => reasonOf(e) === 'Conflict';
export const isInvalid = (e: unknown): boolean => reasonOf(e) === 'Invalid';
export const isBadRequest = (e: unknown): boolean => reasonOf(e) === 'BadRequest';
export const isUnauthorized = (e: unknown): boolean => reasonOf(e) === 'Unauthorized';
export const isForbidden = (e: unknown): boolean => reasonOf(e) === 'Forbidden';
/** isGone is true for 410 answers, whether the reason is Gone or Expired. */
export const isGone = (e: unknown): boolean =>
  e instanceof StatusError && (e.code === 410 || e.reason === 'Gone' || e.reason === 'Expired');
export const isServiceUnavailable = (e: unknown): boolean => reasonOf(e) === 'ServiceUnavailable';
export const isTooManyRequests = (e: unknown): boolean => reasonOf(e) === 'TooManyRequests';

/** isStatus tells whether a decoded JSON body is a metav1.Status. */
export function isStatus(v: unknown): v is Status {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as { kind?: unknown }).kind === 'Status' &&
    typeof (v as { code?: unknown }).code === 'number'
  );
}
