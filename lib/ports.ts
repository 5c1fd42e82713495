import { createServer } from 'node:net';

/**
 * freePort asks the kernel for a port that is free on `host` right now. Another
 * process may take it before the caller binds, so callers that start servers
 * on it retry on EADDRINUSE.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('freePort: no address'));
      });
    });
  });
}
