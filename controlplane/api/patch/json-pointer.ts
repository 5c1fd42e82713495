import { PatchFormatError } from './errors.js';

/**
 * parsePointer splits a JSON pointer (RFC 6901) into unescaped tokens: ''
 * is the whole document, otherwise it starts with '/', and `~1` is '/', `~0`
 * is '~'. Any other use of '~' is malformed.
 */
export function parsePointer(pointer: string, what = 'path'): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new PatchFormatError(
      `${what} ${JSON.stringify(pointer)} is not a JSON pointer: it must start with '/'`,
    );
  }
  return pointer
    .slice(1)
    .split('/')
    .map((t) => {
      if (/~(?![01])/.test(t)) {
        throw new PatchFormatError(
          `${what} ${JSON.stringify(pointer)} has an invalid escape: only ~0 and ~1 are allowed`,
        );
      }
      return t.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/**
 * arrayIndex reads an array index token: digits without leading zeros
 * (RFC 6901), or undefined when the token is not one.
 */
export function arrayIndex(token: string): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : undefined;
}
