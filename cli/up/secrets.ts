import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildKubeconfig, writeKubeconfig } from '../../controlplane/client/kubeconfig.js';
import { generateCa, generateCert } from '../../lib/pki.js';
import type { ClusterConfig } from './config.js';

/** Identity is one component's bearer token and user. */
export interface Identity {
  user: string;
  groups: string[];
  token: string;
}

/** ClusterSecrets are the CA, the API server's serving pair and every component's token. */
export interface ClusterSecrets {
  ca: string;
  identities: Map<string, Identity>;
}

const gateway = (cfg: ClusterConfig): string => `${cfg.hostPrefix}.1`;

/**
 * ensureSecrets makes (once) the cluster CA, the API server's certificate
 * (valid for localhost, the bridge gateway the nodes use and the kubernetes
 * service IP), its client certificate for the node agents, and a token per
 * component, in kube's static token CSV.
 */
export async function ensureSecrets(stateDir: string, cfg: ClusterConfig): Promise<ClusterSecrets> {
  const pki = join(stateDir, 'pki');
  await mkdir(pki, { recursive: true, mode: 0o700 });
  const caFile = join(pki, 'ca.crt');
  if (!existsSync(caFile)) {
    const ca = await generateCa(`tugboat-${cfg.name}-ca`);
    const [a, b, c] = cfg.serviceCidr.split('.');
    const serving = await generateCert(ca, {
      commonName: 'tug-apiserver',
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
      ips: ['127.0.0.1', gateway(cfg), `${a}.${b}.${c}.1`],
    });
    await writeFile(join(pki, 'ca.key'), ca.key, { mode: 0o600 });
    await writeFile(join(pki, 'apiserver.crt'), serving.cert);
    await writeFile(join(pki, 'apiserver.key'), serving.key, { mode: 0o600 });
    await writeFile(caFile, ca.cert);
  }
  // The API server's client certificate for node agents (logs, exec, metrics); they trust the CA.
  const kubeletClient = join(pki, 'apiserver-kubelet-client.crt');
  if (!existsSync(kubeletClient)) {
    const ca = {
      cert: await readFile(caFile, 'utf8'),
      key: await readFile(join(pki, 'ca.key'), 'utf8'),
    };
    const pair = await generateCert(ca, {
      commonName: 'kube-apiserver-kubelet-client',
      organizations: ['system:masters'],
      usage: ['client'],
    });
    await writeFile(join(pki, 'apiserver-kubelet-client.key'), pair.key, { mode: 0o600 });
    await writeFile(kubeletClient, pair.cert);
  }
  const tokensFile = join(pki, 'tokens.csv');
  const identities = new Map<string, Identity>();
  if (existsSync(tokensFile)) {
    for (const line of (await readFile(tokensFile, 'utf8')).split('\n')) {
      const m = /^([^,]+),([^,]+),([^,]+),"?([^"]*)"?$/.exec(line.trim());
      if (m)
        identities.set(m[3]!, { token: m[1]!, user: m[2]!, groups: m[4] ? m[4].split(',') : [] });
    }
  }
  const want: [string, string, string[]][] = [
    ['admin', 'admin', ['system:masters']],
    ['controller-manager', 'system:kube-controller-manager', []],
    ['scheduler', 'system:kube-scheduler', []],
    // The token nodes on other machines join with (`tug join`).
    ['join', 'system:bootstrap:join', ['system:nodes', 'system:bootstrappers']],
    ...cfg.nodes.map((n): [string, string, string[]] => [
      `node-${n}`,
      `system:node:${n}`,
      ['system:nodes'],
    ]),
  ];
  let changed = false;
  for (const [uid, user, groups] of want) {
    if (identities.has(uid)) continue;
    identities.set(uid, { token: randomBytes(24).toString('hex'), user, groups });
    changed = true;
  }
  if (changed) {
    const lines = [...identities].map(
      ([uid, i]) => `${i.token},${i.user},${uid},"${i.groups.join(',')}"`,
    );
    await writeFile(tokensFile, lines.join('\n') + '\n', { mode: 0o600 });
  }
  return { ca: await readFile(caFile, 'utf8'), identities };
}

/** writeComponentKubeconfig writes a kubeconfig for one identity, reaching the API at `server`. */
export async function writeComponentKubeconfig(
  file: string,
  cfg: ClusterConfig,
  secrets: ClusterSecrets,
  uid: string,
  server: string,
): Promise<void> {
  const id = secrets.identities.get(uid);
  if (!id) throw new Error(`no identity ${uid}`);
  await writeKubeconfig(
    file,
    buildKubeconfig({
      server,
      ca: secrets.ca,
      token: id.token,
      clusterName: `tug-${cfg.name}`,
      contextName: `tug-${cfg.name}`,
      userName: `tug-${cfg.name}-${uid}`,
    }),
  );
}
