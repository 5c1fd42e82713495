import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateCa, generateCert, type KeyPair } from '../../lib/pki.js';

/**
 * servingCertificate returns the agent server's certificate and key: the
 * given files when both are set (kubelet's --tls-cert-file and
 * --tls-private-key-file); otherwise a self-signed pair made once and kept
 * in `<certDir>/agent.crt` and `agent.key` (kubelet does the same in its
 * --cert-dir), valid for the node's name and IP.
 */
export async function servingCertificate(o: {
  certFile?: string;
  keyFile?: string;
  certDir: string;
  nodeName: string;
  nodeIP: string;
}): Promise<KeyPair> {
  if (o.certFile && o.keyFile) {
    return { cert: await readFile(o.certFile, 'utf8'), key: await readFile(o.keyFile, 'utf8') };
  }
  const certPath = join(o.certDir, 'agent.crt');
  const keyPath = join(o.certDir, 'agent.key');
  if (existsSync(certPath) && existsSync(keyPath)) {
    return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
  }
  const ca = await generateCa(`${o.nodeName}-ca@${Math.floor(Date.now() / 1000)}`);
  const pair = await generateCert(ca, {
    commonName: o.nodeName,
    dnsNames: [o.nodeName],
    ips: [o.nodeIP],
    usage: ['server'],
  });
  await mkdir(o.certDir, { recursive: true, mode: 0o700 });
  await writeFile(keyPath, pair.key, { mode: 0o600 });
  // The issuing CA goes with the leaf so that a client given agent.crt as its CA can verify it.
  await writeFile(certPath, pair.cert + ca.cert);
  return { cert: pair.cert + ca.cert, key: pair.key };
}
