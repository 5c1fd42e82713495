import { ProtobufDecodeError } from './errors.js';
import { messageFromJson } from './from-json.js';
import type { JsonObject } from './json-types.js';
import { kubeSchema, type KubeSchema } from './schema.js';
import { messageToJson } from './to-json.js';

/** MAGIC is the prefix of every Kubernetes protobuf body: `k8s\0`. */
export const MAGIC: Readonly<Buffer> = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Envelope is runtime.Unknown: the object's type and its own encoding. */
export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** TypeMeta names a kind. */
export interface TypeMeta {
  apiVersion: string;
  kind: string;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * unwrapEnvelope checks the magic prefix and decodes the runtime.Unknown
 * after it. It throws ProtobufDecodeError for anything else.
 */
export function unwrapEnvelope(body: Uint8Array, schema: KubeSchema = kubeSchema()): Envelope {
  if (body.length < MAGIC.length || !MAGIC.equals(body.subarray(0, MAGIC.length))) {
    throw new ProtobufDecodeError(
      'the body does not start with the Kubernetes protobuf prefix "k8s\\0"',
    );
  }
  let u: Record<string, unknown>;
  try {
    u = schema.unknown.decode(body.subarray(MAGIC.length)) as unknown as Record<string, unknown>;
  } catch (e) {
    throw new ProtobufDecodeError(`the body is not a valid runtime.Unknown: ${String(e)}`, {
      cause: e,
    });
  }
  const tm = (u['typeMeta'] ?? {}) as Record<string, unknown>;
  const raw = u['raw'];
  return {
    apiVersion: str(tm['apiVersion']),
    kind: str(tm['kind']),
    raw: raw instanceof Uint8Array ? raw : new Uint8Array(),
    contentEncoding: str(u['contentEncoding']),
    contentType: str(u['contentType']),
  };
}

/**
 * decodeObject decodes a Kubernetes protobuf body (the magic prefix, then a
 * runtime.Unknown wrapping the object's own encoding) into the object's
 * Kubernetes JSON, with apiVersion and kind set from the envelope, or from
 * `defaults` when the envelope leaves them empty. It never changes anything
 * and throws ProtobufDecodeError, with a message fit for the client, for a
 * body it cannot read: a wrong prefix, a broken message, a compressed or
 * non-protobuf payload, a kind with no schema here. Safe to call
 * concurrently.
 */
export function decodeObject(
  body: Uint8Array,
  defaults?: TypeMeta,
  schema: KubeSchema = kubeSchema(),
): JsonObject {
  const env = unwrapEnvelope(body, schema);
  if (env.contentEncoding !== '') {
    throw new ProtobufDecodeError(
      `content encoding "${env.contentEncoding}" of the wrapped object is not supported`,
    );
  }
  const apiVersion = env.apiVersion || defaults?.apiVersion || '';
  const kind = env.kind || defaults?.kind || '';
  const type = schema.typeFor(apiVersion, kind);
  if (!type) {
    throw new ProtobufDecodeError(
      `no protobuf schema for kind "${kind}" in version "${apiVersion}"; send it as JSON`,
    );
  }
  let msg: Record<string, unknown>;
  try {
    msg = type.decode(env.raw) as unknown as Record<string, unknown>;
  } catch (e) {
    throw new ProtobufDecodeError(`the body is not a valid ${apiVersion} ${kind}: ${String(e)}`, {
      cause: e,
    });
  }
  return { apiVersion, kind, ...messageToJson(type, msg) };
}

/**
 * encodeObject is decodeObject's inverse: it encodes an object in Kubernetes
 * JSON (apiVersion and kind set) as a protobuf body, the way kubectl does.
 * The server does not answer in protobuf; this exists for tests and tools.
 * It throws TypeError for a kind with no schema, or a field the schema lacks.
 */
export function encodeObject(
  obj: Record<string, unknown>,
  schema: KubeSchema = kubeSchema(),
): Buffer {
  const { apiVersion, kind, ...rest } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    throw new TypeError('the object must have a string apiVersion and kind');
  }
  const type = schema.typeFor(apiVersion, kind);
  if (!type) throw new TypeError(`no protobuf schema for ${apiVersion} ${kind}`);
  const raw = type.encode(type.fromObject(messageFromJson(type, rest))).finish();
  const unknown = schema.unknown.fromObject({
    typeMeta: { apiVersion, kind },
    raw,
    contentEncoding: '',
    contentType: '',
  });
  return Buffer.concat([MAGIC, schema.unknown.encode(unknown).finish()]);
}
