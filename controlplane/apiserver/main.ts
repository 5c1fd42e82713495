import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { Command } from 'commander';
import { newLogger } from '../../lib/log.js';
import { parseDuration, runMain, UsageError } from '../../lib/main.js';
import { generateCa, generateCert } from '../../lib/pki.js';
import { createApiLayer } from './api-layer.js';
import { TugApiServer } from './apiserver.js';
import { TokenAuthenticator } from './http/auth.js';

const program = new Command()
  .name('tug-apiserver')
  .description('Tugboat API server: the Kubernetes API over HTTPS, with state in etcd.')
  .requiredOption(
    '--etcd-servers <urls>',
    'comma-separated etcd client URLs (e.g. http://127.0.0.1:2379)',
  )
  .option('--bind-address <ip>', 'address to serve HTTPS on', '0.0.0.0')
  .option('--secure-port <port>', 'HTTPS port', '6443')
  .option(
    '--advertise-address <ip>',
    'address other components reach this server at (the kubernetes service endpoint)',
  )
  .option(
    '--tls-cert-file <file>',
    'serving certificate (PEM); a self-signed one is made when absent',
  )
  .option('--tls-private-key-file <file>', 'serving key (PEM)')
  .requiredOption(
    '--token-auth-file <file>',
    'static bearer tokens, one `token,user,uid,"group1,group2"` per line',
  )
  .option(
    '--service-cluster-ip-range <cidr>',
    'range service cluster IPs are allocated from',
    '10.96.0.0/12',
  )
  .option('--service-node-port-range <range>', 'range node ports are allocated from', '30000-32767')
  .option('--event-ttl <duration>', 'how long events are kept', '1h')
  .option('--watch-cache-size <n>', 'recent events kept per resource for resuming watches', '10000')
  .option(
    '--kubelet-client-certificate <file>',
    'client certificate (PEM) presented to node agents for logs, exec and metrics',
  )
  .option('--kubelet-client-key <file>', 'its key (PEM)')
  .option(
    '--kubelet-certificate-authority <file>',
    "CA that signs the node agents' serving certificates (unset: they are not verified)",
  )
  .option('--kubelet-timeout <duration>', 'deadline to reach a node agent', '5s')
  .option('-v, --v <level>', 'log verbosity: 0 info, 4+ debug', '0')
  .addHelpText('after', "\nFlags follow kube-apiserver's names. Stops cleanly on SIGTERM.");

runMain('tug-apiserver', async (signal) => {
  program.parse();
  const o = program.opts<Record<string, string>>();
  const logger = newLogger({
    level: Number(o['v']) >= 4 ? 'debug' : 'info',
    fields: { component: 'apiserver' },
  });
  const port = Number(o['securePort']);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--secure-port: invalid port "${o['securePort']}"`);
  const etcdServers = o['etcdServers']!.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const tls = await loadTls(o['tlsCertFile'], o['tlsPrivateKeyFile'], o['bindAddress']!);
  const authenticator = TokenAuthenticator.fromFile(o['tokenAuthFile']!);
  const kubeletCert = o['kubeletClientCertificate'];
  const kubeletKey = o['kubeletClientKey'];
  if (!!kubeletCert !== !!kubeletKey)
    throw new UsageError('--kubelet-client-certificate and --kubelet-client-key go together');
  const kubeletCa = o['kubeletCertificateAuthority'];
  const api = createApiLayer();
  const server = new TugApiServer({
    etcdServers,
    bindAddress: o['bindAddress']!,
    securePort: port,
    tls,
    authenticator,
    serviceClusterIpRange: o['serviceClusterIpRange']!,
    serviceNodePortRange: o['serviceNodePortRange']!,
    eventTtlSeconds: Math.round(parseDuration(o['eventTtl']!) / 1000),
    advertiseAddress: o['advertiseAddress'] ?? defaultAdvertiseAddress(o['bindAddress']!),
    edge: api.edge,
    machinery: api.machinery,
    openapi: api.openapi,
    logger,
    watchCacheCapacity: Number(o['watchCacheSize']),
    kubeletClient: {
      ...(kubeletCert && kubeletKey
        ? { cert: readFileSync(kubeletCert, 'utf8'), key: readFileSync(kubeletKey, 'utf8') }
        : {}),
      ...(kubeletCa ? { ca: readFileSync(kubeletCa, 'utf8') } : {}),
      timeoutMs: parseDuration(o['kubeletTimeout']!),
    },
  });
  await server.run(signal, (p) =>
    logger.info('serving', { address: `https://${o['bindAddress']}:${p}` }),
  );
  logger.info('stopped');
});

async function loadTls(certFile: string | undefined, keyFile: string | undefined, bind: string) {
  if (certFile && keyFile)
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  if (certFile || keyFile)
    throw new UsageError('--tls-cert-file and --tls-private-key-file go together');
  const ca = await generateCa('tug-apiserver-self-signed');
  return generateCert(ca, {
    commonName: 'tug-apiserver',
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default'],
    ips: ['127.0.0.1', ...(bind !== '0.0.0.0' ? [bind] : [])],
  });
}

function defaultAdvertiseAddress(bind: string): string {
  if (bind !== '0.0.0.0' && bind !== '::') return bind;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
