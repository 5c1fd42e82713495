import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline as pipelineCb, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ImageArchiveError } from './errors.js';

/**
 * Digests and compression sniffing. Layers and archives are recognised by
 * their first bytes, never by file names or media types, because both
 * formats in the wild mislabel them.
 */

/** Compression is what a stream's magic bytes say it is. */
export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

/** sniffCompression reads the magic bytes at the start of `head`. */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (
    head.length >= 6 &&
    head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]))
  ) {
    return 'xz';
  }
  return 'none';
}

/** Sha256 accumulates a sha256 and a byte count over chunks. */
export class Sha256 {
  private readonly hash: Hash = createHash('sha256');
  /** bytes is the number of bytes seen so far. */
  bytes = 0;

  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  /** digest returns `sha256:<hex>` of everything seen; call once. */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** HashingStream passes bytes through unchanged and keeps their sha256 and count. */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  /** bytes is the number of bytes seen so far. */
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  /** digest returns `sha256:<hex>` of everything seen; call once, after the end. */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** sha256Of returns `sha256:<hex>` of a buffer or string. */
export function sha256Of(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** hexOf strips the `sha256:` prefix of a digest. */
export function hexOf(digest: string): string {
  const i = digest.indexOf(':');
  return i >= 0 ? digest.slice(i + 1) : digest;
}

/** readHead reads up to `n` bytes from the start of `file`. */
export async function readHead(file: string, n = 8): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * openDecompressed returns the uncompressed bytes of a layer file, gunzipping
 * when its magic says gzip. Other compressions are refused with
 * ImageArchiveError(Unsupported): Node 20's zlib has no zstd.
 */
export async function openDecompressed(file: string, what: string): Promise<Readable> {
  const kind = sniffCompression(await readHead(file));
  if (kind === 'none') return createReadStream(file);
  if (kind === 'gzip') return pipelineCb(createReadStream(file), createGunzip(), () => {});
  throw new ImageArchiveError(
    'Unsupported',
    `${what} is ${kind}-compressed; only gzip is supported`,
  );
}

/**
 * toArchiveError turns an error met while reading archive bytes into an
 * ImageArchiveError: zlib's codes tell a truncated gzip stream from bad
 * data; a tar parser error (it carries no errno code) means a truncated tar
 * when the input had already ended, and not a tar otherwise. Errors of the
 * machine (ENOSPC, EIO…) are returned unchanged.
 */
export function toArchiveError(e: unknown, what: string, inputEnded: boolean): unknown {
  if (e instanceof ImageArchiveError) return e;
  if (!(e instanceof Error)) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'Z_BUF_ERROR') {
    return new ImageArchiveError('Truncated', `${what}: gzip stream ends early`, { cause: e });
  }
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new ImageArchiveError('NotAnArchive', `${what}: bad gzip data`, { cause: e });
  }
  if (code !== undefined) return e;
  return inputEnded
    ? new ImageArchiveError('Truncated', `${what}: tar ends in the middle of an entry`, {
        cause: e,
      })
    : new ImageArchiveError('NotAnArchive', `${what}: not a tar archive`, { cause: e });
}

/** hashStream reads `src` to its end and returns its digest and length. */
export async function hashStream(src: Readable): Promise<{ digest: string; size: number }> {
  const h = new HashingStream();
  await pipeline(src, h, async (source: AsyncIterable<Buffer>) => {
    for await (const _ of source) {
      // drain
    }
  });
  return { digest: h.digest(), size: h.bytes };
}

/**
 * sniffStream reads the first bytes of `src` and returns them with a stream
 * that yields everything, those bytes included.
 */
export async function sniffStream(
  src: Readable,
  n = 8,
): Promise<{ head: Buffer; stream: Readable }> {
  const it = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let len = 0;
  let done = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    chunks.push(b);
    len += b.length;
  }
  const head = Buffer.concat(chunks);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    while (!done) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    }
  }
  const stream = Readable.from(all(), { objectMode: false });
  stream.on('close', () => {
    if (!stream.readableEnded) src.destroy();
  });
  return { head: head.subarray(0, n), stream };
}
