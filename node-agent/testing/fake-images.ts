import { createHash } from 'node:crypto';
import { normalizeImageName } from '../pods/image-ref.js';
import { RuntimeError } from '../runtime/errors.js';
import type { ImageMethod, ImageService } from '../runtime/runtime.js';
import { imageOut } from './fake-records.js';

const idFor = (name: string): string => `sha256:${createHash('sha256').update(name).digest('hex')}`;

/**
 * FakeImages is the FakeRuntime's image store: a set of names (normalised
 * like the shim's), and the ImageService over it. PullImage of a missing
 * image answers NOT_FOUND with a message like the shim's, telling how to
 * import it.
 */
export class FakeImages {
  private readonly images = new Map<string, string>();
  readonly service: ImageService;

  constructor(
    names: string[],
    private readonly allPresent: boolean,
    enter: (method: ImageMethod, request: unknown) => void,
  ) {
    for (const n of names) this.add(n);
    this.service = {
      ImageStatus: async (req) => {
        enter('ImageStatus', req);
        const name = normalizeImageName(req.image?.image ?? '');
        const id = this.idOf(name);
        return { image: id ? imageOut(name, id) : null, info: {} };
      },
      PullImage: async (req) => {
        enter('PullImage', req);
        const name = normalizeImageName(req.image?.image ?? '');
        const id = this.idOf(name);
        if (!id) {
          throw new RuntimeError(
            'NotFound',
            `image ${name} is not in the node's image store and registry pulls are not implemented; import it with \`tug-shim import FILE\``,
          );
        }
        return { imageRef: id };
      },
      ListImages: async (req) => {
        enter('ListImages', req);
        return { images: [...this.images].map(([n, id]) => imageOut(n, id)) };
      },
    };
  }

  /** add makes an image present (any name form). */
  add(name: string): void {
    const n = normalizeImageName(name);
    this.images.set(n, idFor(n));
  }

  /** idOf is the ID of a present image (normalised name), or undefined. */
  idOf(normalized: string): string | undefined {
    const id = this.images.get(normalized);
    if (id) return id;
    return this.allPresent && normalized !== '' ? idFor(normalized) : undefined;
  }
}
