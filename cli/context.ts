import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  isKubeconfigError,
  loadKubeconfig,
  readKubeconfig,
  RestClient,
  type Kubeconfig,
  type LoadOptions,
  type RestConfig,
} from '../controlplane/client/index.js';
import { parseDuration } from '../lib/main.js';
import { CliError } from './errors.js';
import type { CliIo } from './io.js';

/** GlobalFlags are the flags every command takes (kubectl's persistent flags). */
export interface GlobalFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  server?: string;
  token?: string;
  insecureSkipTlsVerify?: boolean;
  requestTimeout?: string;
}

/**
 * kubeconfigLoadOptions picks the kubeconfig as `tug` documents it:
 * `--kubeconfig`, else `$KUBECONFIG` (a colon list, merged as kubectl does),
 * else `~/.tug/kubeconfig` when it exists (written by `tug up`), else
 * `~/.kube/config`.
 */
export function kubeconfigLoadOptions(
  flags: GlobalFlags,
  io: Pick<CliIo, 'env' | 'cwd'>,
): LoadOptions {
  const base: LoadOptions = { env: io.env };
  if (flags.context) base.context = flags.context;
  if (flags.kubeconfig) return { ...base, path: resolve(io.cwd, flags.kubeconfig) };
  if (io.env['KUBECONFIG']) return base;
  const home = io.env['HOME'];
  if (home) {
    const tug = join(home, '.tug', 'kubeconfig');
    if (existsSync(tug)) return { ...base, path: tug };
  }
  return base;
}

/**
 * CliContext is what a command needs from the global flags: a REST client
 * for the chosen kubeconfig context (made on first use, closed by main),
 * the namespace to work in, and the raw kubeconfig for `config` commands.
 */
export class CliContext {
  private clientPromise: Promise<RestClient> | undefined;
  private restConfig: RestConfig | undefined;

  constructor(
    readonly io: CliIo,
    readonly flags: GlobalFlags,
  ) {}

  /** loadOptions says which kubeconfig files are read. */
  get loadOptions(): LoadOptions {
    return kubeconfigLoadOptions(this.flags, this.io);
  }

  /** kubeconfig reads (and merges) the kubeconfig files. */
  kubeconfig(): Promise<Kubeconfig> {
    return readKubeconfig(this.loadOptions);
  }

  /** client returns the REST client of the chosen context; the same one on every call. */
  client(): Promise<RestClient> {
    this.clientPromise ??= this.makeClient();
    return this.clientPromise;
  }

  /**
   * namespace is `-n`, else the context's namespace, else `default`.
   * Reading it loads the kubeconfig.
   */
  async namespace(): Promise<string> {
    if (this.flags.namespace) return this.flags.namespace;
    await this.client();
    return this.restConfig?.namespace || 'default';
  }

  /** namespaceExplicit tells whether `-n` was given (it then must match the files' namespaces). */
  get namespaceExplicit(): boolean {
    return !!this.flags.namespace;
  }

  /** close releases the client's connections. Idempotent. */
  async close(): Promise<void> {
    if (!this.clientPromise) return;
    const p = this.clientPromise;
    this.clientPromise = undefined;
    try {
      (await p).close();
    } catch {
      // The client never came to be; nothing to release.
    }
  }

  private async makeClient(): Promise<RestClient> {
    const f = this.flags;
    let cfg: RestConfig;
    if (f.server && f.token !== undefined) {
      cfg = { server: f.server };
    } else {
      try {
        cfg = await loadKubeconfig(this.loadOptions);
      } catch (e) {
        if (isKubeconfigError(e, 'FileNotFound') && !f.kubeconfig && !this.io.env['KUBECONFIG']) {
          throw new CliError(
            'no kubeconfig found (looked for ~/.tug/kubeconfig and ~/.kube/config): start a cluster with `tug up`, or pass --kubeconfig or set KUBECONFIG',
            { cause: e },
          );
        }
        throw e;
      }
    }
    if (f.server) cfg.server = f.server;
    if (f.token) cfg.token = f.token;
    if (f.insecureSkipTlsVerify) cfg.insecureSkipTLSVerify = true;
    if (f.requestTimeout !== undefined && f.requestTimeout !== '0') {
      try {
        cfg.timeoutMs = parseDuration(f.requestTimeout);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
    }
    cfg.userAgent = 'tug/0.1';
    this.restConfig = cfg;
    try {
      return new RestClient(cfg, {
        onWarning: (text) => this.io.stderr.write(`Warning: ${text}\n`),
      });
    } catch (e) {
      throw new CliError(`invalid configuration: ${(e as Error).message}`, { cause: e });
    }
  }
}
