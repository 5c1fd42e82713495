/**
 * Kubernetes protobuf bodies (`application/vnd.kubernetes.protobuf`): the
 * schema of the served kinds with Kubernetes' field numbers, and a codec
 * between that wire form and the objects' Kubernetes JSON. The API server
 * decodes request bodies with it; it does not answer in protobuf.
 */
export { MAGIC, decodeObject, encodeObject, unwrapEnvelope } from './codec.js';
export type { Envelope, TypeMeta } from './codec.js';
export { ProtobufDecodeError, isProtobufDecodeError } from './errors.js';
export type { Json, JsonObject } from './json-types.js';
export { KINDS, SCHEMA_FILES, kubeSchema, loadSchema, schemaDir } from './schema.js';
export type { KubeSchema } from './schema.js';
