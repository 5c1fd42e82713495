import { Command, InvalidArgumentError, Option } from 'commander';
import { loadKubeconfig, RestClient } from '../client/index.js';
import { newLogger } from '../../lib/log.js';
import { parseDuration, runMain } from '../../lib/main.js';
import { SchedulerApp, defaultLeaderElection } from './app.js';
import { HealthServer } from './http.js';
import { SchedulerMetrics } from './metrics.js';
import { DEFAULT_SCHEDULER_NAME } from './plugins/index.js';

function bool(v: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new InvalidArgumentError('must be true or false');
}

function duration(v: string): number {
  try {
    const ms = parseDuration(v);
    if (ms <= 0) throw new Error('not positive');
    return ms;
  } catch {
    throw new InvalidArgumentError('must be a positive duration such as 15s or 500ms');
  }
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('must be a port number 0–65535');
  }
  return n;
}

function durationOption(flags: string, description: string, ms: number): Option {
  return new Option(flags, description).argParser(duration).default(ms, `${ms / 1000}s`);
}

const le = defaultLeaderElection;
const program = new Command()
  .name('tug-scheduler')
  .description(
    'Tugboat scheduler: assigns pending pods to nodes (filter → score → bind), like kube-scheduler.',
  )
  .option(
    '--kubeconfig <file>',
    'kubeconfig to reach the API server (default: $KUBECONFIG, ~/.kube/config)',
  )
  .option('--context <name>', 'kubeconfig context to use (default: the current one)')
  .option(
    '--leader-elect [bool]',
    'compete for the leader lease; only the leader schedules',
    bool,
    true,
  )
  .addOption(
    durationOption(
      '--leader-elect-lease-duration <d>',
      'how long a lease is valid without renewal',
      le.leaseDurationMs,
    ),
  )
  .addOption(
    durationOption(
      '--leader-elect-renew-deadline <d>',
      'how long the leader retries renewing before it gives up',
      le.renewDeadlineMs,
    ),
  )
  .addOption(
    durationOption(
      '--leader-elect-retry-period <d>',
      'pause between attempts to acquire or renew',
      le.retryPeriodMs,
    ),
  )
  .option('--leader-elect-resource-namespace <ns>', 'namespace of the lease', le.resourceNamespace)
  .option('--leader-elect-resource-name <name>', 'name of the lease', le.resourceName)
  .option(
    '--scheduler-name <name>',
    'schedule the pods whose spec.schedulerName is this',
    DEFAULT_SCHEDULER_NAME,
  )
  .option('--bind-address <ip>', 'address for /metrics, /healthz and /readyz', '0.0.0.0')
  .option(
    '--metrics-port <port>',
    'port for /metrics, /healthz and /readyz (0: do not serve)',
    port,
    10259,
  )
  .option('-v, --v <level>', 'log verbosity: 0 info, 4+ debug', '0')
  .addHelpText(
    'after',
    "\nFlags follow kube-scheduler's names. Durations: 15s, 500ms, 1m. SIGTERM stops it cleanly and releases the lease.",
  );

interface Flags {
  kubeconfig?: string;
  context?: string;
  leaderElect: boolean;
  leaderElectLeaseDuration: number;
  leaderElectRenewDeadline: number;
  leaderElectRetryPeriod: number;
  leaderElectResourceNamespace: string;
  leaderElectResourceName: string;
  schedulerName: string;
  bindAddress: string;
  metricsPort: number;
  v: string;
}

runMain('tug-scheduler', async (signal) => {
  program.parse();
  const o = program.opts<Flags>();
  const logger = newLogger({
    level: Number(o.v) >= 4 ? 'debug' : 'info',
    fields: { component: 'scheduler' },
  });
  const config = await loadKubeconfig({
    ...(o.kubeconfig ? { path: o.kubeconfig } : {}),
    ...(o.context ? { context: o.context } : {}),
  });
  const rest = new RestClient({ ...config, userAgent: 'tug-scheduler' }, { logger });
  const metrics = new SchedulerMetrics({ processMetrics: true });
  const app = new SchedulerApp({
    rest,
    schedulerName: o.schedulerName,
    metrics,
    logger,
    leaderElection: {
      enabled: o.leaderElect,
      leaseDurationMs: o.leaderElectLeaseDuration,
      renewDeadlineMs: o.leaderElectRenewDeadline,
      retryPeriodMs: o.leaderElectRetryPeriod,
      resourceNamespace: o.leaderElectResourceNamespace,
      resourceName: o.leaderElectResourceName,
    },
  });
  await using _rest = rest;
  await using http =
    o.metricsPort > 0
      ? await HealthServer.listen({
          registry: metrics.registry,
          ready: () => app.ready(),
          host: o.bindAddress,
          port: o.metricsPort,
          logger,
        })
      : undefined;
  logger.info('starting', {
    identity: app.identity,
    leaderElect: o.leaderElect,
    ...(http ? { metrics: `http://${o.bindAddress}:${http.port}/metrics` } : {}),
  });
  await app.run(signal);
  logger.info('stopped');
});
