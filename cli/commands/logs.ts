import type { Command } from 'commander';
import { resourcePath } from '../../controlplane/api/resources.js';
import type { RestClient } from '../../controlplane/client/index.js';
import { parseDuration } from '../../lib/main.js';
import type { CommandEnv } from '../command-env.js';
import { CliError } from '../errors.js';
import {
  LineWriter,
  byLogging,
  defaultContainer,
  everyContainer,
  firstPod,
  getObject,
  hasContainer,
  inNamespace,
  isPods,
  listPods,
  logPrefix,
  parseObjectRef,
  podsInfo,
  selectorOf,
  type PodLike,
} from '../remote/index.js';

/** LogsFlags are `tug logs`' flags as commander hands them over. */
export interface LogsFlags {
  container?: string;
  follow?: boolean;
  tail: string;
  previous?: boolean;
  timestamps?: boolean;
  since?: string;
  sinceTime?: string;
  limitBytes?: string;
  allContainers?: boolean;
  allPods?: boolean;
  selector?: string;
  prefix?: boolean;
  maxLogRequests: string;
  podRunningTimeout: string;
}

/** LogsPlan is what `tug logs` will read, decided from the arguments alone. */
export interface LogsPlan {
  /** ref is `POD` or `TYPE/NAME`; selector is `-l`'s (one of the two is set). */
  ref?: string;
  selector?: string;
  container?: string;
  allContainers: boolean;
  allPods: boolean;
  prefix: boolean;
  follow: boolean;
  maxRequests: number;
  podTimeoutMs: number;
  /** query is PodLogOptions for every stream but `container`. */
  query: Record<string, string>;
}

const help = "See 'tug logs -h' for help and examples";
const usage =
  "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n" +
  'POD or TYPE/NAME is a required argument for the logs command\n' +
  help;

function integerFlag(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value.trim())) {
    throw new CliError(`invalid argument "${value}" for "--${flag}" flag: not an integer`);
  }
  return Number(value);
}

function durationFlag(flag: string, value: string): number {
  if (value.startsWith('-')) throw new CliError(`--${flag} must be greater than 0`);
  try {
    return parseDuration(value);
  } catch {
    throw new CliError(
      `invalid argument "${value}" for "--${flag}" flag: invalid duration "${value}"`,
    );
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * planLogs checks `tug logs`' arguments as kubectl does and with its
 * messages: `POD`, `TYPE/NAME` or `-l` (not both), an optional second
 * argument naming the container, --tail ≥ -1 (10 by default with a
 * selector), --since xor --since-time, no -c with --all-containers.
 */
export function planLogs(args: readonly string[], f: LogsFlags): LogsPlan {
  let ref: string | undefined;
  let container = f.container;
  switch (args.length) {
    case 0:
      if (!f.selector) throw new CliError(usage);
      break;
    case 1:
      ref = args[0];
      if (f.selector) throw new CliError(`only a selector (-l) or a POD name is allowed\n${help}`);
      break;
    case 2:
      ref = args[0];
      container = args[1];
      break;
    default:
      throw new CliError(usage);
  }
  let tail = integerFlag('tail', f.tail);
  const since = f.since !== undefined ? durationFlag('since', f.since) : 0;
  if (f.sinceTime && since !== 0) {
    throw new CliError('at most one of `sinceTime` or `sinceSeconds` may be specified');
  }
  if (container && f.allContainers) {
    throw new CliError(
      `--all-containers=true should not be specified with container name ${container}`,
    );
  }
  if (tail < -1) throw new CliError('--tail must be greater than or equal to -1');
  if (f.sinceTime && !(RFC3339.test(f.sinceTime) && !Number.isNaN(Date.parse(f.sinceTime)))) {
    throw new CliError(
      `parsing time "${f.sinceTime}": not an RFC 3339 time (like 2006-01-02T15:04:05Z)`,
    );
  }
  const maxRequests = integerFlag('max-log-requests', f.maxLogRequests);
  if (tail === -1 && f.selector && ref === undefined) tail = 10;
  const query: Record<string, string> = {};
  if (f.follow) query['follow'] = 'true';
  if (f.previous) query['previous'] = 'true';
  if (f.timestamps) query['timestamps'] = 'true';
  if (tail >= 0) query['tailLines'] = String(tail);
  // kubectl rounds to whole seconds; 400ms becomes 0, which the server refuses.
  if (since !== 0) query['sinceSeconds'] = String(Math.round(since / 1000));
  if (f.sinceTime) query['sinceTime'] = f.sinceTime;
  if (f.limitBytes !== undefined) {
    const n = integerFlag('limit-bytes', f.limitBytes);
    if (n > 0) query['limitBytes'] = String(n);
  }
  return {
    ...(ref !== undefined ? { ref } : {}),
    ...(f.selector ? { selector: f.selector } : {}),
    ...(container ? { container } : {}),
    allContainers: !!f.allContainers,
    allPods: !!f.allPods,
    // --all-pods reads several pods; kubectl then tags every line with its source.
    prefix: !!f.prefix || !!f.allPods,
    follow: !!f.follow,
    maxRequests,
    podTimeoutMs: durationFlag('pod-running-timeout', f.podRunningTimeout),
    query,
  };
}

/** LogSource is one container's log to read. */
export interface LogSource {
  namespace: string;
  pod: string;
  container: string;
}

/**
 * containersToRead picks the containers of one pod a plan reads: all of
 * them (--all-containers), the one named (it must exist: kubectl's
 * `container x is not valid for pod y`), or the default one (with
 * kubectl's notice, passed to `notice`).
 */
export function containersToRead(
  pod: PodLike,
  plan: Pick<LogsPlan, 'container' | 'allContainers'>,
  notice: (line: string) => void,
): string[] {
  const name = pod.metadata.name;
  if (plan.allContainers) return everyContainer(pod);
  if (plan.container) {
    if (!hasContainer(pod, plan.container)) {
      throw new CliError(`container ${plan.container} is not valid for pod ${name}`);
    }
    return [plan.container];
  }
  const d = defaultContainer(pod);
  if (d.notice) notice(d.notice);
  return [d.name];
}

async function podsToRead(
  env: CommandEnv,
  client: RestClient,
  namespace: string,
  plan: LogsPlan,
): Promise<PodLike[] | undefined> {
  if (plan.ref === undefined) {
    const { pods } = await listPods(client, namespace, plan.selector ?? '', env.io.signal);
    if (pods.length === 0) {
      env.err(`No resources found in ${namespace} namespace.\n`);
      return undefined;
    }
    return pods;
  }
  const ref = parseObjectRef(plan.ref);
  if (isPods(ref.info)) {
    try {
      return [(await getObject(client, ref.info, namespace, ref.name)) as PodLike];
    } catch (e) {
      throw inNamespace(e, namespace);
    }
  }
  let selector: string;
  try {
    selector = await selectorOf(client, ref, namespace, 'cannot get the logs from');
  } catch (e) {
    throw inNamespace(e, namespace);
  }
  if (plan.allPods) return (await listPods(client, namespace, selector, env.io.signal)).pods;
  const first = await firstPod(
    client,
    namespace,
    selector,
    byLogging,
    plan.podTimeoutMs,
    env.io.signal,
  );
  if (first.count > 1) env.err(`Found ${first.count} pods, using pod/${first.pod.metadata.name}\n`);
  return [first.pod];
}

/**
 * readLog copies one container's log to `out` as it arrives (until the
 * server ends it, or `signal` aborts, which ends it quietly).
 */
async function readLog(
  client: RestClient,
  src: LogSource,
  query: Record<string, string>,
  out: LineWriter,
  signal: AbortSignal,
): Promise<void> {
  let res;
  try {
    res = await client.stream({
      path: resourcePath(podsInfo(), {
        namespace: src.namespace,
        name: src.pod,
        subresource: 'log',
      }),
      query: { container: src.container, ...query },
      accept: 'text/plain, */*',
      signal,
    });
  } catch (e) {
    if (signal.aborted) return;
    throw e;
  }
  res.setEncoding('utf8');
  try {
    for await (const chunk of res as AsyncIterable<string>) out.write(chunk);
  } catch (e) {
    if (!signal.aborted) throw e;
  } finally {
    out.end();
    res.destroy();
  }
}

/**
 * registerLogs adds `tug logs (POD | TYPE/NAME | -l SELECTOR) [CONTAINER]`:
 * the containers' logs through the API server (`pods/NAME/log`), one
 * stream after another, or all at once with -f; Ctrl-C ends a follow.
 */
export function registerLogs(program: Command, env: CommandEnv): void {
  program
    .command('logs')
    .description('Print the logs for a container in a pod')
    .argument('[args...]', 'POD or TYPE/NAME, and optionally the container')
    .option('-c, --container <name>', 'the container to print the logs of')
    .option('-f, --follow', 'stream the logs until the container ends or Ctrl-C')
    .option('--tail <lines>', 'lines of recent log to show; -1 for all (10 with a selector)', '-1')
    .option('-p, --previous', "the previous instance's logs (the container before its restart)")
    .option('--timestamps', 'start each line with its RFC 3339 timestamp')
    .option('--since <duration>', 'only logs newer than this, like 5s, 2m or 3h')
    .option('--since-time <time>', 'only logs after this RFC 3339 time')
    .option('--limit-bytes <n>', 'stop after this many bytes')
    .option('--all-containers', "every container's logs")
    .option('--all-pods', 'every pod of TYPE/NAME, not just the first (implies --prefix)')
    .option('-l, --selector <selector>', 'the pods matching this label selector')
    .option('--prefix', 'start each line with its source, [pod/NAME/CONTAINER]')
    .option('--max-log-requests <n>', 'most streams followed at once with a selector', '5')
    .option(
      '--pod-running-timeout <duration>',
      'how long to wait for a pod of TYPE/NAME to exist',
      '20s',
    )
    .action(async (args: string[], f: LogsFlags, cmd: Command) => {
      const plan = planLogs(args, f);
      const ctx = env.context(cmd);
      const client = await ctx.client();
      const namespace = await ctx.namespace();
      const pods = await podsToRead(env, client, namespace, plan);
      if (!pods) return;
      const sources: LogSource[] = [];
      for (const pod of pods) {
        const containers = containersToRead(pod, plan, (l) => env.err(`${l}\n`));
        for (const container of containers) {
          sources.push({
            namespace: pod.metadata.namespace ?? namespace,
            pod: pod.metadata.name,
            container,
          });
        }
      }
      if (plan.follow && sources.length > plan.maxRequests) {
        throw new CliError(
          `you are attempting to follow ${sources.length} log streams, but maximum allowed concurrency is ${plan.maxRequests}, use --max-log-requests to increase the limit`,
        );
      }
      const writer = (s: LogSource): LineWriter =>
        new LineWriter(env.io.stdout, plan.prefix ? logPrefix(s.pod, s.container) : '');
      const signal = env.io.signal;
      if (plan.follow && sources.length > 1) {
        // One failure ends every stream, as kubectl's parallel follow does.
        const stop = new AbortController();
        const both = AbortSignal.any([signal, stop.signal]);
        await Promise.all(
          sources.map((s) =>
            readLog(client, s, plan.query, writer(s), both).catch((e: unknown) => {
              stop.abort(e);
              throw e;
            }),
          ),
        );
        return;
      }
      for (const s of sources) {
        if (signal.aborted) return;
        await readLog(client, s, plan.query, writer(s), signal);
      }
    });
}
