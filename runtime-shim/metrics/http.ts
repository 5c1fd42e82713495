import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../../lib/log.js';

/** MetricsServerOptions configure the metrics HTTP server. */
export interface MetricsServerOptions {
  registry: Registry;
  /** ready tells /readyz whether the shim serves. */
  ready: () => boolean;
  host: string;
  port: number;
  logger: Logger;
}

/**
 * MetricsServer serves /metrics (Prometheus text), /healthz (the process
 * answers) and /readyz (the shim is ready) over plain HTTP.
 */
export class MetricsServer implements AsyncDisposable {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** listen starts serving; resolves once the port is bound. */
  static async listen(opts: MetricsServerOptions): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics') {
        opts.registry
          .metrics()
          .then((body) => {
            res.writeHead(200, { 'content-type': opts.registry.contentType });
            res.end(body);
          })
          .catch((e: unknown) => {
            opts.logger.error('rendering metrics failed', { err: e });
            res.writeHead(500).end();
          });
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (path === '/readyz') {
        const ok = opts.ready();
        res
          .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
          .end(ok ? 'ok\n' : 'not ready\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new MetricsServer(server, (server.address() as AddressInfo).port);
  }

  /** [Symbol.asyncDispose] stops serving. Idempotent. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
