import { ImageArchiveError } from './errors.js';
import type { ImageConfig } from './types.js';

/**
 * The JSON documents of the two archive formats (OCI image spec v1 and
 * `docker save`), checked when read, and the conversion between an image
 * config file and the store's ImageConfig.
 */

/** MediaType names the documents and layer encodings this store reads and writes. */
export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** Annotation keys that carry image names in an OCI index. */
export const Annotation = {
  refName: 'org.opencontainers.image.ref.name',
  containerdName: 'io.containerd.image.name',
} as const;

/** Descriptor points at a blob (OCI image spec "descriptor"). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

/** OciIndex is `index.json` (or a nested image index). */
export interface OciIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

/** OciManifest is one image manifest. */
export interface OciManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** DockerManifestEntry is one element of a `docker save` manifest.json. */
export interface DockerManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/** ConfigJson is an image config file (OCI image config; Docker's is a superset). */
export interface ConfigJson {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfigJson;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryJson[];
}

/** ContainerConfigJson is the `config` member of an image config file. */
export interface ContainerConfigJson {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
}

/** HistoryJson is one entry of a config's history. */
export interface HistoryJson {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

const digestRe = /^sha256:[a-f0-9]{64}$/;

/** isSha256Digest tells whether `d` is `sha256:` and 64 lowercase hex digits. */
export function isSha256Digest(d: unknown): d is string {
  return typeof d === 'string' && digestRe.test(d);
}

function bad(what: string, why: string): ImageArchiveError {
  return new ImageArchiveError('BadManifest', `${what}: ${why}`);
}

function parseJson(what: string, buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new ImageArchiveError('BadManifest', `${what} is not JSON`, { cause: e });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function checkDescriptor(what: string, v: unknown): Descriptor {
  if (!isObject(v)) throw bad(what, 'descriptor is not an object');
  if (typeof v['mediaType'] !== 'string') throw bad(what, 'descriptor has no mediaType');
  if (!isSha256Digest(v['digest'])) throw bad(what, 'descriptor digest is not sha256');
  if (typeof v['size'] !== 'number' || !Number.isSafeInteger(v['size']) || v['size'] < 0) {
    throw bad(what, 'descriptor size is not a byte count');
  }
  return v as unknown as Descriptor;
}

/** parseOciIndex reads an index.json; throws ImageArchiveError(BadManifest). */
export function parseOciIndex(what: string, buf: Buffer): OciIndex {
  const v = parseJson(what, buf);
  if (!isObject(v) || v['schemaVersion'] !== 2) throw bad(what, 'not a schemaVersion 2 index');
  if (!Array.isArray(v['manifests'])) throw bad(what, 'no manifests list');
  v['manifests'].forEach((d) => checkDescriptor(what, d));
  return v as unknown as OciIndex;
}

/** parseOciManifest reads an image manifest; throws ImageArchiveError(BadManifest). */
export function parseOciManifest(what: string, buf: Buffer): OciManifest {
  const v = parseJson(what, buf);
  if (!isObject(v) || v['schemaVersion'] !== 2) throw bad(what, 'not a schemaVersion 2 manifest');
  checkDescriptor(what, v['config']);
  if (!Array.isArray(v['layers'])) throw bad(what, 'no layers list');
  v['layers'].forEach((d) => checkDescriptor(what, d));
  return v as unknown as OciManifest;
}

/** parseDockerManifest reads a `docker save` manifest.json; throws ImageArchiveError(BadManifest). */
export function parseDockerManifest(buf: Buffer): DockerManifestEntry[] {
  const v = parseJson('manifest.json', buf);
  if (!Array.isArray(v) || v.length === 0) throw bad('manifest.json', 'not a non-empty list');
  for (const e of v) {
    if (!isObject(e) || typeof e['Config'] !== 'string' || !isStringArray(e['Layers'])) {
      throw bad('manifest.json', 'an entry lacks Config or Layers');
    }
    if (e['RepoTags'] !== null && e['RepoTags'] !== undefined && !isStringArray(e['RepoTags'])) {
      throw bad('manifest.json', 'RepoTags is not a list of names');
    }
  }
  return v as DockerManifestEntry[];
}

/** parseConfigJson reads an image config file; throws ImageArchiveError(BadManifest). */
export function parseConfigJson(what: string, buf: Buffer): ConfigJson {
  const v = parseJson(what, buf);
  if (!isObject(v)) throw bad(what, 'not an object');
  const rootfs = v['rootfs'];
  if (!isObject(rootfs) || rootfs['type'] !== 'layers' || !Array.isArray(rootfs['diff_ids'])) {
    throw bad(what, 'no rootfs.diff_ids');
  }
  if (!rootfs['diff_ids'].every(isSha256Digest)) throw bad(what, 'a diff_id is not sha256');
  const cfg = v['config'];
  if (cfg !== undefined && cfg !== null && !isObject(cfg))
    throw bad(what, 'config is not an object');
  if (isObject(cfg)) {
    for (const k of ['Env', 'Entrypoint', 'Cmd'] as const) {
      if (cfg[k] !== undefined && cfg[k] !== null && !isStringArray(cfg[k])) {
        throw bad(what, `config.${k} is not a list of strings`);
      }
    }
  }
  if (typeof v['os'] === 'string' && v['os'] !== 'linux') {
    throw new ImageArchiveError('Unsupported', `${what}: image is for os ${v['os']}`);
  }
  return v as unknown as ConfigJson;
}

/** imageConfigFromJson extracts what the store's ImageConfig keeps from a config file. */
export function imageConfigFromJson(json: ConfigJson): ImageConfig {
  const c = json.config ?? {};
  const out: ImageConfig = {};
  if (c.Entrypoint) out.entrypoint = [...c.Entrypoint];
  if (c.Cmd) out.cmd = [...c.Cmd];
  if (c.Env) out.env = [...c.Env];
  if (c.WorkingDir) out.workingDir = c.WorkingDir;
  if (c.User) out.user = c.User;
  if (c.ExposedPorts) out.exposedPorts = Object.keys(c.ExposedPorts).sort();
  if (c.Labels && Object.keys(c.Labels).length > 0) out.labels = { ...c.Labels };
  if (c.StopSignal) out.stopSignal = c.StopSignal;
  return out;
}

/** containerConfigToJson writes an ImageConfig as the `config` member of a config file. */
export function containerConfigToJson(cfg: ImageConfig): ContainerConfigJson {
  const out: ContainerConfigJson = {};
  if (cfg.user) out.User = cfg.user;
  if (cfg.exposedPorts?.length) {
    out.ExposedPorts = Object.fromEntries(
      cfg.exposedPorts.map((p) => [p.includes('/') ? p : `${p}/tcp`, {}]),
    );
  }
  if (cfg.env) out.Env = [...cfg.env];
  if (cfg.entrypoint) out.Entrypoint = [...cfg.entrypoint];
  if (cfg.cmd) out.Cmd = [...cfg.cmd];
  if (cfg.workingDir) out.WorkingDir = cfg.workingDir;
  if (cfg.labels) out.Labels = { ...cfg.labels };
  if (cfg.stopSignal) out.StopSignal = cfg.stopSignal;
  return out;
}

/** hostArchitecture is the OCI name of this machine's CPU architecture. */
export function hostArchitecture(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };
  return map[process.arch] ?? process.arch;
}
