import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { StatusError } from '../api/errors.js';
import type { KubeObject, WatchEvent } from '../api/meta.js';
import type { ResourceInfo } from '../api/resources.js';
import { nopLogger, type Logger } from '../../lib/log.js';
import { realClock, type Clock } from '../../lib/time.js';
import { ConnectionError, DecodeError, statusErrorFromResponse } from './errors.js';
import type { CallOptions } from './options.js';
import { ResourceClient } from './resource-client.js';
import { TokenBucket } from './token-bucket.js';
import { parseWatchStream } from './watch-stream.js';

/**
 * RestConfig says how to reach and authenticate to an API server; it is what
 * a kubeconfig context resolves to (`loadKubeconfig`). PEM strings, not paths.
 */
export interface RestConfig {
  /** server is the base URL, e.g. `https://127.0.0.1:6443` (a path prefix is kept). */
  server: string;
  /** ca is the PEM bundle that verifies the server; the system roots when absent. */
  ca?: string;
  /** token is sent as `Authorization: Bearer …`. */
  token?: string;
  /** cert and key are a PEM client certificate for mutual TLS. */
  cert?: string;
  key?: string;
  insecureSkipTLSVerify?: boolean;
  /** tlsServerName overrides the name the server certificate is checked against. */
  tlsServerName?: string;
  /** namespace is the context's default namespace ('default' when unset). */
  namespace?: string;
  userAgent?: string;
  /** timeoutMs bounds each non-streaming request; default 60 s, 0 for none. */
  timeoutMs?: number;
  /** qps and burst turn on a client-side rate limit (off by default). */
  qps?: number;
  burst?: number;
}

/** RestClientOptions are the client's collaborators. */
export interface RestClientOptions {
  clock?: Clock;
  logger?: Logger;
  /** onWarning receives each `Warning:` header text; default logs it. */
  onWarning?: (text: string) => void;
  /** max429Retries is how often a 429 with Retry-After is retried; default 2. */
  max429Retries?: number;
}

/** HttpMethod lists the verbs the API server answers. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** QueryValue is one query parameter; undefined ones are left out. */
export type QueryValue = string | number | boolean | undefined;

/** RequestOptions describe one raw request. */
export interface RequestOptions extends CallOptions {
  method?: HttpMethod;
  /** path below the server URL, e.g. `/version` or `/api/v1/namespaces/x/pods`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** body is JSON-encoded unless it is a string or a Buffer, which are sent as is. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
}

const defaultTimeoutMs = 60_000;

/**
 * RestClient talks HTTP(S) to a Kubernetes-style API server over a
 * keep-alive connection pool, with the config's CA, bearer token and client
 * certificate. Every non-2xx answer rejects with a StatusError (the server's
 * Status, or one made up from the HTTP code); a transport failure rejects
 * with ConnectionError; an aborted `signal` rejects with its reason. The
 * only retry it makes is for 429 with Retry-After (at most `max429Retries`
 * times): other retries belong to the caller's workqueue. Use `resource()`
 * for typed access; `request`/`stream` for anything else. Safe for
 * concurrent use; `close` (or `await using`) releases the sockets.
 */
export class RestClient {
  readonly config: Readonly<RestConfig>;
  private readonly base: URL;
  private readonly isHttps: boolean;
  private readonly agent: HttpAgent;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly onWarning: (text: string) => void;
  private readonly max429Retries: number;
  private readonly limiter: TokenBucket | undefined;

  /** constructor throws a TypeError for a malformed config (bad URL, cert without key). */
  constructor(config: RestConfig, opts: RestClientOptions = {}) {
    let base: URL;
    try {
      base = new URL(config.server);
    } catch (err) {
      throw new TypeError(`invalid server URL ${JSON.stringify(config.server)}`, { cause: err });
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new TypeError(`server URL must be http(s), got ${JSON.stringify(config.server)}`);
    }
    if (!!config.cert !== !!config.key) {
      throw new TypeError('a client certificate needs both cert and key');
    }
    this.config = { ...config };
    this.base = base;
    this.isHttps = base.protocol === 'https:';
    this.agent = this.isHttps
      ? new HttpsAgent({ keepAlive: true, ...this.tlsOptions() })
      : new HttpAgent({ keepAlive: true });
    this.clock = opts.clock ?? realClock;
    this.log = opts.logger ?? nopLogger;
    this.onWarning = opts.onWarning ?? ((text) => this.log.warn('server warning', { text }));
    this.max429Retries = opts.max429Retries ?? 2;
    this.limiter =
      config.qps !== undefined && config.qps > 0
        ? new TokenBucket(config.qps, config.burst ?? Math.ceil(config.qps * 2), this.clock)
        : undefined;
  }

  /** defaultNamespace is the config's namespace, or `default`. */
  get defaultNamespace(): string {
    return this.config.namespace || 'default';
  }

  /**
   * resource returns a typed client for one resource (`T` is the input shape,
   * answers are `Stored<T>`), optionally scoped to a namespace.
   */
  resource<T extends KubeObject>(info: ResourceInfo, namespace?: string): ResourceClient<T> {
    return new ResourceClient<T>(this, info, namespace);
  }

  /** request sends a request and decodes the JSON answer (undefined for an empty body). */
  async request<R = unknown>(opts: RequestOptions): Promise<R> {
    const text = await this.requestText(opts);
    if (!text) return undefined as R;
    try {
      return JSON.parse(text) as R;
    } catch (err) {
      throw new DecodeError(`${opts.method ?? 'GET'} ${opts.path}: answer is not JSON`, {
        cause: err,
      });
    }
  }

  /** requestText sends a request and returns the answer's body as text. */
  requestText(opts: RequestOptions): Promise<string> {
    return this.withDeadline(opts, async (signal) => readAll(await this.send(opts, signal)));
  }

  /**
   * stream sends a request and resolves with the 2xx response once its
   * headers arrived; the caller reads (or destroys) the body. The timeout
   * covers only the wait for the headers. For `log?follow=true` and the like.
   */
  stream(opts: RequestOptions): Promise<IncomingMessage> {
    return this.withDeadline(opts, (signal) => this.send(opts, signal));
  }

  /**
   * watch opens a watch request (`opts.query` must carry `watch=true`) and
   * yields its events as they arrive. It ends when the server closes the
   * stream or `signal` aborts; an ERROR event throws its StatusError. The
   * request timeout covers only the wait for the response headers.
   */
  async *watch<T>(
    opts: RequestOptions,
    signal: AbortSignal,
  ): AsyncGenerator<WatchEvent<T>, void, undefined> {
    let res: IncomingMessage;
    try {
      res = await this.stream({ ...opts, signal });
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    res.setEncoding('utf8');
    yield* parseWatchStream<T>(res as AsyncIterable<string>, signal);
  }

  /** close drops pooled connections and ends open streams. Idempotent. */
  close(): void {
    this.agent.destroy();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  private tlsOptions(): Record<string, unknown> {
    const c = this.config;
    const o: Record<string, unknown> = { rejectUnauthorized: !c.insecureSkipTLSVerify };
    if (c.ca) o['ca'] = c.ca;
    if (c.cert) o['cert'] = c.cert;
    if (c.key) o['key'] = c.key;
    if (c.tlsServerName) o['servername'] = c.tlsServerName;
    return o;
  }

  private url(path: string, query: Record<string, QueryValue> = {}): URL {
    const u = new URL(this.base.href);
    u.pathname = this.base.pathname.replace(/\/$/, '') + path;
    u.search = '';
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined) u.searchParams.append(k, String(v));
    }
    return u;
  }

  private async withDeadline<R>(
    opts: RequestOptions,
    fn: (signal: AbortSignal) => Promise<R>,
  ): Promise<R> {
    const ms = opts.timeoutMs ?? this.config.timeoutMs ?? defaultTimeoutMs;
    const timer = new AbortController();
    const handle =
      ms > 0
        ? setTimeout(
            () =>
              timer.abort(
                new ConnectionError(
                  `${opts.method ?? 'GET'} ${opts.path}: no answer within ${ms} ms`,
                  { code: 'ETIMEDOUT' },
                ),
              ),
            ms,
          )
        : undefined;
    handle?.unref();
    const signal = opts.signal ? AbortSignal.any([opts.signal, timer.signal]) : timer.signal;
    try {
      return await fn(signal);
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (timer.signal.aborted) throw timer.signal.reason;
      if (
        err instanceof StatusError ||
        err instanceof DecodeError ||
        err instanceof ConnectionError
      ) {
        throw err;
      }
      const e = err as Error;
      throw new ConnectionError(`${opts.method ?? 'GET'} ${this.url(opts.path)}: ${e.message}`, {
        cause: err,
      });
    } finally {
      clearTimeout(handle);
    }
  }

  // send performs the exchange, retrying 429s, and returns a 2xx response.
  private async send(opts: RequestOptions, signal: AbortSignal): Promise<IncomingMessage> {
    const { payload, contentType } = encodeBody(opts);
    for (let attempt = 0; ; attempt++) {
      if (this.limiter) await this.limiter.acquire(signal);
      const res = await this.exchange(opts, payload, contentType, signal);
      const code = res.statusCode ?? 0;
      if (code >= 200 && code < 300) return res;
      const text = await readAll(res);
      const retryAfter = parseRetryAfter(res.headers['retry-after']);
      if (code === 429 && retryAfter !== undefined && attempt < this.max429Retries) {
        this.log.debug('server asked to retry later', { path: opts.path, retryAfter });
        await this.clock.sleep(Math.min(retryAfter, 60) * 1000, signal);
        continue;
      }
      throw statusErrorFromResponse(code, text, retryAfter);
    }
  }

  private exchange(
    opts: RequestOptions,
    payload: Buffer | undefined,
    contentType: string | undefined,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const headers: OutgoingHttpHeaders = {
      Accept: opts.accept ?? 'application/json',
      'User-Agent': this.config.userAgent ?? 'tugboat-client/0.1',
    };
    if (this.config.token) headers['Authorization'] = `Bearer ${this.config.token}`;
    if (payload) {
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = payload.length;
    }
    Object.assign(headers, opts.headers);
    const url = this.url(opts.path, opts.query);
    const send = this.isHttps ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method: opts.method ?? 'GET',
          headers,
          agent: this.agent,
          signal,
          ...(this.isHttps ? this.tlsOptions() : {}),
        },
        (res) => {
          this.reportWarnings(res);
          resolve(res);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  private reportWarnings(res: IncomingMessage): void {
    for (const w of res.headersDistinct['warning'] ?? []) {
      const m = /^\d{3} \S+ "(.*)"$/.exec(w);
      this.onWarning(m?.[1] ?? w);
    }
  }
}

function encodeBody(opts: RequestOptions): { payload?: Buffer; contentType?: string } {
  if (opts.body === undefined) return {};
  if (Buffer.isBuffer(opts.body)) return { payload: opts.body, contentType: opts.contentType };
  if (typeof opts.body === 'string') {
    return { payload: Buffer.from(opts.body), contentType: opts.contentType };
  }
  return {
    payload: Buffer.from(JSON.stringify(opts.body)),
    contentType: opts.contentType ?? 'application/json',
  };
}

async function readAll(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res as AsyncIterable<string>) text += chunk;
  return text;
}

function parseRetryAfter(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}
