import type { Readable } from 'node:stream';
import type { Image } from '../../proto/generated/tugboat/runtime/v1/Image.js';
import type { ImageFsInfoResponse } from '../../proto/generated/tugboat/runtime/v1/ImageFsInfoResponse.js';
import type { ImageStatusResponse } from '../../proto/generated/tugboat/runtime/v1/ImageStatusResponse.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { ImageRecord } from '../images/types.js';
import type { ShimContext } from './context.js';

/** toImage renders an image record as CRI's Image. */
export function toImage(rec: ImageRecord): Image {
  const user = (rec.config.user ?? '').split(':')[0] ?? '';
  return {
    id: rec.id,
    repoTags: rec.repoTags,
    repoDigests: rec.repoDigests,
    size: String(rec.size),
    ...(/^\d+$/.test(user) ? { uid: { value: user } } : { username: user }),
    spec: { image: rec.id },
    pinned: false,
  };
}

/**
 * ImageOps implements the ImageService verbs over the injected ImageStore.
 * Registry pulls are not implemented: images come in through import.
 */
export class ImageOps {
  constructor(private readonly ctx: ShimContext) {}

  /** list implements ListImages. */
  async list(filter: string): Promise<Image[]> {
    if (filter !== '') {
      const one = await this.ctx.images.get(filter);
      return one ? [toImage(one)] : [];
    }
    return (await this.ctx.images.list()).map(toImage);
  }

  /** status implements ImageStatus: an unknown image is an empty answer, not an error. */
  async status(ref: string, verbose: boolean): Promise<ImageStatusResponse> {
    if (ref === '') throw new InvalidArgumentError('image.image: required');
    const rec = await this.ctx.images.get(ref);
    if (!rec) return { info: {} };
    return { image: toImage(rec), info: verbose ? { config: JSON.stringify(rec.config) } : {} };
  }

  /** pull implements PullImage: present images answer their id; missing ones NOT_FOUND with a how-to. */
  async pull(ref: string): Promise<string> {
    if (ref === '') throw new InvalidArgumentError('image.image: required');
    const rec = await this.ctx.images.get(ref);
    if (rec) return rec.id;
    throw new NotFoundError(
      `image ${ref} is not on this node and registry pulls are not supported yet; ` +
        `import it instead: \`docker save ${ref} -o image.tar\` (or an OCI image-layout archive), ` +
        `then \`tug-shim import image.tar\` on the node or the ImportImage RPC`,
    );
  }

  /** remove implements RemoveImage; refused while a container uses the image. Idempotent. */
  async remove(ref: string): Promise<void> {
    if (ref === '') throw new InvalidArgumentError('image.image: required');
    const rec = await this.ctx.images.get(ref);
    if (!rec) return;
    const user = this.ctx.store.containers().find((c) => c.imageId === rec.id);
    if (user) {
      throw new FailedPreconditionError(
        `image ${ref} is used by container ${user.id}; remove the container first`,
      );
    }
    await this.ctx.images.remove(ref);
  }

  /** fsInfo implements ImageFsInfo. */
  async fsInfo(): Promise<ImageFsInfoResponse> {
    const i = await this.ctx.images.fsInfo();
    const usage = {
      timestamp: (BigInt(Math.round(i.timestamp)) * 1_000_000n).toString(),
      fsId: { mountpoint: i.mountpoint },
      usedBytes: { value: String(i.usedBytes) },
      inodesUsed: { value: String(i.inodesUsed) },
    };
    return { imageFilesystems: [usage], containerFilesystems: [] };
  }

  /** import implements ImportImage: store every image of the archive read from `src`. */
  async import(src: Readable): Promise<Image[]> {
    return (await this.ctx.images.importArchive(src)).map(toImage);
  }
}
