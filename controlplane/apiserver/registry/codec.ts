import { randomInt, randomUUID } from 'node:crypto';
import type { ApiObject } from './types.js';

/**
 * encode turns an object into its stored bytes: JSON without
 * metadata.resourceVersion, which is etcd's mod revision and set on read.
 */
export function encode(obj: ApiObject): Buffer {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return Buffer.from(JSON.stringify({ ...obj, metadata }));
}

/** DecodeError: a stored value that isn't an API object. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** decode reads stored bytes back into an object whose resourceVersion is `revision`. */
export function decode(value: Buffer, revision: number): ApiObject {
  const obj: unknown = JSON.parse(value.toString('utf8'));
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new DecodeError('stored value is not a JSON object');
  }
  const o = obj as ApiObject;
  if (typeof o.metadata !== 'object' || o.metadata === null)
    throw new DecodeError('stored object has no metadata');
  o.metadata.resourceVersion = String(revision);
  return o;
}

/** deepCopy copies a JSON value. */
export function deepCopy<T>(v: T): T {
  return structuredClone(v);
}

/** sameJson tells whether two JSON values are equal (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameJson(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => sameJson(ao[k], bo[k]));
}

/** newUid makes a metadata.uid. */
export const newUid = (): string => randomUUID();

const nameChars = 'bcdfghjklmnpqrstvwxz2456789';

/** generateNameSuffix is the 5 random characters kube-apiserver appends to generateName. */
export function generateNameSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += nameChars[randomInt(nameChars.length)];
  return s;
}

/** rfc3339 formats a time the way Kubernetes timestamps are written (seconds, UTC). */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
