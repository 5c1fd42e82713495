import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/log.js';

/** AgentHttpServerOptions: what to serve and where. */
export interface AgentHttpServerOptions {
  registry: Registry;
  /** healthy answers /healthz and /readyz (the runtime shim is reachable). */
  healthy: () => Promise<boolean>;
  host: string;
  /** port 0 picks a free one (see `port`). */
  port: number;
  logger: Logger;
}

/**
 * AgentHttpServer serves the agent's `/metrics` (Prometheus text format),
 * `/healthz` and `/readyz` (200 `ok` while the runtime answers, 500
 * otherwise). Disposing closes it; disposing twice is harmless.
 */
export class AgentHttpServer implements AsyncDisposable {
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** listen starts serving and resolves once the port is bound. */
  static async listen(o: AgentHttpServerOptions): Promise<AgentHttpServer> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      void (async () => {
        try {
          if (path === '/metrics') {
            const body = await o.registry.metrics();
            res.writeHead(200, { 'Content-Type': o.registry.contentType }).end(body);
          } else if (path === '/healthz' || path === '/readyz') {
            const ok = await o.healthy();
            res
              .writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain' })
              .end(ok ? 'ok' : 'runtime unreachable');
          } else {
            res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
          }
        } catch (err) {
          o.logger.warn('http handler failed', { err, path });
          if (!res.headersSent) res.writeHead(500).end();
        }
      })();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new AgentHttpServer(server, (server.address() as AddressInfo).port);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
