import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { connectRuntime } from '../proto/loader.js';
import type { Image__Output } from '../proto/generated/tugboat/runtime/v1/Image.js';
import type { ImportImageResponse__Output } from '../proto/generated/tugboat/runtime/v1/ImportImageResponse.js';

/** CHUNK is the size of each ImportImage message; well under gRPC's 4 MiB default. */
const CHUNK = 1024 * 1024;

/**
 * importStream sends the archive read from `src` to the shim at `address`
 * through ImportImage and resolves with the stored images. Backpressure is
 * kept: the file is read only as fast as the shim takes it.
 */
export async function importStream(src: Readable, address: string): Promise<Image__Output[]> {
  const clients = connectRuntime(address);
  try {
    return await new Promise<Image__Output[]>((resolve, reject) => {
      const call = clients.raw.image.ImportImage((err, res?: ImportImageResponse__Output) => {
        if (err) reject(err);
        else resolve(res?.images ?? []);
      });
      src.on('error', (e) => {
        call.cancel();
        reject(e);
      });
      (async () => {
        for await (const chunk of src) {
          const buf = chunk as Buffer;
          for (let off = 0; off < buf.length; off += CHUNK) {
            if (!call.write({ chunk: buf.subarray(off, off + CHUNK) })) {
              await new Promise<void>((r) => call.once('drain', () => r()));
            }
          }
        }
        call.end();
      })().catch((e: unknown) => {
        call.cancel();
        reject(e instanceof Error ? e : new Error(String(e)));
      });
    });
  } finally {
    clients.close();
  }
}

/** importFile imports the archive at `file` (`-` for stdin) into the shim at `address`. */
export async function importFile(file: string, address: string): Promise<Image__Output[]> {
  if (file !== '-') {
    try {
      await access(file, constants.R_OK);
    } catch (e) {
      throw new Error(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
  }
  const src = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: CHUNK });
  return importStream(src, address);
}
