import type { Command } from 'commander';
import { isNotFound } from '../../controlplane/api/errors.js';
import type { KubeList } from '../../controlplane/api/meta.js';
import { METRICS_GROUP, resolveName, resourcePath } from '../../controlplane/api/resources.js';
import type {
  Node,
  NodeMetricsList,
  PodMetrics,
  PodMetricsList,
  ResourceList,
  NodeMetrics,
} from '../../controlplane/api/types/index.js';
import type { RestClient } from '../../controlplane/client/index.js';
import type { CommandEnv } from '../command-env.js';
import { CliError } from '../errors.js';
import { nodeMetricsTable, podMetricsTable, type TopSort } from '../printers/top.js';
import type { PodLike } from '../remote/index.js';
import { listPods } from '../remote/index.js';

const METRICS_BASE = `/apis/${METRICS_GROUP}/v1beta1`;

/** METRICS_DELAY is how long kubectl expects a new pod to go without metrics (metricsCreationDelay). */
const METRICS_DELAY_MS = 2 * 60_000;

interface TopCommonFlags {
  selector?: string;
  fieldSelector?: string;
  /** headers is false with --no-headers (commander's negated flag). */
  headers: boolean;
  sortBy?: string;
}

interface TopPodFlags extends TopCommonFlags {
  allNamespaces?: boolean;
  containers?: boolean;
  sum?: boolean;
}

interface TopNodeFlags extends TopCommonFlags {
  showCapacity?: boolean;
}

function sortFlag(v: string | undefined): TopSort | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === 'cpu' || v === 'memory') return v;
  throw new CliError('--sort-by accepts only cpu or memory');
}

/** requireMetricsApi fails with kubectl's words when the server does not serve metrics.k8s.io/v1beta1. */
async function requireMetricsApi(client: RestClient): Promise<void> {
  try {
    await client.request({ path: METRICS_BASE });
  } catch (e) {
    if (isNotFound(e)) throw new CliError('Metrics API not available', { cause: e });
    throw e;
  }
}

/** goAge renders a duration as Go's time.Duration prints it (`2m3.5s`, `1h0m0s`). */
export function goAge(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = ((ms % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, '');
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * explainNoPodMetrics is kubectl's verifyEmptyMetrics: with pods present
 * but no metrics, a pod older than the metrics delay is named (`Metrics not
 * available for pod NS/NAME, age: …`), else `metrics not available yet`;
 * with no pods at all, nothing is wrong (undefined).
 */
export function explainNoPodMetrics(pods: readonly PodLike[], nowMs: number): string | undefined {
  if (pods.length === 0) return undefined;
  for (const p of pods) {
    const created = Date.parse(p.metadata.creationTimestamp ?? '');
    const age = Number.isNaN(created) ? 0 : nowMs - created;
    if (age > METRICS_DELAY_MS) {
      return `Metrics not available for pod ${p.metadata.namespace ?? ''}/${p.metadata.name}, age: ${goAge(age)}`;
    }
  }
  return 'metrics not available yet';
}

async function topPods(
  env: CommandEnv,
  cmd: Command,
  name: string | undefined,
  f: TopPodFlags,
): Promise<void> {
  const sortBy = sortFlag(f.sortBy);
  if (name && f.selector) {
    throw new CliError('only one of NAME or --selector can be provided');
  }
  const ctx = env.context(cmd);
  const client = await ctx.client();
  const namespace = f.allNamespaces ? undefined : await ctx.namespace();
  await requireMetricsApi(client);
  const base = namespace
    ? `${METRICS_BASE}/namespaces/${encodeURIComponent(namespace)}/pods`
    : `${METRICS_BASE}/pods`;
  let items: PodMetrics[];
  if (name) {
    items = [await client.request<PodMetrics>({ path: `${base}/${encodeURIComponent(name)}` })];
  } else {
    const list = await client.request<PodMetricsList>({
      path: base,
      query: {
        labelSelector: f.selector || undefined,
        fieldSelector: f.fieldSelector || undefined,
      },
    });
    items = list.items ?? [];
  }
  if (items.length === 0) {
    const pods = await podsFor(client, namespace, f);
    const why = explainNoPodMetrics(pods, env.io.clock.now());
    if (why) throw new CliError(why);
    env.err(namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
    return;
  }
  env.out(
    podMetricsTable(
      items.map((m) => ({
        namespace: m.metadata.namespace ?? '',
        name: m.metadata.name ?? '',
        containers: m.containers ?? [],
      })),
      {
        allNamespaces: !!f.allNamespaces,
        containers: !!f.containers,
        noHeaders: !f.headers,
        sum: !!f.sum,
        ...(sortBy ? { sortBy } : {}),
      },
    ),
  );
}

async function podsFor(
  client: RestClient,
  namespace: string | undefined,
  f: TopPodFlags,
): Promise<PodLike[]> {
  if (namespace) return (await listPods(client, namespace, f.selector ?? '')).pods;
  const info = resolveName('pods')!;
  const list = await client.request<KubeList<PodLike>>({
    path: resourcePath(info, {}),
    query: { labelSelector: f.selector || undefined, fieldSelector: f.fieldSelector || undefined },
  });
  return list.items ?? [];
}

async function topNodes(
  env: CommandEnv,
  cmd: Command,
  name: string | undefined,
  f: TopNodeFlags,
): Promise<void> {
  const sortBy = sortFlag(f.sortBy);
  if (name && f.selector) {
    throw new CliError('only one of NAME or --selector can be provided');
  }
  const client = await env.context(cmd).client();
  await requireMetricsApi(client);
  let metrics: NodeMetrics[];
  if (name) {
    metrics = [
      await client.request<NodeMetrics>({
        path: `${METRICS_BASE}/nodes/${encodeURIComponent(name)}`,
      }),
    ];
  } else {
    const list = await client.request<NodeMetricsList>({
      path: `${METRICS_BASE}/nodes`,
      query: { labelSelector: f.selector || undefined },
    });
    metrics = list.items ?? [];
  }
  if (metrics.length === 0) throw new CliError('metrics not available yet');
  const nodesInfo = resolveName('nodes')!;
  const nodes = name
    ? [await client.request<Node>({ path: resourcePath(nodesInfo, { name }) })]
    : ((
        await client.request<KubeList<Node>>({
          path: resourcePath(nodesInfo, {}),
          query: { labelSelector: f.selector || undefined },
        })
      ).items ?? []);
  const available = new Map<string, ResourceList | undefined>();
  for (const n of nodes) {
    available.set(
      n.metadata?.name ?? '',
      f.showCapacity ? n.status?.capacity : n.status?.allocatable,
    );
  }
  env.out(
    nodeMetricsTable(
      metrics.map((m) => ({ name: m.metadata.name ?? '', usage: m.usage })),
      available,
      { noHeaders: !f.headers, ...(sortBy ? { sortBy } : {}) },
    ),
  );
}

/**
 * registerTop adds `tug top pod [NAME | -l SEL] [-A] [--containers]` and
 * `tug top node [NAME | -l SEL]`: CPU and memory use from the
 * metrics.k8s.io/v1beta1 API, printed as kubectl prints them.
 */
export function registerTop(program: Command, env: CommandEnv): void {
  const top = program
    .command('top')
    .description('Display resource (CPU/memory) usage of nodes or pods');
  top
    .command('pod')
    .aliases(['pods', 'po'])
    .description('Display resource (CPU/memory) usage of pods')
    .argument('[name]', 'one pod')
    .option('-A, --all-namespaces', 'pods of every namespace')
    .option('-l, --selector <selector>', 'pods matching this label selector')
    .option('--field-selector <selector>', 'pods matching this field selector')
    .option('--containers', 'one row per container')
    .option('--no-headers', "don't print the header row")
    .option('--sort-by <what>', 'biggest first by cpu or memory')
    .option('--sum', 'print the total under the rows')
    .action((name: string | undefined, f: TopPodFlags, cmd: Command) => topPods(env, cmd, name, f));
  top
    .command('node')
    .aliases(['nodes', 'no'])
    .description('Display resource (CPU/memory) usage of nodes')
    .argument('[name]', 'one node')
    .option('-l, --selector <selector>', 'nodes matching this label selector')
    .option('--no-headers', "don't print the header row")
    .option('--sort-by <what>', 'biggest first by cpu or memory')
    .option('--show-capacity', 'percentages of capacity rather than allocatable')
    .action((name: string | undefined, f: TopNodeFlags, cmd: Command) =>
      topNodes(env, cmd, name, f),
    );
}
