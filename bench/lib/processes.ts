import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdServer } from '../../lib/etcd-server.js';
import { generateCa, generateCert } from '../../lib/pki.js';
import { freePort } from '../../lib/ports.js';
import { waitFor } from '../../lib/wait.js';
import { RestClient } from '../../controlplane/client/index.js';

/** repoRoot is the checkout this bench runs from (dist/bench/lib → ../../..). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface BenchControlPlane {
  etcd: EtcdServer;
  apiserver: ChildProcess;
  url: string;
  ca: string;
  token: string;
  client: RestClient;
  stop(): Promise<void>;
}

/**
 * startControlPlane runs a real etcd and the built `bin/tug-apiserver` as a
 * separate process (as in production), on free ports in a temp dir.
 */
export async function startControlPlane(): Promise<BenchControlPlane> {
  const dir = await mkdtemp(join(tmpdir(), 'tug-bench-'));
  const etcd = new EtcdServer({ dataDir: join(dir, 'etcd') });
  await etcd.start();
  const ca = await generateCa();
  const serving = await generateCert(ca, { commonName: 'apiserver', ips: ['127.0.0.1'] });
  await writeFile(join(dir, 'tls.crt'), serving.cert);
  await writeFile(join(dir, 'tls.key'), serving.key);
  const token = randomBytes(16).toString('hex');
  await writeFile(join(dir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`);
  const port = await freePort();
  const apiserver = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin/tug-apiserver'),
      '--etcd-servers',
      etcd.endpoint,
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(port),
      '--tls-cert-file',
      join(dir, 'tls.crt'),
      '--tls-private-key-file',
      join(dir, 'tls.key'),
      '--token-auth-file',
      join(dir, 'tokens.csv'),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `https://127.0.0.1:${port}`;
  const client = new RestClient({ server: url, ca: ca.cert, token });
  const stop = async (): Promise<void> => {
    client.close();
    if (apiserver.exitCode === null) {
      const exited = new Promise((r) => apiserver.once('exit', r));
      apiserver.kill('SIGTERM');
      await exited;
    }
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => (await client.requestText({ path: '/readyz' })) === 'ok', {
      timeoutMs: 30_000,
      what: 'tug-apiserver',
    });
    await waitFor(async () => !!(await client.request({ path: '/api/v1/namespaces/default' })), {
      timeoutMs: 30_000,
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { etcd, apiserver, url, ca: ca.cert, token, client, stop };
}
