/**
 * ProtobufDecodeError says a request body is not a Kubernetes protobuf object
 * this server can read: a wrong prefix, a broken message, an unknown kind or a
 * value with no JSON form. It is the client's fault; the HTTP layer answers
 * it with 400. A broken schema on disk is not one of these.
 */
export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
}

/** isProtobufDecodeError reports whether `e` is a ProtobufDecodeError. */
export function isProtobufDecodeError(e: unknown): e is ProtobufDecodeError {
  return e instanceof Error && e.name === 'ProtobufDecodeError';
}
