import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { generateCa, generateCert } from './pki.js';

describe('pki', () => {
  it('makes a CA and a serving certificate that a TLS client verifies, and rejects a foreign CA', async () => {
    const ca = await generateCa();
    const other = await generateCa('other');
    const serving = await generateCert(ca, {
      commonName: 'apiserver',
      ips: ['127.0.0.1'],
      dnsNames: ['localhost'],
    });
    const srv = createServer({ cert: serving.cert, key: serving.key }, (_req, res) =>
      res.end('ok'),
    );
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    const get = (caPem: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, ca: caPem, path: '/' }, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve(b));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get(ca.cert)).toBe('ok');
      await expect(get(other.cert)).rejects.toThrow(/certificate/);
    } finally {
      srv.close();
    }
  });
});
