import path from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { toArchiveError } from './digest.js';
import { ImageArchiveError } from './errors.js';

/**
 * Reading tars entry by entry with tar-stream, and the path rules that keep
 * every entry inside the directory it is unpacked into.
 */

/** TarHeader is a tar entry's header, with PAX records when it had any. */
export type TarHeader = Omit<tar.Header, 'pax'> & { pax?: Record<string, string> | null };

/** TarBody is an entry's content; read it to its end. */
export type TarBody = AsyncIterable<Buffer>;

/**
 * forEachTarEntry parses the tar in `src` and calls `fn` for each entry in
 * order, one at a time; `fn` must read `body` to its end or call
 * drain it. Parse errors become ImageArchiveError (NotAnArchive,
 * Truncated); an error thrown by `fn` stops the walk and is rethrown.
 */
export async function forEachTarEntry(
  src: Readable,
  what: string,
  fn: (header: TarHeader, body: TarBody) => Promise<void>,
): Promise<void> {
  let inputEnded = false;
  const extract = tar.extract();
  // The parser's own error says more than the "stream destroyed" an entry reader sees.
  let parseError: unknown;
  extract.on('error', (e: Error) => (parseError ??= e));
  const feeding = (async () => {
    for await (const chunk of src) {
      if (!extract.write(chunk) && !(await drained(extract))) return;
    }
    inputEnded = true;
    extract.end(undefined);
  })();
  // A source error (a gzip error, say) must also end the walk below.
  feeding.catch((e: unknown) => extract.destroy(e instanceof Error ? e : new Error(String(e))));
  try {
    for await (const entry of extract) {
      await fn(entry.header as TarHeader, entry as unknown as TarBody);
    }
    await feeding;
  } catch (e) {
    src.destroy();
    throw toArchiveError(parseError ?? e, what, inputEnded);
  }
}

/**
 * drained waits until a tar-stream (streamx) writable wants more data;
 * false when it was destroyed instead.
 */
export function drained(w: {
  destroyed: boolean;
  once(ev: 'drain' | 'close', fn: () => void): unknown;
  off(ev: 'drain' | 'close', fn: () => void): unknown;
}): Promise<boolean> {
  if (w.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onDrain = (): void => {
      w.off('close', onClose);
      resolve(true);
    };
    const onClose = (): void => {
      w.off('drain', onDrain);
      resolve(false);
    };
    w.once('drain', onDrain);
    w.once('close', onClose);
  });
}

/** drain reads `body` to its end, discarding it. */
export async function drain(body: TarBody): Promise<void> {
  for await (const _ of body) {
    // discard
  }
}

/** readAll reads `body` into one buffer; refuses more than `limit` bytes. */
export async function readAll(body: TarBody, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    const b = c as Buffer;
    n += b.length;
    if (n > limit)
      throw new ImageArchiveError('BadManifest', `${what} is larger than ${limit} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * cleanEntryName turns a tar entry name into a relative path inside the
 * extraction root ('' for the root itself). Leading slashes are dropped, as
 * Docker does; a name that climbs out with `..` throws
 * ImageArchiveError(PathTraversal).
 */
export function cleanEntryName(raw: string, what: string): string {
  let n = raw.replace(/^\/+/, '');
  if (n === '') return '';
  n = path.posix.normalize(n);
  if (n === '..' || n.startsWith('../')) {
    throw new ImageArchiveError(
      'PathTraversal',
      `${what}: entry ${JSON.stringify(raw)} leaves its directory`,
    );
  }
  if (n === '.' || n === './') return '';
  return n.replace(/\/+$/, '');
}
