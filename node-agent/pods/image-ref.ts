/**
 * Image names as Docker and Kubernetes read them: `busybox` is
 * `docker.io/library/busybox:latest`.
 */

/** ParsedImage is an image name split into repository, tag and digest. */
export interface ParsedImage {
  /** repository with its registry, e.g. `docker.io/library/busybox`. */
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

/**
 * parseImageName splits `name` (Docker's reference grammar, loosely): a
 * first path part with a `.` or `:` or equal to `localhost` is a registry,
 * otherwise `docker.io` is implied, and `library/` for one-part names.
 * Returns undefined for an empty name or one with whitespace or uppercase
 * letters in the repository.
 */
export function parseImageName(name: string): ParsedImage | undefined {
  if (name === '' || /\s/.test(name)) return undefined;
  let rest = name;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[a-z0-9]+:[a-f0-9]{32,}$/.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return undefined;
  }
  if (rest === '') return undefined;
  const parts = rest.split('/');
  if (parts.some((p) => p === '')) return undefined;
  const pathParts = hasRegistry(rest) ? parts.slice(1) : parts;
  if (pathParts.some((p) => !/^[a-z0-9][a-z0-9._-]*$/.test(p))) return undefined;
  if (!hasRegistry(rest)) {
    if (parts.length === 1) parts.unshift('library');
    parts.unshift('docker.io');
  }
  return { repository: parts.join('/'), tag, digest };
}

function hasRegistry(repo: string): boolean {
  const slash = repo.indexOf('/');
  if (slash < 0) return false;
  const first = repo.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

/**
 * normalizeImageName returns the fully qualified form of `name`
 * (`docker.io/library/busybox:latest`), or `name` unchanged if it does not
 * parse. A digest-only reference keeps no tag.
 */
export function normalizeImageName(name: string): string {
  const p = parseImageName(name);
  if (!p) return name;
  if (p.digest) return `${p.repository}${p.tag ? `:${p.tag}` : ''}@${p.digest}`;
  return `${p.repository}:${p.tag ?? 'latest'}`;
}

/**
 * defaultPullPolicy is Kubernetes' default imagePullPolicy for `image`:
 * Always for `:latest` or no tag (and no digest), IfNotPresent otherwise.
 */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const p = parseImageName(image);
  if (!p) return 'IfNotPresent';
  if (p.digest) return 'IfNotPresent';
  return p.tag === undefined || p.tag === 'latest' ? 'Always' : 'IfNotPresent';
}
