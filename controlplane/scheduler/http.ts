import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { nopLogger, type Logger } from '../../lib/log.js';

/** HealthServerOptions configure the scheduler's plain-HTTP endpoints. */
export interface HealthServerOptions {
  registry: Registry;
  /** ready answers /readyz (informers synced). */
  ready: () => boolean;
  host: string;
  /** port 0 picks a free one (see `port` after listening). */
  port: number;
  logger?: Logger;
}

/**
 * HealthServer serves /metrics (Prometheus text from the scheduler's own
 * registry), /healthz (the process answers) and /readyz over plain HTTP.
 */
export class HealthServer implements AsyncDisposable {
  private constructor(
    private readonly server: Server,
    /** port is the port actually bound. */
    readonly port: number,
  ) {}

  /** listen starts serving and resolves once the port is bound; rejects if it cannot bind. */
  static async listen(opts: HealthServerOptions): Promise<HealthServer> {
    const log = opts.logger ?? nopLogger;
    const text = { 'content-type': 'text/plain; charset=utf-8' };
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, text).end('method not allowed\n');
      } else if (path === '/metrics') {
        opts.registry.metrics().then(
          (body) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(body),
          (e: unknown) => {
            log.error('rendering metrics failed', { err: e });
            res.writeHead(500, text).end('metrics unavailable\n');
          },
        );
      } else if (path === '/healthz' || path === '/livez') {
        res.writeHead(200, text).end('ok');
      } else if (path === '/readyz') {
        const ok = opts.ready();
        res.writeHead(ok ? 200 : 503, text).end(ok ? 'ok' : 'informers not synced');
      } else {
        res.writeHead(404, text).end('not found\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new HealthServer(server, (server.address() as AddressInfo).port);
  }

  /** [Symbol.asyncDispose] stops serving. Idempotent. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
