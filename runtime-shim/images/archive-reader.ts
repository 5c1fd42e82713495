import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline as pipelineCb, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Logger } from '../../lib/log.js';
import { Sha256, hexOf, sniffCompression, sniffStream } from './digest.js';
import { ImageArchiveError, isInvalidImageRef } from './errors.js';
import {
  Annotation,
  MediaType,
  hostArchitecture,
  isSha256Digest,
  parseConfigJson,
  parseDockerManifest,
  parseOciIndex,
  parseOciManifest,
  type ConfigJson,
  type Descriptor,
} from './oci.js';
import { normalizeImageRef, parseImageRef, repositoryOf } from './reference.js';
import { cleanEntryName, forEachTarEntry } from './tar-entries.js';

/**
 * Reading an image archive: the whole tar is first spooled to a temp dir
 * (hashing every file on the way), because neither format puts its manifest
 * first; then manifest.json (`docker save`) or oci-layout + index.json (OCI
 * image layout) says which files are configs and layers. Every digest that
 * names a file is checked here; layer diffIDs are checked by whoever
 * decompresses the layer (the store, while unpacking or verifying).
 */

/** SpooledFile is one regular file of the archive, saved to disk. */
export interface SpooledFile {
  file: string;
  digest: string;
  size: number;
}

/** CandidateLayer is one layer of an image to import. */
export interface CandidateLayer {
  /** file is the spooled layer blob (plain or gzipped tar). */
  file: string;
  /** blobDigest is the sha256 of that file as it is in the archive. */
  blobDigest: string;
  size: number;
  /** diffID is what the config says the uncompressed tar hashes to. */
  diffID: string;
}

/** ImportCandidate is one image found in an archive, with every name given to it. */
export interface ImportCandidate {
  /** id is `sha256:` of the config blob. */
  id: string;
  configFile: string;
  config: ConfigJson;
  layers: CandidateLayer[];
  /** names are normalised tag references. */
  names: string[];
  /** repoDigests are normalised `repo@sha256:…` of the manifest, for OCI archives. */
  repoDigests: string[];
  /** manifestFile is the spooled OCI manifest, when the archive had one. */
  manifestFile?: string;
  manifestDigest?: string;
}

/** ArchiveFormat is which layout an archive was read as. */
export type ArchiveFormat = 'docker' | 'oci';

const maxJsonBytes = 8 * 1024 * 1024;

/**
 * readArchive spools the archive in `src` (plain or gzipped tar) into `dir`
 * and returns the images it holds. Throws ImageArchiveError for anything
 * wrong with it; `dir` is the caller's to remove.
 */
export async function readArchive(
  src: Readable,
  dir: string,
  opts: { logger: Logger },
): Promise<{ format: ArchiveFormat; images: ImportCandidate[] }> {
  const files = await spool(src, dir);
  const reader = new ArchiveFiles(files);
  if (reader.has('manifest.json')) return { format: 'docker', images: await readDocker(reader) };
  if (reader.has('oci-layout') && reader.has('index.json')) {
    return { format: 'oci', images: await readOci(reader, opts.logger) };
  }
  throw new ImageArchiveError(
    'UnknownFormat',
    'archive has neither manifest.json (docker save) nor oci-layout and index.json (OCI image layout)',
  );
}

interface SpoolResult {
  files: Map<string, SpooledFile>;
  links: Map<string, string>;
}

async function spool(src: Readable, dir: string): Promise<SpoolResult> {
  const { head, stream } = await sniffStream(src);
  if (head.length === 0) throw new ImageArchiveError('NotAnArchive', 'archive is empty');
  const kind = sniffCompression(head);
  if (kind !== 'none' && kind !== 'gzip') {
    throw new ImageArchiveError(
      'Unsupported',
      `archive is ${kind}-compressed; only gzip is supported`,
    );
  }
  const input = kind === 'gzip' ? pipelineCb(stream, createGunzip(), () => {}) : stream;
  const filesDir = path.join(dir, 'files');
  await mkdir(filesDir, { recursive: true });
  const files = new Map<string, SpooledFile>();
  const links = new Map<string, string>();
  let n = 0;
  await forEachTarEntry(input, 'archive', async (h, body) => {
    const name = cleanEntryName(h.name, 'archive');
    const type = h.type ?? 'file';
    if (type === 'file' || type === 'contiguous-file') {
      const file = path.join(filesDir, String(n++));
      const hash = new Sha256();
      const fh = await open(file, 'wx', 0o600);
      try {
        for await (const chunk of body) {
          hash.update(chunk);
          await fh.write(chunk);
        }
      } finally {
        await fh.close();
      }
      files.set(name, { file, digest: hash.digest(), size: hash.bytes });
      links.delete(name);
      return;
    }
    for await (const _ of body) {
      // only files matter; drain the rest
    }
    if (type === 'symlink' || type === 'link') {
      // Old `docker save` links repeated layer.tar files to the first copy.
      const target =
        type === 'symlink'
          ? path.posix.join(path.posix.dirname(name), h.linkname ?? '')
          : (h.linkname ?? '');
      links.set(name, cleanEntryName(target, 'archive'));
      files.delete(name);
    }
  });
  return { files, links };
}

class ArchiveFiles {
  constructor(private readonly s: SpoolResult) {}

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  find(name: string): SpooledFile | undefined {
    let cur = cleanEntryName(name, 'archive');
    for (let hops = 0; hops < 16; hops++) {
      const f = this.s.files.get(cur);
      if (f) return f;
      const next = this.s.links.get(cur);
      if (next === undefined) return undefined;
      cur = next;
    }
    return undefined;
  }

  get(name: string, what: string): SpooledFile {
    const f = this.find(name);
    if (!f)
      throw new ImageArchiveError(
        'MissingBlob',
        `${what} ${JSON.stringify(name)} is not in the archive`,
      );
    return f;
  }

  async json(name: string, what: string): Promise<Buffer> {
    const f = this.get(name, what);
    if (f.size > maxJsonBytes) throw new ImageArchiveError('BadManifest', `${what} is too large`);
    return readFile(f.file);
  }

  /** blob finds `blobs/sha256/<hex>` for a descriptor and checks its digest and size. */
  blob(d: Descriptor, what: string): SpooledFile {
    const f = this.get(`blobs/sha256/${hexOf(d.digest)}`, what);
    checkDigest(f, d.digest, what);
    if (f.size !== d.size) {
      throw new ImageArchiveError(
        'DigestMismatch',
        `${what} ${d.digest} is ${f.size} bytes, not ${d.size}`,
      );
    }
    return f;
  }
}

function checkDigest(f: SpooledFile, want: string, what: string): void {
  if (f.digest !== want) {
    throw new ImageArchiveError(
      'DigestMismatch',
      `${what} should hash to ${want} but hashes to ${f.digest}`,
    );
  }
}

// A file named by a digest (`<hex>.json`, `blobs/sha256/<hex>`) must hash to it.
function checkNamedDigest(name: string, f: SpooledFile, what: string): void {
  const m = /(?:^|\/)([a-f0-9]{64})(?:\.json)?$/.exec(name);
  if (m) checkDigest(f, `sha256:${m[1]}`, what);
}

function normalizeNames(names: string[], what: string): string[] {
  return names.map((n) => {
    try {
      return normalizeImageRef(n);
    } catch (e) {
      if (isInvalidImageRef(e)) {
        throw new ImageArchiveError(
          'BadManifest',
          `${what} names the image ${JSON.stringify(n)}: ${e.message}`,
          {
            cause: e,
          },
        );
      }
      throw e;
    }
  });
}

async function readDocker(files: ArchiveFiles): Promise<ImportCandidate[]> {
  const manifest = parseDockerManifest(await files.json('manifest.json', 'manifest.json'));
  const out: ImportCandidate[] = [];
  for (const entry of manifest) {
    const cf = files.get(entry.Config, 'config');
    checkNamedDigest(entry.Config, cf, `config ${entry.Config}`);
    const config = parseConfigJson(entry.Config, await files.json(entry.Config, 'config'));
    const diffIDs = config.rootfs.diff_ids;
    if (diffIDs.length !== entry.Layers.length) {
      throw new ImageArchiveError(
        'BadManifest',
        `manifest.json lists ${entry.Layers.length} layers but the config has ${diffIDs.length} diff_ids`,
      );
    }
    const layers = entry.Layers.map((name, i): CandidateLayer => {
      const f = files.get(name, 'layer');
      checkNamedDigest(name, f, `layer ${name}`);
      return { file: f.file, blobDigest: f.digest, size: f.size, diffID: diffIDs[i] ?? '' };
    });
    out.push({
      id: cf.digest,
      configFile: cf.file,
      config,
      layers,
      names: normalizeNames(entry.RepoTags ?? [], 'manifest.json'),
      repoDigests: [],
    });
  }
  return mergeById(out);
}

async function readOci(files: ArchiveFiles, logger: Logger): Promise<ImportCandidate[]> {
  const layout = await files.json('oci-layout', 'oci-layout');
  let version: unknown;
  try {
    version = (JSON.parse(layout.toString('utf8')) as { imageLayoutVersion?: unknown })
      .imageLayoutVersion;
  } catch (e) {
    throw new ImageArchiveError('BadManifest', 'oci-layout is not JSON', { cause: e });
  }
  if (typeof version !== 'string' || !version.startsWith('1.')) {
    throw new ImageArchiveError('Unsupported', `OCI image layout version ${String(version)}`);
  }
  const index = parseOciIndex('index.json', await files.json('index.json', 'index.json'));
  const out: ImportCandidate[] = [];
  const visit = async (d: Descriptor, names: string[], depth: number): Promise<void> => {
    if (depth > 4) throw new ImageArchiveError('BadManifest', 'image indexes nest too deep');
    const f = files.blob(d, `${d.mediaType} blob`);
    if (d.mediaType === MediaType.ociIndex || d.mediaType === MediaType.dockerManifestList) {
      const nested = parseOciIndex(d.digest, await readFile(f.file));
      for (const m of pickPlatform(nested.manifests)) await visit(m, names, depth + 1);
      return;
    }
    if (d.mediaType !== MediaType.ociManifest && d.mediaType !== MediaType.dockerManifest) {
      logger.debug('OCI index entry of unknown media type skipped', { mediaType: d.mediaType });
      return;
    }
    const manifest = parseOciManifest(d.digest, await readFile(f.file));
    const cf = files.blob(manifest.config, 'config');
    const config = parseConfigJson(manifest.config.digest, await readFile(cf.file));
    const diffIDs = config.rootfs.diff_ids;
    if (diffIDs.length !== manifest.layers.length) {
      throw new ImageArchiveError(
        'BadManifest',
        `manifest ${d.digest} lists ${manifest.layers.length} layers but its config has ${diffIDs.length} diff_ids`,
      );
    }
    const layers = manifest.layers.map((l, i): CandidateLayer => {
      if (l.mediaType.includes('zstd')) {
        throw new ImageArchiveError('Unsupported', `layer ${l.digest} is zstd-compressed`);
      }
      const lf = files.blob(l, 'layer');
      return { file: lf.file, blobDigest: lf.digest, size: lf.size, diffID: diffIDs[i] ?? '' };
    });
    out.push({
      id: manifest.config.digest,
      configFile: cf.file,
      config,
      layers,
      names,
      repoDigests: names.map((n) => `${repositoryOf(parseImageRef(n))}@${d.digest}`),
      manifestFile: f.file,
      manifestDigest: d.digest,
    });
  };
  for (const d of index.manifests) {
    await visit(d, ociNames(d), 0);
  }
  if (out.length === 0)
    throw new ImageArchiveError('BadManifest', 'index.json lists no image manifest');
  return mergeById(out);
}

// An index entry's name: containerd's annotation is a full reference; the OCI
// ref.name is one only when it has a repository part (`busybox:1`), and is a
// bare tag otherwise, which names nothing without a repository.
function ociNames(d: Descriptor): string[] {
  const a = d.annotations ?? {};
  const full = a[Annotation.containerdName];
  if (full !== undefined) return normalizeNames([full], 'index.json');
  const ref = a[Annotation.refName];
  if (ref !== undefined && /[/:@]/.test(ref)) return normalizeNames([ref], 'index.json');
  return [];
}

function pickPlatform(ds: Descriptor[]): Descriptor[] {
  const withPlatform = ds.filter((d) => d.platform);
  if (withPlatform.length === 0) return ds;
  const arch = hostArchitecture();
  const match = withPlatform.find(
    (d) => d.platform?.os === 'linux' && d.platform.architecture === arch,
  );
  if (!match) {
    throw new ImageArchiveError('Unsupported', `no image in the index is for linux/${arch}`);
  }
  return [match];
}

function mergeById(images: ImportCandidate[]): ImportCandidate[] {
  const byId = new Map<string, ImportCandidate>();
  for (const img of images) {
    if (!isSha256Digest(img.id))
      throw new ImageArchiveError('BadManifest', `bad config digest ${img.id}`);
    const prev = byId.get(img.id);
    if (!prev) {
      byId.set(img.id, {
        ...img,
        names: [...new Set(img.names)],
        repoDigests: [...new Set(img.repoDigests)],
      });
      continue;
    }
    prev.names = [...new Set([...prev.names, ...img.names])];
    prev.repoDigests = [...new Set([...prev.repoDigests, ...img.repoDigests])];
  }
  return [...byId.values()];
}
