import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { RestConfig } from './rest-client.js';

/** KubeconfigCluster is a named cluster entry; CA data is PEM text (decoded). */
export interface KubeconfigCluster {
  name: string;
  server: string;
  caData?: string;
  /** caFile is absolute (relative paths are resolved against the file's folder). */
  caFile?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
}

/** KubeconfigUser is a named credential: a bearer token and/or a client certificate. */
export interface KubeconfigUser {
  name: string;
  token?: string;
  tokenFile?: string;
  certData?: string;
  certFile?: string;
  keyData?: string;
  keyFile?: string;
}

/** KubeconfigContext pairs a cluster with a user and a default namespace. */
export interface KubeconfigContext {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
}

/** Kubeconfig is a parsed (possibly merged) kubeconfig, in kubectl's model. */
export interface Kubeconfig {
  clusters: KubeconfigCluster[];
  users: KubeconfigUser[];
  contexts: KubeconfigContext[];
  currentContext?: string;
}

/** KubeconfigErrorReason says what was wrong: a file, its content, or a missing reference. */
export type KubeconfigErrorReason =
  | 'FileNotFound'
  | 'FileUnreadable'
  | 'Malformed'
  | 'NoCurrentContext'
  | 'ContextNotFound'
  | 'ClusterNotFound'
  | 'UserNotFound';

/** KubeconfigError explains why a kubeconfig could not be used; branch on `reason`. */
export class KubeconfigError extends Error {
  override name = 'KubeconfigError';

  constructor(
    readonly reason: KubeconfigErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** isKubeconfigError is the guard for KubeconfigError, optionally of one reason. */
export function isKubeconfigError(
  e: unknown,
  reason?: KubeconfigErrorReason,
): e is KubeconfigError {
  return e instanceof KubeconfigError && (reason === undefined || e.reason === reason);
}

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * parseKubeconfig parses kubeconfig YAML (kubectl's format: clusters, users,
 * contexts, current-context). `source` names the file in errors and is the
 * base for relative file paths. Unknown fields (exec plugins, preferences,
 * extensions) are ignored. Throws KubeconfigError 'Malformed' with the field
 * at fault.
 */
export function parseKubeconfig(text: string, source = '<kubeconfig>'): Kubeconfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new KubeconfigError('Malformed', `${source}: invalid YAML: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (doc === null || doc === undefined) return { clusters: [], users: [], contexts: [] };
  const bad = (field: string, what: string): never => {
    throw new KubeconfigError('Malformed', `${source}: ${field}: ${what}`);
  };
  if (!isMapping(doc)) bad('(root)', 'expected a mapping');
  const root = doc as Mapping;
  const base = source.startsWith('<') ? process.cwd() : dirname(resolve(source));
  const file = (v: unknown, field: string): string | undefined => {
    const s = str(v, field);
    return s === undefined ? undefined : isAbsolute(s) ? s : join(base, s);
  };
  const str = (v: unknown, field: string): string | undefined => {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') bad(field, 'expected a string');
    return v as string;
  };
  const b64 = (v: unknown, field: string): string | undefined => {
    const s = str(v, field);
    if (s === undefined) return undefined;
    if (!/^[A-Za-z0-9+/=\s]*$/.test(s)) bad(field, 'expected base64 data');
    return Buffer.from(s, 'base64').toString('utf8');
  };
  const entries = (key: string, inner: string): { name: string; body: Mapping; at: string }[] => {
    const list = root[key];
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) bad(key, 'expected a list');
    return (list as unknown[]).map((e, i) => {
      const at = `${key}[${i}]`;
      if (!isMapping(e)) bad(at, 'expected a mapping');
      const m = e as Mapping;
      const name = str(m['name'], `${at}.name`);
      if (!name) bad(`${at}.name`, 'required');
      const body = m[inner] ?? {};
      if (!isMapping(body)) bad(`${at}.${inner}`, 'expected a mapping');
      return { name: name as string, body: body as Mapping, at: `${at}.${inner}` };
    });
  };

  const clusters = entries('clusters', 'cluster').map(({ name, body, at }) => {
    const server = str(body['server'], `${at}.server`);
    if (!server) bad(`${at}.server`, 'required');
    const c: KubeconfigCluster = { name, server: server as string };
    const caData = b64(body['certificate-authority-data'], `${at}.certificate-authority-data`);
    if (caData) c.caData = caData;
    const caFile = file(body['certificate-authority'], `${at}.certificate-authority`);
    if (caFile) c.caFile = caFile;
    const skip = body['insecure-skip-tls-verify'];
    if (skip !== undefined && typeof skip !== 'boolean') {
      bad(`${at}.insecure-skip-tls-verify`, 'expected a boolean');
    }
    if (skip === true) c.insecureSkipTLSVerify = true;
    const sni = str(body['tls-server-name'], `${at}.tls-server-name`);
    if (sni) c.tlsServerName = sni;
    return c;
  });
  const users = entries('users', 'user').map(({ name, body, at }) => {
    const u: KubeconfigUser = { name };
    const token = str(body['token'], `${at}.token`);
    if (token) u.token = token;
    const tokenFile = file(body['tokenFile'], `${at}.tokenFile`);
    if (tokenFile) u.tokenFile = tokenFile;
    const certData = b64(body['client-certificate-data'], `${at}.client-certificate-data`);
    if (certData) u.certData = certData;
    const certFile = file(body['client-certificate'], `${at}.client-certificate`);
    if (certFile) u.certFile = certFile;
    const keyData = b64(body['client-key-data'], `${at}.client-key-data`);
    if (keyData) u.keyData = keyData;
    const keyFile = file(body['client-key'], `${at}.client-key`);
    if (keyFile) u.keyFile = keyFile;
    return u;
  });
  const contexts = entries('contexts', 'context').map(({ name, body, at }) => {
    const ctx: KubeconfigContext = {
      name,
      cluster: str(body['cluster'], `${at}.cluster`) ?? '',
      user: str(body['user'], `${at}.user`) ?? '',
    };
    const ns = str(body['namespace'], `${at}.namespace`);
    if (ns) ctx.namespace = ns;
    return ctx;
  });
  const kc: Kubeconfig = { clusters, users, contexts };
  const current = str(root['current-context'], 'current-context');
  if (current) kc.currentContext = current;
  return kc;
}

/**
 * mergeKubeconfigs merges configs as kubectl merges a KUBECONFIG list: the
 * first config to define a cluster, user or context name wins, and so does
 * the first non-empty current-context.
 */
export function mergeKubeconfigs(configs: Kubeconfig[]): Kubeconfig {
  const out: Kubeconfig = { clusters: [], users: [], contexts: [] };
  const add = <E extends { name: string }>(into: E[], from: E[]): void => {
    for (const e of from) if (!into.some((x) => x.name === e.name)) into.push(e);
  };
  for (const c of configs) {
    add(out.clusters, c.clusters);
    add(out.users, c.users);
    add(out.contexts, c.contexts);
    if (!out.currentContext && c.currentContext) out.currentContext = c.currentContext;
  }
  return out;
}

/** LoadOptions: an explicit `path` beats KUBECONFIG; `env` defaults to process.env. */
export interface LoadOptions {
  path?: string;
  context?: string;
  env?: Record<string, string | undefined>;
}

/**
 * kubeconfigPaths lists the files kubectl would read: `path` if given, else
 * every entry of KUBECONFIG (split on ':'), else `~/.kube/config`.
 */
export function kubeconfigPaths(opts: LoadOptions = {}): { paths: string[]; explicit: boolean } {
  if (opts.path) return { paths: [opts.path], explicit: true };
  const env = opts.env ?? process.env;
  const list = (env['KUBECONFIG'] ?? '').split(delimiter).filter((p) => p !== '');
  if (list.length > 0) return { paths: list, explicit: false };
  return { paths: [join(env['HOME'] || homedir(), '.kube', 'config')], explicit: true };
}

/**
 * readKubeconfig reads and merges the files `kubeconfigPaths` names. As
 * with kubectl, missing files of a KUBECONFIG list are skipped, but an
 * explicit or default path that is missing is a 'FileNotFound' error, as is
 * a list none of whose files exists.
 */
export async function readKubeconfig(opts: LoadOptions = {}): Promise<Kubeconfig> {
  const { paths, explicit } = kubeconfigPaths(opts);
  const configs: Kubeconfig[] = [];
  for (const p of paths) {
    let text: string;
    try {
      text = await readFile(p, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) continue;
      const reason =
        (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'FileNotFound' : 'FileUnreadable';
      throw new KubeconfigError(reason, `kubeconfig ${p}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    configs.push(parseKubeconfig(text, p));
  }
  if (configs.length === 0) {
    throw new KubeconfigError(
      'FileNotFound',
      `no kubeconfig file found in ${paths.join(delimiter)}`,
    );
  }
  return mergeKubeconfigs(configs);
}

/**
 * restConfigFromKubeconfig resolves a context (`context`, else the current
 * one) to a RestConfig, reading the files it names (CA, token, client
 * certificate). Throws KubeconfigError for a missing context, cluster or
 * user, or an unreadable file.
 */
export async function restConfigFromKubeconfig(
  kc: Kubeconfig,
  context?: string,
): Promise<RestConfig> {
  const ctxName = context || kc.currentContext;
  if (!ctxName) {
    throw new KubeconfigError(
      'NoCurrentContext',
      'no context given and current-context is not set',
    );
  }
  const ctx = kc.contexts.find((c) => c.name === ctxName);
  if (!ctx) throw new KubeconfigError('ContextNotFound', `context "${ctxName}" does not exist`);
  const cluster = kc.clusters.find((c) => c.name === ctx.cluster);
  if (!cluster) {
    throw new KubeconfigError(
      'ClusterNotFound',
      `context "${ctxName}" names cluster "${ctx.cluster}", which does not exist`,
    );
  }
  const user = ctx.user ? kc.users.find((u) => u.name === ctx.user) : undefined;
  if (ctx.user && !user) {
    throw new KubeconfigError(
      'UserNotFound',
      `context "${ctxName}" names user "${ctx.user}", which does not exist`,
    );
  }
  const cfg: RestConfig = { server: cluster.server };
  const ca = cluster.caData ?? (cluster.caFile ? await readPart(cluster.caFile) : undefined);
  if (ca) cfg.ca = ca;
  if (cluster.insecureSkipTLSVerify) cfg.insecureSkipTLSVerify = true;
  if (cluster.tlsServerName) cfg.tlsServerName = cluster.tlsServerName;
  if (user) {
    const token =
      user.token ?? (user.tokenFile ? (await readPart(user.tokenFile)).trim() : undefined);
    if (token) cfg.token = token;
    const cert = user.certData ?? (user.certFile ? await readPart(user.certFile) : undefined);
    const key = user.keyData ?? (user.keyFile ? await readPart(user.keyFile) : undefined);
    if (cert) cfg.cert = cert;
    if (key) cfg.key = key;
  }
  if (ctx.namespace) cfg.namespace = ctx.namespace;
  return cfg;
}

/**
 * loadKubeconfig is what a component or the CLI calls: read the kubeconfig
 * kubectl would read (explicit path, KUBECONFIG list, ~/.kube/config) and
 * resolve the chosen context to a RestConfig.
 */
export async function loadKubeconfig(opts: LoadOptions = {}): Promise<RestConfig> {
  return restConfigFromKubeconfig(await readKubeconfig(opts), opts.context);
}

/** BuildOptions describe a one-cluster, one-user kubeconfig. */
export interface BuildOptions {
  server: string;
  /** ca is PEM; embedded as certificate-authority-data. */
  ca?: string;
  token?: string;
  /** cert and key are PEM; embedded as client-certificate-data / client-key-data. */
  cert?: string;
  key?: string;
  insecureSkipTLSVerify?: boolean;
  namespace?: string;
  /** names default to `tugboat` (cluster, context) and `tugboat-admin` (user). */
  clusterName?: string;
  userName?: string;
  contextName?: string;
}

/** buildKubeconfig makes a kubeconfig with one cluster, user and context, made current. */
export function buildKubeconfig(opts: BuildOptions): Kubeconfig {
  const cluster: KubeconfigCluster = { name: opts.clusterName ?? 'tugboat', server: opts.server };
  if (opts.ca) cluster.caData = opts.ca;
  if (opts.insecureSkipTLSVerify) cluster.insecureSkipTLSVerify = true;
  const user: KubeconfigUser = { name: opts.userName ?? 'tugboat-admin' };
  if (opts.token) user.token = opts.token;
  if (opts.cert) user.certData = opts.cert;
  if (opts.key) user.keyData = opts.key;
  const context: KubeconfigContext = {
    name: opts.contextName ?? 'tugboat',
    cluster: cluster.name,
    user: user.name,
  };
  if (opts.namespace) context.namespace = opts.namespace;
  return { clusters: [cluster], users: [user], contexts: [context], currentContext: context.name };
}

/** stringifyKubeconfig renders a kubeconfig as kubectl writes it (data fields base64). */
export function stringifyKubeconfig(kc: Kubeconfig): string {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  const prune = (m: Mapping): Mapping =>
    Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined));
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: kc.clusters.map((c) => ({
      name: c.name,
      cluster: prune({
        server: c.server,
        'certificate-authority-data': c.caData !== undefined ? b64(c.caData) : undefined,
        'certificate-authority': c.caFile,
        'insecure-skip-tls-verify': c.insecureSkipTLSVerify || undefined,
        'tls-server-name': c.tlsServerName,
      }),
    })),
    users: kc.users.map((u) => ({
      name: u.name,
      user: prune({
        token: u.token,
        tokenFile: u.tokenFile,
        'client-certificate-data': u.certData !== undefined ? b64(u.certData) : undefined,
        'client-certificate': u.certFile,
        'client-key-data': u.keyData !== undefined ? b64(u.keyData) : undefined,
        'client-key': u.keyFile,
      }),
    })),
    contexts: kc.contexts.map((c) => ({
      name: c.name,
      context: prune({ cluster: c.cluster, user: c.user, namespace: c.namespace }),
    })),
    'current-context': kc.currentContext ?? '',
    preferences: {},
  };
  return stringifyYaml(doc, { lineWidth: 0 });
}

/**
 * writeKubeconfig writes `kc` to `path` with mode 0600 (it holds
 * credentials), creating the folder (0700) if needed. The write is atomic:
 * a reader sees the old file or the new one, never half of it.
 */
export async function writeKubeconfig(path: string, kc: Kubeconfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, stringifyKubeconfig(kc), { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function readPart(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new KubeconfigError('FileUnreadable', `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
