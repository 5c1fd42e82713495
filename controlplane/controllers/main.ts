import { Command } from 'commander';
import { loadKubeconfig, RestClient } from '../client/index.js';
import { newLogger } from '../../lib/log.js';
import { parseDuration, runMain, UsageError } from '../../lib/main.js';
import { defaultControllerManagerOptions } from './controller.js';
import {
  ControllerManager,
  defaultControllers,
  selectControllers,
  UnknownControllerError,
} from './manager/index.js';

const d = defaultControllerManagerOptions;
const seconds = (ms: number): string => `${ms / 1000}s`;

const program = new Command()
  .name('tug-controller-manager')
  .description(
    "Tugboat controller manager: runs the control plane's controllers (replicaset, deployment, " +
      'garbage collector, namespace, node IPAM, node lifecycle, taint eviction, pod GC).',
  )
  .option(
    '--kubeconfig <file>',
    'kubeconfig to reach the API server (default: $KUBECONFIG, ~/.kube/config)',
  )
  .option('--context <name>', 'kubeconfig context to use')
  .option(
    '--leader-elect [bool]',
    'run the controllers only while holding the Lease kube-system/kube-controller-manager',
    'true',
  )
  .option('--leader-elect-lease-duration <duration>', 'how long a lease is valid', '15s')
  .option(
    '--leader-elect-renew-deadline <duration>',
    'how long the leader keeps trying to renew',
    '10s',
  )
  .option(
    '--leader-elect-retry-period <duration>',
    'pause between attempts to acquire or renew',
    '2s',
  )
  .option('--leader-elect-resource-namespace <ns>', 'namespace of the lease', 'kube-system')
  .option('--leader-elect-resource-name <name>', 'name of the lease', 'kube-controller-manager')
  .option(
    '--controllers <list>',
    "controllers to run: '*' all, 'foo' enables foo, '-foo' disables foo " +
      `(known: ${defaultControllers.map((c) => c.name).join(', ')})`,
    '*',
  )
  .option('--cluster-cidr <cidr>', 'pod network, split into one range per node', d.clusterCidr)
  .option(
    '--node-cidr-mask-size <bits>',
    'prefix length of each node’s pod range',
    String(d.nodeCidrMaskSize),
  )
  .option(
    '--node-monitor-grace-period <duration>',
    'a node not heard from for this long is marked NotReady/Unknown',
    seconds(d.nodeMonitorGracePeriodMs),
  )
  .option(
    '--pod-eviction-timeout <duration>',
    'default toleration of not-ready/unreachable nodes before pods are evicted',
    seconds(d.podEvictionTimeoutMs),
  )
  .option(
    '--terminated-pod-gc-threshold <n>',
    'terminated pods kept before the oldest are deleted',
    String(d.terminatedPodGcThreshold),
  )
  .option('--concurrent-syncs <n>', 'workers per controller', String(d.workers))
  .option('--bind-address <ip>', 'address to serve /metrics and /healthz on', '0.0.0.0')
  .option(
    '--metrics-port <port>',
    'port for /metrics and /healthz (plain HTTP); 0 disables',
    '10257',
  )
  .option('-v, --v <level>', 'log verbosity: 0 info, 4+ debug', '0')
  .addHelpText(
    'after',
    "\nFlags follow kube-controller-manager's names. SIGTERM stops the controllers and releases the lease.",
  );

function int(name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`--${name}: expected an integer in [${min}, ${max}], got "${text}"`);
  }
  return n;
}

function bool(name: string, v: string | boolean): boolean {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new UsageError(`--${name}: expected true or false, got "${String(v)}"`);
}

runMain('tug-controller-manager', async (signal) => {
  program.parse();
  const o = program.opts<Record<string, string>>();
  const logger = newLogger({
    level: Number(o['v']) >= 4 ? 'debug' : 'info',
    fields: { component: 'controller-manager' },
  });
  let controllers;
  try {
    controllers = selectControllers(defaultControllers, o['controllers']!.split(','));
  } catch (e) {
    if (e instanceof UnknownControllerError) throw new UsageError(`--controllers: ${e.message}`);
    throw e;
  }
  const options = {
    clusterCidr: o['clusterCidr']!,
    nodeCidrMaskSize: int('node-cidr-mask-size', o['nodeCidrMaskSize']!, 1, 32),
    nodeMonitorGracePeriodMs: parseDuration(o['nodeMonitorGracePeriod']!),
    podEvictionTimeoutMs: parseDuration(o['podEvictionTimeout']!),
    terminatedPodGcThreshold: int('terminated-pod-gc-threshold', o['terminatedPodGcThreshold']!, 0),
    workers: int('concurrent-syncs', o['concurrentSyncs']!, 1, 1000),
  };
  const metricsPort = int('metrics-port', o['metricsPort']!, 0, 65535);
  const rest = new RestClient(
    {
      ...(await loadKubeconfig({
        ...(o['kubeconfig'] ? { path: o['kubeconfig'] } : {}),
        ...(o['context'] ? { context: o['context'] } : {}),
      })),
      userAgent: 'tug-controller-manager',
    },
    { logger },
  );
  const manager = new ControllerManager({
    rest,
    controllers,
    options,
    logger,
    ...(metricsPort > 0 ? { metrics: { host: o['bindAddress']!, port: metricsPort } } : {}),
    ...(bool('leader-elect', o['leaderElect']!)
      ? {
          leaderElection: {
            namespace: o['leaderElectResourceNamespace']!,
            name: o['leaderElectResourceName']!,
            leaseDurationMs: parseDuration(o['leaderElectLeaseDuration']!),
            renewDeadlineMs: parseDuration(o['leaderElectRenewDeadline']!),
            retryPeriodMs: parseDuration(o['leaderElectRetryPeriod']!),
          },
        }
      : {}),
  });
  try {
    await manager.run(signal);
  } finally {
    rest.close();
  }
  logger.info('stopped');
});
