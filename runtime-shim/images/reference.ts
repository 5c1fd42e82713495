import { InvalidImageRefError } from './errors.js';

/**
 * Image names, parsed and normalised the way Docker and the CRI runtimes do
 * (the grammar of distribution's `reference` package): `busybox` is
 * `docker.io/library/busybox:latest`, `user/app` is `docker.io/user/app:latest`,
 * and a first component with a dot, a colon or `localhost` is a registry.
 */

/** DEFAULT_DOMAIN is the registry that names without one belong to. */
export const DEFAULT_DOMAIN = 'docker.io';
/** DEFAULT_TAG is the tag of a name that has neither tag nor digest. */
export const DEFAULT_TAG = 'latest';

/** ImageRef is a parsed, normalised image reference. */
export interface ImageRef {
  /** domain is the registry host (and port): `docker.io`, `localhost:5000`. */
  domain: string;
  /** path is the repository path in that registry: `library/busybox`. */
  path: string;
  tag?: string;
  /** digest is `algo:hex`, e.g. `sha256:…`. */
  digest?: string;
}

const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])`;
const domainRe = new RegExp(`^${host}(?::[0-9]+)?$`);
const pathRe = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const tagRe = /^[\w][\w.-]{0,127}$/;
const digestRe = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const fullIdRe = /^[a-f0-9]{64}$/;
const digestHexLength: Record<string, number> = { sha256: 64, sha512: 128 };
const maxNameLength = 255;

/**
 * parseImageRef parses and normalises `name`. Throws InvalidImageRefError for
 * anything Docker would refuse: uppercase repository names, empty components,
 * bad tags or digests, a bare 64-hex string (that is an id, not a name), or a
 * name over 255 characters.
 */
export function parseImageRef(name: string): ImageRef {
  if (name === '') throw new InvalidImageRefError(name, 'empty');
  if (fullIdRe.test(name)) {
    throw new InvalidImageRefError(name, 'a 64-hex string is an image id, not a name');
  }
  let rest = name;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    checkDigest(name, digest);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagRe.test(tag))
      throw new InvalidImageRefError(name, `invalid tag ${JSON.stringify(tag)}`);
  }
  const { domain, path } = splitDomain(name, rest);
  if (!domainRe.test(domain)) {
    throw new InvalidImageRefError(name, `invalid registry ${JSON.stringify(domain)}`);
  }
  if (path !== path.toLowerCase()) {
    throw new InvalidImageRefError(name, 'repository name must be lowercase');
  }
  if (!pathRe.test(path)) {
    throw new InvalidImageRefError(name, `invalid repository name ${JSON.stringify(path)}`);
  }
  if (domain.length + 1 + path.length > maxNameLength) {
    throw new InvalidImageRefError(name, `repository name longer than ${maxNameLength}`);
  }
  const ref: ImageRef = { domain, path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/**
 * normalizeImageRef returns the full normalised form of `name`, with the
 * default tag added when it has neither tag nor digest:
 * `busybox` → `docker.io/library/busybox:latest`,
 * `busybox@sha256:…` → `docker.io/library/busybox@sha256:…`.
 * Throws InvalidImageRefError like parseImageRef.
 */
export function normalizeImageRef(name: string): string {
  const ref = parseImageRef(name);
  if (ref.tag === undefined && ref.digest === undefined) ref.tag = DEFAULT_TAG;
  return formatImageRef(ref);
}

/** formatImageRef writes a parsed reference back as `domain/path[:tag][@digest]`. */
export function formatImageRef(ref: ImageRef): string {
  let s = `${ref.domain}/${ref.path}`;
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** repositoryOf returns `domain/path` of a reference: the part a digest name hangs off. */
export function repositoryOf(ref: ImageRef): string {
  return `${ref.domain}/${ref.path}`;
}

/**
 * familiarImageRef shortens a normalised name the way `docker images` shows
 * it: `docker.io/library/busybox:latest` → `busybox:latest`. Throws like parseImageRef.
 */
export function familiarImageRef(name: string): string {
  const ref = parseImageRef(name);
  let repo = ref.path;
  if (ref.domain !== DEFAULT_DOMAIN) repo = `${ref.domain}/${repo}`;
  else if (repo.startsWith('library/') && repo.split('/').length === 2) {
    repo = repo.slice('library/'.length);
  }
  return formatImageRef({ ...ref, domain: '', path: repo }).slice(1);
}

// splitDomain applies Docker's rule: the first component is a registry only
// when it has a dot or a colon, is `localhost`, or has uppercase letters
// (which then fails the domain check rather than the lowercase check).
function splitDomain(name: string, rest: string): { domain: string; path: string } {
  const slash = rest.indexOf('/');
  let domain: string;
  let path: string;
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (
    slash < 0 ||
    (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)
  ) {
    domain = DEFAULT_DOMAIN;
    path = rest;
  } else {
    domain = first;
    path = rest.slice(slash + 1);
  }
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && path !== '' && !path.includes('/')) path = `library/${path}`;
  if (path === '') throw new InvalidImageRefError(name, 'empty repository name');
  return { domain, path };
}

function checkDigest(name: string, digest: string): void {
  if (!digestRe.test(digest)) {
    throw new InvalidImageRefError(name, `invalid digest ${JSON.stringify(digest)}`);
  }
  const [algo = '', hex = ''] = digest.split(':');
  const want = digestHexLength[algo];
  if (want === undefined) {
    throw new InvalidImageRefError(name, `unsupported digest algorithm ${algo}`);
  }
  if (hex.length !== want || hex !== hex.toLowerCase()) {
    throw new InvalidImageRefError(name, `${algo} digest must be ${want} lowercase hex digits`);
  }
}
