import { isStatus, newStatus, StatusError } from '../api/errors.js';
import type { StatusReason } from '../api/meta.js';

/**
 * ConnectionError means no HTTP answer was obtained: the connection was
 * refused or reset, TLS failed, the request timed out, or a response body
 * broke off. `code` is Node's error code when there is one (ECONNREFUSED,
 * ECONNRESET, ETIMEDOUT, DEPTH_ZERO_SELF_SIGNED_CERT…). Whether the server
 * acted on the request is unknown.
 */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
  readonly code: string | undefined;

  constructor(message: string, options?: ErrorOptions & { code?: string }) {
    super(message, options);
    const causeCode = (options?.cause as { code?: unknown } | undefined)?.code;
    this.code = options?.code ?? (typeof causeCode === 'string' ? causeCode : undefined);
  }
}

/** isConnectionError tells a transport failure from an answer of the server. */
export const isConnectionError = (e: unknown): e is ConnectionError => e instanceof ConnectionError;

/**
 * DecodeError means a 2xx answer (or a watch line) was not the JSON
 * expected. It points at a server bug or a wrong `server` URL.
 */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** isDecodeError is the guard for DecodeError. */
export const isDecodeError = (e: unknown): e is DecodeError => e instanceof DecodeError;

const reasons: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

const messages: Record<number, string> = {
  400: 'the server rejected our request for an unknown reason',
  401: 'the server has asked for the client to provide credentials',
  403: 'the server does not allow access to the requested resource',
  404: 'the server could not find the requested resource',
  405: 'the server does not allow this method on the requested resource',
  409: 'the server reported a conflict',
  410: 'the server responded with the status code 410 but did not return more information',
  422: 'the server rejected our request due to an error in our request',
  429: 'the server has received too many requests and has asked us to try again later',
  500: 'an error on the server has prevented the request from succeeding',
  503: 'the server is currently unable to handle the request',
  504: 'the server was unable to return a response in the time allotted',
};

/**
 * statusErrorFromResponse turns a non-2xx HTTP answer into a StatusError: the
 * Status the server sent when the body is one, otherwise a Status made up
 * from the code (apimachinery `NewGenericServerResponse`), with a short
 * excerpt of the body in the message. This is the one place where HTTP
 * answers become typed errors.
 */
export function statusErrorFromResponse(
  code: number,
  body: string,
  retryAfterSeconds?: number,
): StatusError {
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (isStatus(parsed)) {
    return new StatusError(parsed.code > 0 ? parsed : { ...parsed, code });
  }
  const reason: StatusReason = reasons[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest');
  let message = messages[code] ?? `the server responded with the status code ${code}`;
  const text = body.trim();
  if (text) message += ` (${text.length > 200 ? `${text.slice(0, 200)}…` : text})`;
  const status = newStatus(code, reason, message, {
    causes: [{ reason: 'UnexpectedServerResponse', message: text.slice(0, 1000) }],
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
  return new StatusError(status);
}
