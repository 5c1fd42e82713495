import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../lib/log.js';
import type { ManagerMetrics } from './metrics.js';

/** HealthCheck reports one named check: undefined when healthy, else why not. */
export type HealthCheck = () => string | undefined;

/**
 * serveMetrics serves `/metrics` (Prometheus text) and `/healthz`,
 * `/readyz` (`ok`, or 500 with the failing checks) over plain HTTP on
 * `host:port` (0 picks a free port). It resolves with the bound port once
 * listening and closes the server when `signal` aborts; `closed` resolves
 * after that.
 */
export async function serveMetrics(
  metrics: ManagerMetrics,
  host: string,
  port: number,
  checks: Record<string, HealthCheck>,
  signal: AbortSignal,
  log: Logger,
): Promise<{ port: number; closed: Promise<void> }> {
  const health = (): { ok: boolean; text: string } => {
    const failing = Object.entries(checks)
      .map(([name, check]) => [name, check()] as const)
      .filter(([, why]) => why !== undefined);
    if (failing.length === 0) return { ok: true, text: 'ok' };
    return { ok: false, text: failing.map(([n, why]) => `[-]${n} failed: ${why}`).join('\n') };
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text);
        },
        (err: unknown) => {
          log.warn('collecting metrics failed', { err });
          res.writeHead(500).end();
        },
      );
      return;
    }
    if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      const h = health();
      res.writeHead(h.ok ? 200 : 500, { 'Content-Type': 'text/plain' }).end(h.text);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const closed = new Promise<void>((resolve) => {
    const close = (): void => {
      server.close(() => resolve());
      server.closeAllConnections();
    };
    if (signal.aborted) close();
    else signal.addEventListener('abort', close, { once: true });
  });
  return { port: (server.address() as AddressInfo).port, closed };
}
