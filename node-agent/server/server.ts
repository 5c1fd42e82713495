import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import {
  StatusError,
  newBadRequest,
  newInternalError,
  newMethodNotSupported,
  newNotFound,
  newUnauthorized,
} from '../../controlplane/api/errors.js';
import type { Status } from '../../controlplane/api/meta.js';
import type { StoredPod } from '../../controlplane/api/types/index.js';
import type { Logger } from '../../lib/log.js';
import { realClock, type Clock } from '../../lib/time.js';
import { isRuntimeNotFound } from '../runtime/errors.js';
import { PROTOCOL_V4, PROTOCOL_V5, parseProtocolHeader, pickProtocol } from './channel.js';
import { runExecSession } from './exec-session.js';
import { streamCriLog, type FollowControl } from './log-reader.js';
import { parseExecQuery, parseLogQuery } from './requests.js';
import type { StatsCollector } from './stats.js';
import type { StreamingRuntime } from './streaming-runtime.js';
import { execContainerId, findPod, logContainerId, type PodLookup } from './targets.js';

/** AgentServerOptions: where to listen, whom to trust, and what to serve from. */
export interface AgentServerOptions {
  host: string;
  /** port 0 picks a free one (see `port`). */
  port: number;
  /** tls is the serving certificate (PEM; the chain may follow the leaf) and key. */
  tls: { cert: string; key: string };
  /** clientCa (PEM) signs the certificates of the clients allowed in (the API server's). */
  clientCa: string;
  pods: PodLookup;
  runtime: StreamingRuntime;
  stats: StatsCollector;
  logger: Logger;
  clock?: Clock;
}

function statusOf(e: unknown): Status {
  return (e instanceof StatusError ? e : newInternalError(e)).status;
}

/** writeRawStatus answers a not-upgraded connection with a Status and closes it. */
function writeRawStatus(socket: Duplex, e: unknown): void {
  const s = statusOf(e);
  const body = JSON.stringify(s);
  socket.end(
    `HTTP/1.1 ${s.code} ${STATUS_CODES[s.code] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

function writeStatus(res: ServerResponse, e: unknown): void {
  const s = statusOf(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(s);
  res.writeHead(s.code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** PathTarget is a /containerLogs or /exec path: namespace, pod and container. */
interface PathTarget {
  namespace: string;
  pod: string;
  container: string;
}

function target(parts: string[]): PathTarget {
  const [namespace, pod, container] = parts;
  if (parts.length !== 3 || !namespace || !pod || !container) {
    throw notFound();
  }
  return { namespace, pod, container };
}

function notFound(): StatusError {
  const e = newNotFound({ group: '', resource: '' }, '');
  e.status.message = 'the server could not find the requested resource';
  e.status.details = {};
  return e;
}

/**
 * AgentServer is the node agent's HTTPS server for the API server, like
 * kubelet's on port 10250: `GET /containerLogs/{ns}/{pod}/{container}`
 * (CRI logs as plain text, optionally followed), `/exec/{ns}/{pod}/{container}`
 * upgraded to WebSocket (the v5/v4 channel protocols), `GET /stats/summary`
 * (kubelet's Summary API) and `/healthz`. Only clients presenting a
 * certificate signed by `clientCa` get in (401 otherwise). Disposing closes
 * it and every open stream; disposing twice is harmless.
 */
export class AgentServer implements AsyncDisposable {
  private closed = false;
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // Frames carry up to 32 KiB of stdin; leave room, refuse giant ones.
    maxPayload: 16 * 1024 * 1024,
    handleProtocols: (offered) => pickProtocol(offered) ?? false,
  });
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly stop = new AbortController();

  private constructor(
    private readonly o: AgentServerOptions,
    private readonly server: Server,
  ) {
    this.clock = o.clock ?? realClock;
    this.log = o.logger.with({ component: 'agent-server' });
  }

  /** listen starts serving and resolves once the port is bound. */
  static async listen(o: AgentServerOptions): Promise<AgentServer> {
    const server = createServer({
      cert: o.tls.cert,
      key: o.tls.key,
      ca: o.clientCa,
      requestCert: true,
      // Checked per request, so that a missing certificate gets a 401 Status, not a TLS alert.
      rejectUnauthorized: false,
    });
    const s = new AgentServer(o, server);
    server.requestTimeout = 0;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void s.handle(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      s.upgrade(req, socket, head),
    );
    server.on('tlsClientError', (err) => s.log.debug('tls handshake failed', { err }));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return s;
  }

  /** port is the bound port. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private authorized(req: IncomingMessage): boolean {
    return (req.socket as TLSSocket).authorized === true;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://agent');
    try {
      if (!this.authorized(req)) throw newUnauthorized();
      const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
      const method = req.method ?? 'GET';
      if (url.pathname === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      } else if (url.pathname === '/stats/summary') {
        if (method !== 'GET') throw newMethodNotSupported({ group: '', resource: 'stats' }, method);
        const body = JSON.stringify(await this.o.stats.summary());
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
      } else if (parts[0] === 'containerLogs') {
        if (method !== 'GET') throw newMethodNotSupported({ group: '', resource: 'logs' }, method);
        await this.logs(req, res, target(parts.slice(1)), url.searchParams);
      } else if (parts[0] === 'exec') {
        throw newBadRequest('Upgrade request required');
      } else {
        throw notFound();
      }
    } catch (e) {
      if (!(e instanceof StatusError))
        this.log.warn('request failed', { path: url.pathname, err: e });
      writeStatus(res, e);
    }
  }

  private async logs(
    req: IncomingMessage,
    res: ServerResponse,
    t: PathTarget,
    q: URLSearchParams,
  ): Promise<void> {
    const opts = parseLogQuery(q, this.clock.now());
    const pod: StoredPod = findPod(this.o.pods, t.namespace, t.pod);
    const id = logContainerId(pod, t.container, opts.previous);
    // Subscribe before reading the state, so that a stop in between is not missed.
    const gone = new AbortController();
    const signal = AbortSignal.any([gone.signal, this.stop.signal]);
    res.once('close', () => gone.abort());
    const follow = opts.follow ? this.followStops(id, signal) : undefined;
    try {
      let st;
      try {
        st = (await this.o.runtime.ContainerStatus({ containerId: id }, { timeoutMs: 10_000 }))
          .status;
      } catch (e) {
        if (!isRuntimeNotFound(e)) throw e;
      }
      if (!st?.logPath) {
        throw newBadRequest(
          `the log of container "${t.container}" in pod "${t.pod}" is gone (container ${id})`,
        );
      }
      if (st.state !== 'CONTAINER_RUNNING' && st.state !== 'CONTAINER_CREATED') follow?.stop();
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
      res.flushHeaders();
      await streamCriLog(st.logPath, opts, res, signal, follow);
      res.end();
    } finally {
      gone.abort();
    }
  }

  /** followStops watches runtime events until container `id` stops (or `signal` aborts). */
  private followStops(id: string, signal: AbortSignal): FollowControl & { stop(): void } {
    let stopped = false;
    const subs = new Set<() => void>();
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      for (const f of subs) f();
    };
    const events = this.o.runtime.containerEvents(signal);
    void (async () => {
      try {
        for await (const ev of events) {
          if (
            ev.containerId === id &&
            (ev.containerEventType === 'CONTAINER_STOPPED_EVENT' ||
              ev.containerEventType === 'CONTAINER_DELETED_EVENT')
          ) {
            break;
          }
        }
      } catch (err) {
        if (!signal.aborted)
          this.log.warn('container events failed; ending a followed log', { err });
      }
      stop();
    })();
    return {
      stop,
      stopped: () => stopped,
      onStop: (cb) => {
        subs.add(cb);
        return () => subs.delete(cb);
      },
    };
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.log.debug('upgrade socket error', { err }));
    const url = new URL(req.url ?? '/', 'https://agent');
    try {
      if (!this.authorized(req)) throw newUnauthorized();
      const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
      if (parts[0] !== 'exec') throw notFound();
      const t = target(parts.slice(1));
      const opts = parseExecQuery(url.searchParams);
      if (opts.tty) {
        throw newBadRequest(
          'TTY is not supported: the runtime shim runs commands without a terminal; use `kubectl exec -i` without -t',
        );
      }
      const id = execContainerId(findPod(this.o.pods, t.namespace, t.pod), t.container);
      const upgrade = (req.headers.upgrade ?? '').toLowerCase();
      if (upgrade !== 'websocket') {
        throw newBadRequest(
          `streaming protocol "${req.headers.upgrade}" is not supported: this node serves exec over WebSocket (${PROTOCOL_V5}, ${PROTOCOL_V4}); use kubectl 1.30 or newer (1.29: KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true)`,
        );
      }
      const offered = parseProtocolHeader(req.headers['sec-websocket-protocol']);
      const protocol = pickProtocol(offered);
      if (!protocol) {
        throw newBadRequest(
          `none of the offered subprotocols [${offered.join(', ')}] is supported: want ${PROTOCOL_V5} or ${PROTOCOL_V4}`,
        );
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const onStop = (): void => ws.terminate();
        this.stop.signal.addEventListener('abort', onStop, { once: true });
        void runExecSession(
          ws,
          protocol,
          this.o.runtime,
          {
            containerId: id,
            cmd: opts.command,
            stdin: opts.stdin,
            stdout: opts.stdout,
            stderr: opts.stderr,
          },
          this.log,
        ).finally(() => this.stop.signal.removeEventListener('abort', onStop));
      });
    } catch (e) {
      if (!(e instanceof StatusError)) this.log.warn('exec failed', { path: url.pathname, err: e });
      writeRawStatus(socket, e);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort();
    for (const ws of this.wss.clients) ws.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
