import { Command, InvalidArgumentError as CliArgumentError, Option } from 'commander';
import { isAbsolute, join, resolve } from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { newLogger, type Logger, type LogLevel } from '../lib/log.js';
import { defaultCgroupParent, Shim } from './core/shim.js';
import { LocalImageStore } from './images/index.js';
import { importFile } from './import-client.js';
import { MetricsServer } from './metrics/http.js';
import { ShimMetrics } from './metrics/metrics.js';
import { CniNetwork } from './network/index.js';
import { OciRuntime, type RuntimeName } from './oci/runtime.js';
import { ShimServer } from './server/server.js';
import { which } from './util/command.js';

/** DEFAULT_ADDRESS is where the shim listens and `import` connects by default. */
export const DEFAULT_ADDRESS = 'unix:///run/tug/shim.sock';

interface ServeOptions {
  listen: string;
  root: string;
  runtime: RuntimeName;
  cniConfDir: string;
  cniBinDir: string;
  metricsPort?: number;
  metricsAddress: string;
  cgroupParent?: string;
  conmon: string;
  logLevel: LogLevel;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CliArgumentError('must be a port number 0–65535');
  return n;
}

function absoluteDir(v: string): string {
  if (v === '') throw new CliArgumentError('must not be empty');
  return resolve(v);
}

/**
 * serve runs the shim until SIGTERM or SIGINT: cgroup detection and the
 * hybrid fix, state recovery, then gRPC on `listen` and (optionally)
 * /metrics. Containers keep running when it stops.
 */
async function serve(opts: ServeOptions, logger: Logger): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'tug-shim must run as root: it mounts root filesystems, creates namespaces and cgroups, and runs the OCI runtime',
    );
  }
  const stop = new AbortController();
  const onSignal = (sig: string): void => {
    logger.info('signal received; stopping (containers keep running)', { signal: sig });
    stop.abort();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));

  const root = opts.root;
  const runtime = new OciRuntime({
    name: opts.runtime,
    path: await which(opts.runtime),
    root: join(root, 'runtime'),
  });
  const images = new LocalImageStore({ root: join(root, 'images'), logger });
  const network = new CniNetwork({
    confDir: opts.cniConfDir,
    binDir: opts.cniBinDir,
    stateDir: join(root, 'network'),
    logger,
  });
  const shim = await Shim.open(
    {
      root,
      runtime,
      images,
      network,
      cgroupParent: opts.cgroupParent ?? defaultCgroupParent(root),
      conmonPath: await which(opts.conmon),
      logger,
    },
    stop.signal,
  );
  await using _shim = shim;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tug_shim_process_' });
  const metrics = new ShimMetrics(registry, shim.ctx.store);
  const server = new ShimServer({ shim, logger, metrics });
  await using _server = server;
  await server.listen(opts.listen);
  let metricsServer: MetricsServer | undefined;
  if (opts.metricsPort !== undefined) {
    metricsServer = await MetricsServer.listen({
      registry,
      ready: () => shim.isReady(),
      host: opts.metricsAddress,
      port: opts.metricsPort,
      logger,
    });
  }
  await using _metrics = metricsServer;
  logger.info('tug-shim serving', {
    listen: opts.listen,
    root,
    runtime: opts.runtime,
    metrics: metricsServer ? `${opts.metricsAddress}:${metricsServer.port}` : 'off',
  });
  if (!stop.signal.aborted) {
    await new Promise<void>((r) =>
      stop.signal.addEventListener('abort', () => r(), { once: true }),
    );
  }
}

/** buildCli returns the `tug-shim` command line (exported for tests of its parsing). */
export function buildCli(run: {
  serve: (o: ServeOptions) => Promise<void>;
  importArchive: (file: string, address: string) => Promise<void>;
}): Command {
  const program = new Command('tug-shim')
    .description(
      'Tugboat runtime shim: a CRI-shaped gRPC service (proto/runtime/v1/runtime.proto) that runs pods as real containers with crun or runc.',
    )
    .showHelpAfterError();
  program
    .command('serve', { isDefault: true })
    .description(
      'serve the RuntimeService and ImageService (the default command); must run as root',
    )
    .option('--listen <address>', 'gRPC address, unix:///path or host:port', DEFAULT_ADDRESS)
    .requiredOption(
      '--root <dir>',
      "the shim's state directory (images, containers, runtime state); one per shim",
      absoluteDir,
    )
    .addOption(
      new Option('--runtime <name>', 'OCI runtime').choices(['crun', 'runc']).default('crun'),
    )
    .option(
      '--cni-conf-dir <dir>',
      'CNI network configuration directory',
      absoluteDir,
      '/etc/cni/net.d',
    )
    .option('--cni-bin-dir <dir>', 'CNI plugin directory', absoluteDir, '/usr/lib/cni')
    .option(
      '--metrics-port <n>',
      'serve /metrics, /healthz, /readyz on this port (off when absent)',
      port,
    )
    .option('--metrics-address <ip>', 'address the metrics server binds', '127.0.0.1')
    .option('--cgroup-parent <path>', 'cgroup every pod goes under (default /tug-<hash of --root>)')
    .option('--conmon <path>', 'the conmon binary', 'conmon')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .action(async (o: ServeOptions) => {
      if (o.cgroupParent !== undefined && !isAbsolute(o.cgroupParent)) {
        throw new CliArgumentError(
          '--cgroup-parent must be an absolute cgroup path, like /tug-node1',
        );
      }
      await run.serve(o);
    });
  program
    .command('import')
    .description(
      'import a `docker save` or OCI image-layout archive (optionally gzipped) into a running shim',
    )
    .argument('<file>', 'the archive; - reads stdin')
    .option('--address <address>', "the shim's gRPC address", DEFAULT_ADDRESS)
    .action(async (file: string, o: { address: string }) => {
      await run.importArchive(file, o.address);
    });
  return program;
}

/** main is the entry point of bin/tug-shim. */
export async function main(argv: string[]): Promise<void> {
  const cli = buildCli({
    serve: (o) => serve(o, newLogger({ level: o.logLevel }).with({ component: 'tug-shim' })),
    importArchive: async (file, address) => {
      for (const img of await importFile(file, address)) {
        process.stdout.write(`${img.id} ${img.repoTags.join(' ')}\n`);
      }
    },
  });
  try {
    await cli.parseAsync(argv);
  } catch (e) {
    process.stderr.write(`tug-shim: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
