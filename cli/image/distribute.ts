import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { connectRuntime } from '../../proto/loader.js';
import { importFile } from '../../runtime-shim/import-client.js';
import {
  familiarImageRef,
  type ImageRecord,
  type LocalImageStore,
} from '../../runtime-shim/images/index.js';

/**
 * Moving images between the builder's store and the nodes: every node's
 * shim has its own image store, reached over its gRPC socket; an archive
 * is imported into the builder's store and streamed into each node
 * (ImportImage), all nodes at once.
 */

/** ImageNode is one node's shim. */
export interface ImageNode {
  name: string;
  /** address is the shim's gRPC address, `unix:///…/shim.sock`. */
  address: string;
}

/** NodeOutcome is how an import or removal went on one node. */
export interface NodeOutcome {
  node: string;
  /** error is the failure's message; undefined when it worked. */
  error?: string;
}

/**
 * importToNodes imports the archive `file` into every node at once and
 * reports each node's outcome; it never rejects for a node's failure.
 */
export async function importToNodes(
  file: string,
  nodes: readonly ImageNode[],
): Promise<NodeOutcome[]> {
  const settled = await Promise.allSettled(nodes.map((n) => importFile(file, n.address)));
  return nodes.map((n, i) => {
    const s = settled[i];
    return s?.status === 'rejected'
      ? { node: n.name, error: errorText(s.reason) }
      : { node: n.name };
  });
}

/** ImportImageOptions say where `importImage` puts the images. */
export interface ImportImageOptions {
  store: LocalImageStore;
  nodes: readonly ImageNode[];
  /** stdin is read when the file is `-` (spooled to a temp file first: every node reads it). */
  stdin?: Readable;
}

/** ImportedImages are what an import stored, and how each node took it. */
export interface ImportedImages {
  images: ImageRecord[];
  nodes: NodeOutcome[];
}

/**
 * importImage imports the archive `file` (`docker save` or OCI layout,
 * gzipped or not; `-` for stdin) into the builder's store and then into
 * every node. Rejects (and imports into no node) when the builder's store
 * refuses the archive; a node's failure is reported in `nodes`.
 */
export async function importImage(file: string, opts: ImportImageOptions): Promise<ImportedImages> {
  let src = file;
  let spool: string | undefined;
  if (file === '-') {
    if (!opts.stdin) throw new Error('importImage: file is - but no stdin was given');
    spool = await mkdtemp(path.join(os.tmpdir(), 'tug-image-import-'));
    src = path.join(spool, 'stdin.tar');
    await pipeline(opts.stdin, createWriteStream(src));
  }
  try {
    const images = await opts.store.importArchive(createReadStream(src));
    return { images, nodes: await importToNodes(src, opts.nodes) };
  } finally {
    if (spool) await rm(spool, { recursive: true, force: true });
  }
}

/** ImageRow is one line of `tug image ls`: one name of one image. */
export interface ImageRow {
  /** repository and tag are familiar (`busybox`, `latest`), `<none>` when the image has no name. */
  repository: string;
  tag: string;
  id: string;
  /** created is RFC 3339, when known (images only on nodes have none). */
  created?: string;
  size: number;
  /** nodes names the nodes holding this image id (only when nodes were asked). */
  nodes?: string[];
  /** inBuilder tells whether the builder's store holds the image. */
  inBuilder: boolean;
}

/** ListImagesOptions say what `listImages` looks at. */
export interface ListImagesOptions {
  store: LocalImageStore;
  /** nodes, when given, are asked (ListImages) what they hold. */
  nodes?: readonly ImageNode[];
  /** timeoutMs bounds each node's answer; default 10 s. */
  timeoutMs?: number;
}

/** ImageList is the rows, newest first, and the nodes that did not answer. */
export interface ImageList {
  rows: ImageRow[];
  unreachable: NodeOutcome[];
}

/**
 * listImages lists the builder's images, one row per name (an unnamed
 * image gets one `<none>` row), and with `nodes` which nodes hold each
 * (images only on nodes get rows too). Never rejects for a node's failure.
 */
export async function listImages(opts: ListImagesOptions): Promise<ImageList> {
  const builder = await opts.store.list();
  const held = new Map<string, string[]>();
  const nodeOnly = new Map<string, { tags: string[]; size: number }>();
  const unreachable: NodeOutcome[] = [];
  if (opts.nodes) {
    const answers = await Promise.allSettled(
      opts.nodes.map(async (n) => {
        const c = connectRuntime(n.address);
        try {
          return (await c.image.ListImages({}, { timeoutMs: opts.timeoutMs ?? 10_000 })).images;
        } finally {
          c.close();
        }
      }),
    );
    const known = new Set(builder.map((b) => b.id));
    for (const [i, n] of opts.nodes.entries()) {
      const a = answers[i];
      if (a?.status !== 'fulfilled') {
        unreachable.push({ node: n.name, error: errorText(a?.reason) });
        continue;
      }
      for (const img of a.value) {
        held.set(img.id, [...(held.get(img.id) ?? []), n.name]);
        if (!known.has(img.id)) {
          const prev = nodeOnly.get(img.id);
          nodeOnly.set(img.id, {
            tags: [...new Set([...(prev?.tags ?? []), ...img.repoTags])],
            size: Number(img.size),
          });
        }
      }
    }
  }
  const rows: ImageRow[] = [];
  const add = (
    id: string,
    tags: string[],
    size: number,
    created: string | undefined,
    inBuilder: boolean,
  ): void => {
    const names = tags.length > 0 ? tags : [undefined];
    for (const t of names) {
      const [repository, tag] = t === undefined ? ['<none>', '<none>'] : splitFamiliar(t);
      const row: ImageRow = { repository, tag, id, size, inBuilder };
      if (created) row.created = created;
      if (opts.nodes) row.nodes = held.get(id) ?? [];
      rows.push(row);
    }
  };
  for (const img of builder) add(img.id, img.repoTags, img.size, img.created, true);
  for (const [id, img] of nodeOnly) add(id, img.tags, img.size, undefined, false);
  rows.sort(
    (a, b) =>
      (b.created ?? '').localeCompare(a.created ?? '') ||
      a.repository.localeCompare(b.repository) ||
      a.tag.localeCompare(b.tag),
  );
  return { rows, unreachable };
}

/**
 * removeImage removes image `ref` (a name or id) from the builder's store
 * and from every node (RemoveImage, by the image's id so that every node
 * removes the same image). Resolves with each node's outcome; a node where
 * a container still uses the image reports that.
 */
export async function removeImage(
  ref: string,
  opts: { store: LocalImageStore; nodes: readonly ImageNode[] },
): Promise<{ image: ImageRecord | undefined; nodes: NodeOutcome[] }> {
  const image = await opts.store.get(ref);
  const target = image?.id ?? ref;
  if (image) await opts.store.remove(image.id);
  const settled = await Promise.allSettled(
    opts.nodes.map(async (n) => {
      const c = connectRuntime(n.address);
      try {
        await c.image.RemoveImage({ image: { image: target } }, { timeoutMs: 30_000 });
      } finally {
        c.close();
      }
    }),
  );
  const nodes = opts.nodes.map((n, i): NodeOutcome => {
    const s = settled[i];
    return s?.status === 'rejected'
      ? { node: n.name, error: errorText(s.reason) }
      : { node: n.name };
  });
  return { image, nodes };
}

/** splitFamiliar turns `docker.io/library/busybox:latest` into [`busybox`, `latest`]. */
function splitFamiliar(name: string): [string, string] {
  const f = familiarImageRef(name);
  const colon = f.lastIndexOf(':');
  return colon > f.lastIndexOf('/') ? [f.slice(0, colon), f.slice(colon + 1)] : [f, '<none>'];
}

function errorText(e: unknown): string {
  if (e instanceof Error) return (e as { details?: string }).details || e.message;
  return String(e);
}
