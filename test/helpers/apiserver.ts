import { randomBytes } from 'node:crypto';
import { nopLogger, type Logger } from '../../lib/log.js';
import { generateCa, generateCert, type KeyPair } from '../../lib/pki.js';
import { waitFor } from '../../lib/wait.js';
import type { EtcdServer } from '../../lib/etcd-server.js';
import { createApiLayer } from '../../controlplane/apiserver/api-layer.js';
import { TugApiServer } from '../../controlplane/apiserver/apiserver.js';
import { TokenAuthenticator } from '../../controlplane/apiserver/http/auth.js';
import type { KubeletClientOptions } from '../../controlplane/apiserver/proxy/index.js';
import { RestClient } from '../../controlplane/client/index.js';
import { startEtcd } from './etcd.js';

export interface TestApiServer {
  etcd: EtcdServer;
  server: TugApiServer;
  url: string;
  token: string;
  ca: string;
  /** client talks to the server as an admin. */
  client: RestClient;
  /** restClient makes another client (e.g. with another token). */
  restClient(token?: string): RestClient;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface TestApiServerOptions {
  bookmarkIntervalMs?: number;
  watchCacheCapacity?: number;
  logger?: Logger;
  /** etcd to use (kept running on dispose); a fresh one is started otherwise. */
  etcd?: EtcdServer;
  /** kubeletClient: how the server reaches node agents (logs, exec, metrics). */
  kubeletClient?: KubeletClientOptions;
}

let pki: Promise<{ ca: KeyPair; serving: KeyPair }> | undefined;

/**
 * startApiServer starts a real etcd and the API server in this process on
 * free ports, with a fresh admin token, and waits until /readyz answers ok.
 * Disposing stops both and removes etcd's data.
 */
export async function startApiServer(opts: TestApiServerOptions = {}): Promise<TestApiServer> {
  pki ??= (async () => {
    const ca = await generateCa('tug-test-ca');
    const serving = await generateCert(ca, {
      commonName: 'apiserver',
      ips: ['127.0.0.1'],
      dnsNames: ['localhost'],
    });
    return { ca, serving };
  })();
  const { ca, serving } = await pki;
  const ownEtcd = !opts.etcd;
  const etcd = opts.etcd ?? (await startEtcd());
  const token = randomBytes(16).toString('hex');
  const api = createApiLayer();
  let server: TugApiServer;
  try {
    server = new TugApiServer({
      etcdServers: [etcd.endpoint],
      bindAddress: '127.0.0.1',
      securePort: 0,
      tls: serving,
      authenticator: new TokenAuthenticator(
        new Map([[token, { name: 'admin', uid: 'admin', groups: ['system:masters'] }]]),
      ),
      serviceClusterIpRange: '10.96.0.0/16',
      serviceNodePortRange: '30000-32767',
      eventTtlSeconds: 3600,
      advertiseAddress: '127.0.0.1',
      ...api,
      logger: opts.logger ?? nopLogger,
      ...(opts.bookmarkIntervalMs ? { bookmarkIntervalMs: opts.bookmarkIntervalMs } : {}),
      ...(opts.watchCacheCapacity ? { watchCacheCapacity: opts.watchCacheCapacity } : {}),
      ...(opts.kubeletClient ? { kubeletClient: opts.kubeletClient } : {}),
    });
  } catch (e) {
    // Nothing else was started yet: only the etcd this helper made needs stopping.
    if (ownEtcd) await etcd[Symbol.asyncDispose]();
    throw e;
  }
  const ac = new AbortController();
  let port = 0;
  const running = server.run(ac.signal, (p) => (port = p));
  const stop = async (): Promise<void> => {
    ac.abort();
    await running.catch(() => {});
    if (ownEtcd) await etcd[Symbol.asyncDispose]();
  };
  try {
    await waitFor(() => port > 0, { timeoutMs: 10_000, what: 'the API server to listen' });
    const url = `https://127.0.0.1:${port}`;
    const restClient = (t = token): RestClient =>
      new RestClient({ server: url, ca: ca.cert, token: t });
    const client = restClient();
    await waitFor(
      async () => (await client.requestText({ method: 'GET', path: '/readyz' })) === 'ok',
      { timeoutMs: 20_000, what: 'the API server to be ready' },
    );
    await waitFor(
      async () => {
        await client.request({ method: 'GET', path: '/api/v1/namespaces/default' });
        return true;
      },
      { timeoutMs: 20_000, what: 'the default namespace' },
    );
    return {
      etcd,
      server,
      url,
      token,
      ca: ca.cert,
      client,
      restClient,
      async [Symbol.asyncDispose]() {
        client.close();
        await stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
