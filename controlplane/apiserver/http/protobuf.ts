import { newBadRequest } from '../../api/errors.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import { decodeObject, isProtobufDecodeError, type TypeMeta } from '../protobuf/index.js';

/** PROTOBUF is Kubernetes' protobuf media type. */
export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

function decode(body: Buffer, defaults?: TypeMeta): unknown {
  try {
    return decodeObject(body, defaults);
  } catch (e) {
    if (isProtobufDecodeError(e)) throw newBadRequest(e.message);
    throw e;
  }
}

/**
 * decodeProtobufObject decodes a Kubernetes protobuf body sent to `info`'s
 * collection or object into the object's Kubernetes JSON (apiVersion and kind
 * from the envelope, or from `info` when the envelope leaves them empty), as
 * kubectl's typed commands (create, run, expose, autoscale) send it. The
 * caller checks the kind against the URL as for JSON. A body that is not a
 * protobuf object of a kind this server has a schema for is a 400 Status.
 */
export function decodeProtobufObject(info: ResourceInfo, body: Buffer): unknown {
  return decode(body, { apiVersion: apiVersionOf(info), kind: info.kind });
}

/**
 * decodeProtobufBody decodes a protobuf body of any kind with a schema here
 * (Binding, Eviction, Scale, DeleteOptions as well as the served kinds) into
 * its Kubernetes JSON, for handlers that read bodies other than the URL's
 * kind. A body it cannot read is a 400 Status.
 */
export function decodeProtobufBody(body: Buffer): unknown {
  return decode(body);
}
