import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { isAlreadyExists, isNotFound } from '../../controlplane/api/errors.js';
import type { KubeObject } from '../../controlplane/api/meta.js';
import { findByKind } from '../../controlplane/api/resources.js';
import { RestClient } from '../../controlplane/client/index.js';
import { buildKubeconfig, writeKubeconfig } from '../../controlplane/client/kubeconfig.js';
import { generateCa, generateCert } from '../../lib/pki.js';
import { freePort } from '../../lib/ports.js';
import { waitFor } from '../../lib/wait.js';
import { readPid, startDetached, stopProcess } from './processes.js';

/** repoRoot is the checkout the built files run from (dist/cli/up → ../../..). */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface ClusterConfig {
  name: string;
  etcdClientPort: number;
  etcdPeerPort: number;
  apiserverPort: number;
  serviceClusterIpRange: string;
}

export interface LocalClusterOptions {
  name: string;
  stateDir: string;
  /** say prints progress lines. */
  say: (line: string) => void;
}

type Component = 'etcd' | 'apiserver';

/**
 * LocalCluster is a cluster on this machine whose processes run detached,
 * with everything (certificates, tokens, kubeconfig, etcd data, logs, pid
 * files) under one state dir. `up` is idempotent: what runs already is kept.
 */
export class LocalCluster {
  constructor(private readonly opts: LocalClusterOptions) {}

  private path(...p: string[]): string {
    return join(this.opts.stateDir, ...p);
  }

  get kubeconfigPath(): string {
    return this.path('admin.kubeconfig');
  }

  private async config(): Promise<ClusterConfig> {
    const file = this.path('cluster.json');
    if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as ClusterConfig;
    const cfg: ClusterConfig = {
      name: this.opts.name,
      etcdClientPort: await freePort(),
      etcdPeerPort: await freePort(),
      apiserverPort: await portOr(6443),
      serviceClusterIpRange: '10.96.0.0/16',
    };
    await writeFile(file, JSON.stringify(cfg, null, 2) + '\n');
    return cfg;
  }

  /** secrets makes (once) the CA, the API server's certificate and the admin token. */
  private async secrets(): Promise<{ ca: string; token: string }> {
    const pki = this.path('pki');
    await mkdir(pki, { recursive: true, mode: 0o700 });
    const caFile = join(pki, 'ca.crt');
    if (!existsSync(caFile)) {
      const ca = await generateCa(`tugboat-${this.opts.name}-ca`);
      const serving = await generateCert(ca, {
        commonName: 'tug-apiserver',
        dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
        ips: ['127.0.0.1', '10.96.0.1'],
      });
      await writeFile(join(pki, 'ca.key'), ca.key, { mode: 0o600 });
      await writeFile(join(pki, 'apiserver.crt'), serving.cert);
      await writeFile(join(pki, 'apiserver.key'), serving.key, { mode: 0o600 });
      await writeFile(caFile, ca.cert);
    }
    const tokens = join(pki, 'tokens.csv');
    if (!existsSync(tokens)) {
      const t = randomBytes(24).toString('hex');
      await writeFile(tokens, `${t},admin,admin,"system:masters"\n`, { mode: 0o600 });
    }
    const token = (await readFile(tokens, 'utf8')).split(',')[0]!;
    return { ca: await readFile(caFile, 'utf8'), token };
  }

  private async start(c: Component, args: string[]): Promise<void> {
    const command = c === 'etcd' ? 'etcd' : process.execPath;
    const full = c === 'etcd' ? args : [join(repoRoot, `bin/tug-${c}`), ...args];
    const r = await startDetached({
      command,
      args: full,
      logFile: this.path('logs', `${c}.log`),
      pidFile: this.path('run', `${c}.pid`),
    });
    this.opts.say(
      r.started ? `started ${c} (pid ${r.pid})` : `${c} already running (pid ${r.pid})`,
    );
  }

  /** up starts etcd and the API server, writes the kubeconfig and waits until the API answers. */
  async up(): Promise<RestClient> {
    for (const d of ['logs', 'run', 'etcd'])
      await mkdir(this.path(d), { recursive: true, mode: 0o700 });
    const cfg = await this.config();
    const { ca, token } = await this.secrets();
    const etcdUrl = `http://127.0.0.1:${cfg.etcdClientPort}`;
    const peerUrl = `http://127.0.0.1:${cfg.etcdPeerPort}`;
    await this.start('etcd', [
      '--name',
      'etcd0',
      '--data-dir',
      this.path('etcd'),
      '--listen-client-urls',
      etcdUrl,
      '--advertise-client-urls',
      etcdUrl,
      '--listen-peer-urls',
      peerUrl,
      '--initial-advertise-peer-urls',
      peerUrl,
      '--initial-cluster',
      `etcd0=${peerUrl}`,
      '--experimental-watch-progress-notify-interval',
      '5s',
    ]);
    await waitFor(
      async () =>
        ((await (await fetch(`${etcdUrl}/health`)).json()) as { health?: string }).health ===
        'true',
      {
        timeoutMs: 30_000,
        what: `etcd at ${etcdUrl} (log: ${this.path('logs', 'etcd.log')})`,
      },
    );
    await this.start('apiserver', [
      '--etcd-servers',
      etcdUrl,
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(cfg.apiserverPort),
      '--tls-cert-file',
      this.path('pki', 'apiserver.crt'),
      '--tls-private-key-file',
      this.path('pki', 'apiserver.key'),
      '--token-auth-file',
      this.path('pki', 'tokens.csv'),
      '--service-cluster-ip-range',
      cfg.serviceClusterIpRange,
    ]);
    const server = `https://127.0.0.1:${cfg.apiserverPort}`;
    const kc = buildKubeconfig({
      server,
      ca,
      token,
      clusterName: `tug-${cfg.name}`,
      contextName: `tug-${cfg.name}`,
      userName: `tug-${cfg.name}-admin`,
    });
    await writeKubeconfig(this.kubeconfigPath, kc);
    const client = new RestClient({ server, ca, token });
    await waitFor(async () => (await client.requestText({ path: '/readyz' })) === 'ok', {
      timeoutMs: 30_000,
      what: `the API server at ${server} (log: ${this.path('logs', 'apiserver.log')})`,
    });
    await waitFor(async () => !!(await client.request({ path: '/api/v1/namespaces/default' })), {
      timeoutMs: 30_000,
    });
    this.opts.say(`API server ready at ${server}`);
    const userCopy = join(homedir(), '.tug', 'kubeconfig');
    await mkdir(dirname(userCopy), { recursive: true });
    await writeKubeconfig(userCopy, kc);
    await chmod(userCopy, 0o600);
    return client;
  }

  /** down stops every process this cluster started; `keepData` keeps etcd's data and the certificates. */
  async down(): Promise<void> {
    for (const c of ['apiserver', 'etcd'] as Component[]) {
      if (await stopProcess(this.path('run', `${c}.pid`))) this.opts.say(`stopped ${c}`);
    }
  }

  /** status lists the components and whether each runs. */
  async status(): Promise<{ component: Component; pid?: number }[]> {
    const out: { component: Component; pid?: number }[] = [];
    for (const c of ['etcd', 'apiserver'] as Component[]) {
      const pid = await readPid(this.path('run', `${c}.pid`));
      out.push(pid ? { component: c, pid } : { component: c });
    }
    return out;
  }
}

async function portOr(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => void freePort().then(resolve));
    s.listen(preferred, '127.0.0.1', () => s.close(() => resolve(preferred)));
  });
}

/**
 * applyManifests creates each document of a YAML file, or replaces it when it
 * exists (a full `tug apply` with three-way merges comes with the CLI).
 */
export async function applyManifests(
  client: RestClient,
  file: string,
  namespace = 'default',
): Promise<string[]> {
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  const out: string[] = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as KubeObject | null;
    if (!obj) continue;
    const info = findByKind(obj.apiVersion ?? '', obj.kind ?? '');
    if (!info) throw new Error(`${file}: no resource serves ${obj.apiVersion}/${obj.kind}`);
    const rc = client.resource<KubeObject>(
      info,
      info.namespaced ? (obj.metadata?.namespace ?? namespace) : undefined,
    );
    const name = obj.metadata?.name ?? '';
    const what = `${info.group ? `${info.resource}.${info.group}` : info.resource}/${name}`;
    try {
      await rc.create(obj);
      out.push(`${what} created`);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const cur = await rc.get(name).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      await rc.update({
        ...obj,
        metadata: { ...obj.metadata, resourceVersion: cur?.metadata.resourceVersion },
      } as KubeObject);
      out.push(`${what} configured`);
    }
  }
  return out;
}
