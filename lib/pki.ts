import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** KeyPair is a PEM certificate with its PEM private key. */
export interface KeyPair {
  cert: string;
  key: string;
}

export interface CertOptions {
  commonName: string;
  /** organizations become O= entries (Kubernetes reads them as groups). */
  organizations?: string[];
  /** dnsNames and ips become subjectAltNames. */
  dnsNames?: string[];
  ips?: string[];
  days?: number;
  /** usage: 'server', 'client', or both. */
  usage?: ('server' | 'client')[];
}

/**
 * generateCa makes a self-signed CA (ECDSA P-256) with the `openssl` command
 * (Debian's openssl package). Used by `tug up`, scripts and tests.
 */
export async function generateCa(commonName = 'tugboat-ca', days = 3650): Promise<KeyPair> {
  return withTempDir(async (dir) => {
    const key = join(dir, 'ca.key');
    const cert = join(dir, 'ca.crt');
    await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    await run('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-sha256',
      '-days',
      String(days),
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      '-out',
      cert,
    ]);
    return { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
  });
}

/** generateCert makes a certificate signed by `ca` for the given names and usages. */
export async function generateCert(ca: KeyPair, opts: CertOptions): Promise<KeyPair> {
  return withTempDir(async (dir) => {
    const caKey = join(dir, 'ca.key');
    const caCert = join(dir, 'ca.crt');
    const key = join(dir, 'tls.key');
    const csr = join(dir, 'tls.csr');
    const cert = join(dir, 'tls.crt');
    const ext = join(dir, 'ext.cnf');
    await writeFile(caKey, ca.key, { mode: 0o600 });
    await writeFile(caCert, ca.cert);
    await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    const subj = [
      `/CN=${opts.commonName}`,
      ...(opts.organizations ?? []).map((o) => `/O=${o}`),
    ].join('');
    await run('openssl', ['req', '-new', '-key', key, '-subj', subj, '-out', csr]);
    const usage = opts.usage ?? ['server'];
    const eku = usage.map((u) => (u === 'server' ? 'serverAuth' : 'clientAuth')).join(',');
    const sans = [
      ...(opts.dnsNames ?? []).map((d) => `DNS:${d}`),
      ...(opts.ips ?? []).map((ip) => `IP:${ip}`),
    ];
    const lines = [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${eku}`,
    ];
    if (sans.length) lines.push(`subjectAltName=${sans.join(',')}`);
    await writeFile(ext, lines.join('\n') + '\n');
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      caCert,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-days',
      String(opts.days ?? 825),
      '-sha256',
      '-extfile',
      ext,
      '-out',
      cert,
    ]);
    return { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
  });
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tug-pki-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
