import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { setMaxListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import {
  StatusError,
  newNotAcceptable,
  newNotFound,
  newStatus,
  newUnauthorized,
} from '../../api/errors.js';
import type { TokenAuthenticator } from './auth.js';
import type { Ctx, HandlerDeps } from './context.js';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroupDoc,
  apiGroupList,
  apiResourceList,
  apiVersions,
  wantsAggregated,
} from './discovery.js';
import { handleMetricsApi } from '../metrics-api/handler.js';
import { proxyExec } from '../proxy/exec.js';
import { writeRawStatus } from '../proxy/kubelet-client.js';
import { findDoc, openApiDoc, openApiIndex, type OpenApiSource } from './openapi.js';
import { handleResource } from './resource-handlers.js';
import { asStatus, parseAccept, writeJson, writeStatus } from './respond.js';
import { route, type Route } from './router.js';

export interface ApiServerConfig {
  bindAddress: string;
  port: number;
  tls: { cert: string; key: string };
  authenticator: TokenAuthenticator;
  openapi: OpenApiSource;
  /** version is answered at /version. */
  version: Record<string, string>;
  /** readyChecks are /readyz checks beyond etcd and shutdown (kube's post-start hooks). */
  readyChecks?: () => [string, boolean][];
}

/**
 * ApiServer is the HTTPS front of the API: bearer-token authentication,
 * routing to discovery, OpenAPI, health, metrics and the resource handlers,
 * and a Status for every failure. `run` serves until its signal aborts, then
 * ends open watches and closes connections.
 */
export class ApiServer {
  private server: Http2SecureServer | undefined;

  constructor(
    private readonly cfg: ApiServerConfig,
    private readonly deps: Omit<HandlerDeps, 'signal'>,
  ) {}

  /** run listens, serves until `signal` aborts, and resolves once closed. */
  async run(signal: AbortSignal, onListening?: (port: number) => void): Promise<void> {
    // Every open watch listens on this signal: a child signal of our own may
    // have that many listeners without Node's leak warning.
    const own = new AbortController();
    setMaxListeners(0, own.signal);
    if (signal.aborted) own.abort();
    else signal.addEventListener('abort', () => own.abort(), { once: true });
    const deps: HandlerDeps = { ...this.deps, signal: own.signal };
    // HTTP/2 where the client offers it (client-go and kubectl do: many
    // requests share one TLS connection, which costs far less per request),
    // HTTP/1.1 otherwise and for upgrades (exec's WebSocket).
    const server = createSecureServer(
      { cert: this.cfg.tls.cert, key: this.cfg.tls.key, allowHTTP1: true },
      (req, res) => {
        void this.handle(req as unknown as IncomingMessage, res as unknown as ServerResponse, deps);
      },
    );
    const sockets = new Set<Duplex>();
    server.on('secureConnection', (socket: Duplex) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.upgrade(req, socket, head, deps);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.cfg.port, this.cfg.bindAddress, () => {
        server.off('error', reject);
        resolve();
      });
    });
    onListening?.((server.address() as AddressInfo).port);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
  }

  /** port is the port actually listened on (after run started). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    deps: HandlerDeps,
  ): Promise<void> {
    const start = process.hrtime.bigint();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'https://apiserver');
    } catch {
      writeStatus(res, new StatusError(newStatus(400, 'BadRequest', 'malformed request URL')));
      return;
    }
    let r: Route = { kind: 'none', path: url.pathname };
    const labels = { verb: req.method ?? '', group: '', resource: '', subresource: '' };
    try {
      r = route(req.method ?? 'GET', url.pathname, url.searchParams);
      if (r.kind === 'resource') {
        labels.verb = r.verb;
        labels.group = r.info.group;
        labels.resource = r.info.resource;
        labels.subresource = r.subresource ?? '';
      }
      if (r.kind === 'health') return this.health(r.path, url, res, deps);
      const user = this.cfg.authenticator.authenticate(req);
      if (!user) throw newUnauthorized();
      const accept = parseAccept(req.headers.accept);
      const c: Ctx = { req, res, query: url.searchParams, user, accept, deps, warnings: [] };
      if (r.kind === 'resource') {
        if (accept.protobufOnly)
          throw newNotAcceptable(
            'only the following media types are accepted: application/json, application/yaml',
          );
        await handleResource(c, r);
      } else {
        await this.other(c, r);
      }
    } catch (e) {
      writeStatus(res, e);
      if (!(e instanceof StatusError))
        deps.logger.error('request failed', { method: req.method, path: url.pathname, err: e });
    } finally {
      const record = (): void => {
        deps.metrics.requests.inc({ ...labels, code: String(res.statusCode) });
        if (labels.verb !== 'watch') {
          deps.metrics.latency.observe(
            {
              verb: labels.verb,
              group: labels.group,
              resource: labels.resource,
              subresource: labels.subresource,
            },
            Number(process.hrtime.bigint() - start) / 1e9,
          );
        }
      };
      if (res.writableFinished) record();
      else res.once('finish', record);
    }
  }

  /**
   * upgrade serves requests that ask to switch protocols: only `pods/exec`
   * (WebSocket, or SPDY from older clients), authenticated like any request,
   * relayed to the pod's node agent. Every refusal is a Status.
   */
  private async upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    deps: HandlerDeps,
  ): Promise<void> {
    socket.on('error', (err) => deps.logger.debug('upgrade connection failed', { err }));
    // An upgraded connection is no longer the HTTP server's: end it ourselves at shutdown.
    const onStop = (): void => {
      socket.destroy();
    };
    deps.signal.addEventListener('abort', onStop, { once: true });
    socket.once('close', () => deps.signal.removeEventListener('abort', onStop));
    try {
      const url = new URL(req.url ?? '/', 'https://apiserver');
      if (!this.cfg.authenticator.authenticate(req)) throw newUnauthorized();
      const r = route(req.method ?? 'GET', url.pathname, url.searchParams);
      if (
        r.kind !== 'resource' ||
        r.info.resource !== 'pods' ||
        r.subresource !== 'exec' ||
        (r.verb !== 'get' && r.verb !== 'create') ||
        r.namespace === undefined ||
        r.name === undefined
      ) {
        throw new StatusError(
          newStatus(400, 'BadRequest', `${url.pathname} does not upgrade connections`),
        );
      }
      await proxyExec(
        deps.registry,
        deps.kubelet,
        r.namespace,
        r.name,
        req,
        url.searchParams,
        socket,
        head,
      );
    } catch (e) {
      if (!(e instanceof StatusError))
        deps.logger.error('upgrade failed', { url: req.url, err: e });
      writeRawStatus(socket, asStatus(e));
    }
  }

  private health(path: string, url: URL, res: ServerResponse, deps: HandlerDeps): void {
    const checks: [string, boolean][] = [['ping', true]];
    if (path.startsWith('/readyz'))
      checks.push(['etcd', deps.registry.ready], ...(this.cfg.readyChecks?.() ?? []), [
        'shutdown',
        !deps.signal.aborted,
      ]);
    const ok = checks.every(([, v]) => v);
    const body = url.searchParams.has('verbose')
      ? checks.map(([n, v]) => `[${v ? '+' : '-'}]${n} ${v ? 'ok' : 'failed'}`).join('\n') +
        `\n${path.replace(/^\//, '')} check ${ok ? 'passed' : 'failed'}\n`
      : ok
        ? 'ok'
        : checks
            .filter(([, v]) => !v)
            .map(([n]) => `[-]${n} failed: reason withheld`)
            .join('\n') + '\n';
    res.writeHead(ok ? 200 : 500, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-cache, private',
    });
    res.end(body);
  }

  private async other(c: Ctx, r: Route): Promise<void> {
    const host = c.req.headers.host ?? `${this.cfg.bindAddress}:${this.port}`;
    switch (r.kind) {
      case 'version':
        return writeJson(c.res, 200, this.cfg.version);
      case 'metrics': {
        const text = await c.deps.metrics.registry.metrics();
        c.res.writeHead(200, { 'Content-Type': c.deps.metrics.registry.contentType });
        c.res.end(text);
        return;
      }
      case 'discovery-root': {
        const agg = wantsAggregated(c.req.headers.accept);
        const core = r.path === '/api';
        if (agg)
          return writeJson(c.res, 200, aggregatedDiscovery(core, agg), {
            'Content-Type': aggregatedContentType(agg),
          });
        return writeJson(c.res, 200, core ? apiVersions(host) : apiGroupList());
      }
      case 'discovery-group': {
        const doc = apiGroupDoc(r.group!);
        if (!doc) throw notFound();
        return writeJson(c.res, 200, doc);
      }
      case 'discovery-groupversion':
        return writeJson(c.res, 200, apiResourceList(r.group!, r.version!));
      case 'metrics-api':
        return handleMetricsApi(c, r.path, c.deps.kubelet);
      case 'openapi': {
        if (r.path === '/openapi/v3') return writeJson(c.res, 200, openApiIndex(this.cfg.openapi));
        const gv = findDoc(r.path);
        if (!gv) throw notFound();
        return writeJson(c.res, 200, openApiDoc(this.cfg.openapi, gv.group, gv.version));
      }
      default:
        throw notFound();
    }
  }
}

function notFound(): StatusError {
  const e = newNotFound({ group: '', resource: '' }, '');
  e.status.message = 'the server could not find the requested resource';
  e.status.details = {};
  return e;
}
