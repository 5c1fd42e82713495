import type { PodTemplateSpec } from '../../api/types/index.js';

/** podTemplateHashLabel is the label that ties a Deployment's ReplicaSet and pods to one template. */
export const podTemplateHashLabel = 'pod-template-hash';

// The characters Kubernetes' rand.SafeEncodeString maps to: no vowels, no
// look-alikes, so a hash never spells a word or reads ambiguously.
const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * canonicalJson writes a value as JSON with object keys sorted, so equal
 * values always give the same text. Absent (undefined) members are left out.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x ?? null)).join(',')}]`;
  const rec = v as Record<string, unknown>;
  const parts = Object.keys(rec)
    .filter((k) => rec[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(rec[k])}`);
  return `{${parts.join(',')}}`;
}

function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** safeEncode maps each character of `s` into the safe alphabet (rand.SafeEncodeString). */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += safeAlphabet[s.charCodeAt(i) % safeAlphabet.length];
  return out;
}

/**
 * computeHash is the pod-template-hash of a Deployment's template, as
 * Kubernetes computes it (controller.ComputeHash): a 32-bit FNV-1a hash of
 * the template — here of its canonical JSON — followed, when the
 * Deployment has had name collisions, by `collisionCount` as 8 little-endian
 * bytes; printed in decimal and mapped to safe characters (at most 10,
 * e.g. `5d4b9c6f7`). Equal templates always hash alike.
 */
export function computeHash(tpl: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(tpl ?? {})));
  if (collisionCount !== undefined) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncode(String(h));
}
