import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import {
  StatusError,
  newBadRequest,
  newRequestEntityTooLarge,
  newUnsupportedMediaType,
} from '../../api/errors.js';

/** maxBodyBytes is kube-apiserver's limit on a request body (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * readBody reads a request body up to `limit` bytes; a larger one is 413 and
 * the rest is not read. A client that goes away mid-body rejects.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => !failed && resolve(Buffer.concat(chunks)));
    req.on('error', (e) => !failed && reject(e));
    req.on('aborted', () => !failed && reject(new Error('client aborted the request')));
  });
}

function tooLarge(limit: number): StatusError {
  return newRequestEntityTooLarge(`the request body is too large: limit is ${limit} bytes`);
}

/** MediaType is a content type without parameters, lower-cased. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * decodeJsonOrYaml parses a JSON or YAML body (by Content-Type; JSON when
 * absent). Malformed input is a 400 that says where it broke.
 */
export function decodeJsonOrYaml(body: Buffer, contentType: string | undefined): unknown {
  const mt = mediaType(contentType);
  if (body.length === 0) throw newBadRequest('the request body is empty');
  const text = body.toString('utf8');
  if (mt === '' || mt === 'application/json' || mt === '*/*') {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw newBadRequest(`the body of the request is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (mt === 'application/yaml' || mt === 'application/x-yaml' || mt === 'text/yaml') {
    try {
      return parseYaml(text, { maxAliasCount: 100 });
    } catch (e) {
      throw newBadRequest(`the body of the request is not valid YAML: ${(e as Error).message}`);
    }
  }
  throw newUnsupportedMediaType(mt);
}

/** isObject tells a JSON object from arrays and scalars. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
