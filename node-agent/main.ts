import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { isIPv4 } from 'node:net';
import { Command, InvalidArgumentError } from 'commander';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Quantity } from '../controlplane/api/quantity/index.js';
import { loadKubeconfig, RestClient, type RestConfig } from '../controlplane/client/index.js';
import { newLogger } from '../lib/log.js';
import { realClock } from '../lib/time.js';
import { runMain, UsageError } from '../lib/main.js';
import { connectRuntime } from '../proto/loader.js';
import { NodeAgent } from './agent.js';
import { AgentHttpServer } from './http-server.js';
import { defaultNodeIP } from './node/machine.js';
import {
  AgentServer,
  StatsCollector,
  grpcStreamingRuntime,
  readHostSample,
  servingCertificate,
} from './server/index.js';
import { HOLLOW_MACHINE } from './testing/hollow.js';
import { FakeRuntime } from './testing/fake-runtime.js';
import { grpcRuntime, type AgentRuntime } from './runtime/runtime.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number 0–65535');
  return n;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function quantity(v: string): string {
  try {
    const q = Quantity.parse(v);
    if (q.sign() <= 0) throw new Error('not positive');
    return q.toString();
  } catch {
    throw new InvalidArgumentError('must be a positive quantity such as 4, 1500m or 8Gi');
  }
}

function ipv4(v: string): string {
  if (!isIPv4(v)) throw new InvalidArgumentError('must be an IPv4 address');
  return v;
}

function ipList(v: string): string[] {
  const ips = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const ip of ips)
    if (!isIPv4(ip)) throw new InvalidArgumentError(`${ip} is not an IPv4 address`);
  return ips;
}

function labels(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`"${part}" is not key=value`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

function endpoint(v: string): string {
  if (v === 'fake://' || /^unix:\/\/\/.+/.test(v) || /^[\w.-]+:\d+$/.test(v)) return v;
  throw new InvalidArgumentError('must be unix:///path, host:port, or fake:// (a hollow node)');
}

const program = new Command()
  .name('tug-agent')
  .description(
    'Tugboat node agent (kubelet): registers this node, renews its lease and runs the pods bound to it on the runtime shim.',
  )
  .option(
    '--kubeconfig <file>',
    'kubeconfig to reach the API server (default: $KUBECONFIG, ~/.kube/config)',
  )
  .option('--context <name>', 'kubeconfig context to use (default: the current one)')
  .option(
    '--server <url>',
    'join a cluster without a kubeconfig: the API server URL (with --token)',
  )
  .option('--token <token>', "the cluster's join token (with --server)")
  .option(
    '--certificate-authority <file>',
    "the cluster CA that signs the API server's certificate (with --server)",
  )
  .option('--node-name <name>', "the Node's name (default: the host name)")
  .option(
    '--runtime-endpoint <address>',
    'the runtime shim: unix:///path or host:port; fake:// runs a hollow node on an in-memory runtime',
    endpoint,
    'unix:///run/tug/shim.sock',
  )
  .option(
    '--node-ip <ip>',
    "the node's InternalIP and pods' hostIP (default: the host's first IPv4)",
    ipv4,
  )
  .option('--max-pods <n>', 'pods this node accepts (capacity pods)', positiveInt, 110)
  .option('--cpu <quantity>', 'cpu capacity to report instead of the core count', quantity)
  .option(
    '--memory <quantity>',
    'memory capacity to report instead of the machine memory',
    quantity,
  )
  .option('--node-labels <k=v,...>', 'extra labels for the Node at registration', labels)
  .option('--root-dir <dir>', 'state directory: pod volumes, CNI IPAM', '/var/lib/tug-agent')
  .option(
    '--pod-log-dir <dir>',
    'container logs: <dir>/<ns>_<pod>_<uid>/<container>/<restart>.log',
    '/var/log/pods',
  )
  .option(
    '--cni-conf-dir <dir>',
    "the shim's CNI config dir: the agent writes the node's bridge conflist there once the Node has a podCIDR (unset: the shim's network is used as is)",
  )
  .option('--cni-bridge <name>', 'Linux bridge of the pod network', 'tug0')
  .option('--pod-cidr <cidr>', 'pod CIDR to use while the control plane assigns none')
  .option(
    '--cluster-cidr <cidr>',
    'the whole pod network: pod traffic inside it is not masqueraded',
  )
  .option(
    '--manage-pod-routes',
    "keep a route to every other node's pod CIDR via its InternalIP (nodes on one L2 network)",
  )
  .option(
    '--cluster-dns <ips>',
    'cluster DNS servers for ClusterFirst pods (comma-separated)',
    ipList,
  )
  .option('--cluster-domain <domain>', 'cluster DNS domain', 'cluster.local')
  .option(
    '--address <ip>',
    'address of the HTTPS server for the API server (logs, exec, stats)',
    '0.0.0.0',
  )
  .option(
    '--port <port>',
    "port of that server, reported as the Node's kubelet endpoint (0: any free port)",
    port,
    10250,
  )
  .option(
    '--client-ca-file <file>',
    "CA whose client certificates may use that server (the API server's --kubelet-client-certificate); without it the server is off",
  )
  .option(
    '--tls-cert-file <file>',
    "that server's certificate (PEM); a self-signed one is made in <root-dir>/pki when absent",
  )
  .option('--tls-private-key-file <file>', "that server's key (PEM)")
  .option('--metrics-address <ip>', 'address for /metrics and /healthz', '0.0.0.0')
  .option('--metrics-port <port>', 'port for /metrics and /healthz (0: any free port)', port, 10255)
  .option('-v, --v <level>', 'log verbosity: 0 info, 4+ debug', '0')
  .addHelpText(
    'after',
    "\nFlags follow kubelet's names. SIGTERM stops the agent and leaves the pods' containers running; the next agent adopts them.",
  );

interface Flags {
  kubeconfig?: string;
  context?: string;
  server?: string;
  token?: string;
  certificateAuthority?: string;
  managePodRoutes?: boolean;
  nodeName?: string;
  runtimeEndpoint: string;
  nodeIp?: string;
  maxPods: number;
  cpu?: string;
  memory?: string;
  nodeLabels?: Record<string, string>;
  rootDir: string;
  podLogDir: string;
  cniConfDir?: string;
  cniBridge: string;
  podCidr?: string;
  clusterCidr?: string;
  clusterDns?: string[];
  clusterDomain: string;
  address: string;
  port: number;
  clientCaFile?: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  metricsAddress: string;
  metricsPort: number;
  v: string;
}

runMain('tug-agent', async (signal) => {
  program.parse();
  const o = program.opts<Flags>();
  const nodeName = (o.nodeName ?? hostname()).toLowerCase();
  const logger = newLogger({
    level: Number(o.v) >= 4 ? 'debug' : 'info',
    fields: { component: 'agent' },
  });
  if (!!o.server !== !!o.token) throw new UsageError('--server and --token go together');
  if (o.server && o.kubeconfig)
    throw new UsageError('give --kubeconfig or --server/--token, not both');
  const config: RestConfig = o.server
    ? {
        server: o.server,
        token: o.token!,
        ...(o.certificateAuthority ? { ca: readFileSync(o.certificateAuthority, 'utf8') } : {}),
      }
    : await loadKubeconfig({
        ...(o.kubeconfig ? { path: o.kubeconfig } : {}),
        ...(o.context ? { context: o.context } : {}),
      });
  const rest = new RestClient({ ...config, userAgent: `tug-agent/${nodeName}` }, { logger });
  await using _rest = rest;
  const hollow = o.runtimeEndpoint === 'fake://';
  if (!!o.tlsCertFile !== !!o.tlsPrivateKeyFile)
    throw new UsageError('--tls-cert-file and --tls-private-key-file go together');
  let runtime: AgentRuntime;
  let clients: ReturnType<typeof connectRuntime> | undefined;
  if (hollow) {
    runtime = new FakeRuntime({ allImagesPresent: true, recordCalls: false });
  } else {
    clients = connectRuntime(o.runtimeEndpoint);
    runtime = grpcRuntime(clients);
  }
  const close = (): void => clients?.close();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tug_agent_process_' });
  // The metrics server starts first; it asks the agent for health once there is one.
  const made: { agent?: NodeAgent } = {};
  await using http = await AgentHttpServer.listen({
    registry,
    healthy: async () => (made.agent ? made.agent.healthy() : false),
    host: o.metricsAddress,
    port: o.metricsPort,
    logger,
  });
  // The logs/exec/stats server starts before the agent, which reports its port on the Node.
  let server: AgentServer | undefined;
  let stats: StatsCollector | undefined;
  if (!o.clientCaFile || !clients) {
    logger.warn('logs/exec/stats server off', {
      why: clients ? 'no --client-ca-file' : 'hollow node',
    });
  } else {
    const streaming = grpcStreamingRuntime(clients, runtime.runtime);
    stats = new StatsCollector({
      nodeName,
      runtime: streaming,
      readHost: readHostSample,
      pod: (uid) => made.agent?.podByUid(uid),
      clock: realClock,
      logger,
    });
    server = await AgentServer.listen({
      host: o.address,
      port: o.port,
      tls: await servingCertificate({
        ...(o.tlsCertFile ? { certFile: o.tlsCertFile } : {}),
        ...(o.tlsPrivateKeyFile ? { keyFile: o.tlsPrivateKeyFile } : {}),
        certDir: join(resolve(o.rootDir), 'pki'),
        nodeName,
        nodeIP: o.nodeIp ?? defaultNodeIP(),
      }),
      clientCa: readFileSync(o.clientCaFile, 'utf8'),
      pods: (ns, name) => made.agent?.pod(ns, name),
      runtime: streaming,
      stats,
      logger,
    });
  }
  await using _server = server;
  const agent = new NodeAgent({
    nodeName,
    rest,
    runtime,
    rootDir: resolve(o.rootDir),
    podLogDir: resolve(o.podLogDir),
    maxPods: o.maxPods,
    ...(o.nodeIp ? { nodeIP: o.nodeIp } : {}),
    ...(o.cpu ? { cpu: o.cpu } : {}),
    ...(o.memory ? { memory: o.memory } : {}),
    ...(o.nodeLabels ? { nodeLabels: o.nodeLabels } : {}),
    ...(o.cniConfDir ? { cniConfDir: resolve(o.cniConfDir) } : {}),
    cniBridge: o.cniBridge,
    ...(o.podCidr ? { podCidr: o.podCidr } : {}),
    ...(o.clusterCidr ? { clusterCidr: o.clusterCidr } : {}),
    ...(o.managePodRoutes ? { managePodRoutes: true } : {}),
    ...(o.clusterDns ? { clusterDNS: o.clusterDns } : {}),
    clusterDomain: o.clusterDomain,
    ...(hollow ? { machine: HOLLOW_MACHINE } : {}),
    daemonPort: server?.port ?? 0,
    logger,
    registry,
  });
  made.agent = agent;
  try {
    logger.info('starting', {
      node: nodeName,
      runtime: o.runtimeEndpoint,
      metrics: `http://${o.metricsAddress}:${http.port}/metrics`,
      ...(server ? { server: `https://${o.address}:${server.port}` } : {}),
    });
    await Promise.all([agent.run(signal), stats?.run(signal)]);
  } finally {
    close();
  }
  logger.info('stopped');
});
