import { newBadRequest, newConflict } from '../../api/errors.js';
import { toCause } from '../../api/field-path.js';
import { decodeErrorMessage, strictDecodingMessage } from '../../api/schema/index.js';
import { groupVersion, type ResourceInfo } from '../../api/resources.js';
import type { ApiObject } from '../registry/types.js';
import { decodeJsonOrYaml, isObject, mediaType, readBody } from './body.js';
import type { Ctx } from './context.js';
import { fieldValidation } from './options.js';
import { decodeProtobufBody, decodeProtobufObject, PROTOBUF } from './protobuf.js';

/**
 * asApiObject checks that a decoded body is an object of the resource's kind
 * and version (filling apiVersion/kind when absent, as kube-apiserver's
 * decoder does from the URL) and that its metadata is an object.
 */
export function asApiObject(info: ResourceInfo, v: unknown): ApiObject {
  if (!isObject(v)) throw newBadRequest('the body of the request must be a JSON or YAML object');
  const want = groupVersion(info.group, info.version);
  if (v['apiVersion'] === undefined || v['apiVersion'] === '') v['apiVersion'] = want;
  if (v['kind'] === undefined || v['kind'] === '') v['kind'] = info.kind;
  if (v['apiVersion'] !== want) {
    throw newBadRequest(
      `the API version in the data (${String(v['apiVersion'])}) does not match the expected API version (${want})`,
    );
  }
  if (v['kind'] !== info.kind) {
    throw newBadRequest(
      `the kind in the data (${String(v['kind'])}) does not match the expected kind (${info.kind})`,
    );
  }
  if (v['metadata'] === undefined || v['metadata'] === null) v['metadata'] = {};
  if (!isObject(v['metadata'])) throw newBadRequest('metadata must be an object');
  return v as unknown as ApiObject;
}

/**
 * checkFields enforces the decoding rules on an object: values of the wrong
 * type are a 400; unknown fields are refused (Strict), reported as warnings
 * (Warn) or dropped silently (Ignore) — never stored.
 */
export function checkFields(c: Ctx, info: ResourceInfo, obj: ApiObject): void {
  const mode = fieldValidation(c.query);
  const typeErrs = c.deps.edge.checkTypes(info, obj);
  if (typeErrs.length) {
    throw newBadRequest(decodeErrorMessage(info, typeErrs), {
      kind: info.kind,
      group: info.group,
      causes: typeErrs.map(toCause),
    });
  }
  if (mode === 'Strict') {
    const unknown = c.deps.edge.unknownFields(info, obj);
    if (unknown.length === 0) return;
    throw newBadRequest(strictDecodingMessage(unknown), {
      kind: info.kind,
      group: info.group,
      causes: unknown.map((p) => ({
        reason: 'FieldValueInvalid',
        message: `unknown field "${p}"`,
        field: p,
      })),
    });
  }
  const dropped = c.deps.edge.pruneUnknownFields(info, obj);
  if (mode === 'Warn') c.warnings.push(...dropped.map((p) => `unknown field "${p}"`));
}

/** readObject reads, decodes and checks a request body as an object of `info`, in its storage version. */
export async function readObject(c: Ctx, info: ResourceInfo): Promise<ApiObject> {
  const body = await readBody(c.req);
  const ct = c.req.headers['content-type'];
  const decoded =
    mediaType(ct) === PROTOBUF ? decodeProtobufObject(info, body) : decodeJsonOrYaml(body, ct);
  const obj = asApiObject(info, decoded);
  checkFields(c, info, obj);
  return c.deps.edge.toStorage(info, obj);
}

/** readJson reads a body that is JSON or YAML of any shape (options, patches). */
export async function readJson(c: Ctx, allowEmpty = false): Promise<unknown> {
  const body = await readBody(c.req);
  if (body.length === 0 && allowEmpty) return undefined;
  const ct = c.req.headers['content-type'];
  return mediaType(ct) === PROTOBUF ? decodeProtobufBody(body) : decodeJsonOrYaml(body, ct);
}

/**
 * checkResourceVersion: a body that names a resourceVersion must name the
 * current one, and one that names a uid must name this object's (else 409).
 */
export function checkResourceVersion(
  info: ResourceInfo,
  current: ApiObject,
  proposed: { metadata?: { resourceVersion?: string; uid?: string } },
): void {
  const gr = { group: info.group, resource: info.resource };
  const rv = proposed.metadata?.resourceVersion;
  if (rv && rv !== current.metadata.resourceVersion) throw newConflict(gr, current.metadata.name);
  const uid = proposed.metadata?.uid;
  if (uid && uid !== current.metadata.uid) {
    throw newConflict(
      gr,
      current.metadata.name,
      `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`,
    );
  }
}
