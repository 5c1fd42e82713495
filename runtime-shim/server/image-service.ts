import { status, type ServerReadableStream, type sendUnaryData } from '@grpc/grpc-js';
import { PassThrough } from 'node:stream';
import type { ImageServiceHandlers } from '../../proto/generated/tugboat/runtime/v1/ImageService.js';
import type { ImportImageRequest__Output } from '../../proto/generated/tugboat/runtime/v1/ImportImageRequest.js';
import type { ImportImageResponse } from '../../proto/generated/tugboat/runtime/v1/ImportImageResponse.js';
import type { Shim } from '../core/shim.js';
import { grpcStatusOf, toServiceError } from './grpc-errors.js';
import type { HandlerKit } from './handlers.js';

/** imageService builds the ImageService handlers over `shim`. */
export function imageService(shim: Shim, kit: HandlerKit): ImageServiceHandlers {
  return {
    ListImages: kit.unary('ListImages', async (req) => ({
      images: await shim.images.list(req.filter?.image?.image ?? ''),
    })),
    ImageStatus: kit.unary('ImageStatus', (req) =>
      shim.images.status(req.image?.image ?? '', req.verbose),
    ),
    PullImage: kit.unary('PullImage', async (req) => ({
      imageRef: await shim.images.pull(req.image?.image ?? ''),
    })),
    RemoveImage: kit.unary('RemoveImage', async (req) => {
      await shim.images.remove(req.image?.image ?? '');
      return {};
    }),
    ImageFsInfo: kit.unary('ImageFsInfo', () => shim.images.fsInfo()),
    ImportImage: (
      call: ServerReadableStream<ImportImageRequest__Output, ImportImageResponse>,
      callback: sendUnaryData<ImportImageResponse>,
    ) => {
      const t0 = process.hrtime.bigint();
      // The archive flows through with backpressure: the call pauses while the store is behind.
      const archive = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
      call.on('data', (msg: ImportImageRequest__Output) => {
        if (msg.chunk.length > 0 && !archive.write(msg.chunk)) {
          call.pause();
          archive.once('drain', () => call.resume());
        }
      });
      call.on('end', () => archive.end());
      call.on('error', (e) => archive.destroy(e));
      call.on('cancelled', () => archive.destroy(new Error('ImportImage cancelled by the client')));
      shim.images.import(archive).then(
        (images) => {
          kit.done('ImportImage', status.OK, t0);
          callback(null, { images });
        },
        (e: unknown) => {
          // Drain what the client still sends so the call can finish.
          call.resume();
          kit.done('ImportImage', grpcStatusOf(e), t0, e);
          callback(toServiceError(e));
        },
      );
    },
  };
}
