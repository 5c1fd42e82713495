import { METRICS_GROUP, findResource } from '../../api/resources.js';
import { newMethodNotSupported, newNotFound } from '../../api/errors.js';
import type {
  NodeMetrics,
  NodeMetricsList,
  PodMetrics,
  PodMetricsList,
  Summary,
} from '../../api/types/index.js';
import type { Ctx } from '../http/context.js';
import { writeJson } from '../http/respond.js';
import { endpointOf, type KubeletClient } from '../proxy/kubelet-client.js';
import { rfc3339 } from '../registry/codec.js';
import type { Store } from '../registry/store.js';
import type { ApiObject } from '../registry/types.js';
import { buildSelection } from '../selection.js';
import { nodeMetrics, podMetrics } from './convert.js';

const podsInfo = findResource('', 'v1', 'pods')!;
const nodesInfo = findResource('', 'v1', 'nodes')!;

/** MetricsRequest is a parsed metrics.k8s.io path. */
export type MetricsRequest =
  { resource: 'nodes'; name?: string } | { resource: 'pods'; namespace?: string; name?: string };

/** parseMetricsPath reads `/apis/metrics.k8s.io/v1beta1/…`; undefined when nothing is served there. */
export function parseMetricsPath(path: string): MetricsRequest | undefined {
  const prefix = `/apis/${METRICS_GROUP}/v1beta1/`;
  if (!path.startsWith(prefix)) return undefined;
  const p = path.slice(prefix.length).replace(/\/$/, '').split('/').map(decodeURIComponent);
  if (p[0] === 'nodes' && p.length <= 2)
    return { resource: 'nodes', ...(p[1] ? { name: p[1] } : {}) };
  if (p[0] === 'pods' && p.length === 1) return { resource: 'pods' };
  if (p[0] === 'namespaces' && p[1] && p[2] === 'pods' && p.length <= 4) {
    return { resource: 'pods', namespace: p[1], ...(p[3] ? { name: p[3] } : {}) };
  }
  return undefined;
}

const isReady = (n: ApiObject): boolean =>
  (
    (n['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ??
    []
  ).some((c) => c.type === 'Ready' && c.status === 'True');

async function cached(store: Store, namespace?: string): Promise<ApiObject[]> {
  await store.cache.waitReady();
  return store.cache.list(store.prefix(namespace)).items;
}

/**
 * summaries asks each node's agent for its Summary, in parallel, each
 * within the kubelet client's timeout; a node that fails is left out
 * (logged), as metrics-server leaves out nodes it can't scrape.
 */
async function summaries(
  c: Ctx,
  kubelet: KubeletClient,
  nodes: ApiObject[],
): Promise<Map<string, Summary>> {
  const out = new Map<string, Summary>();
  const signal = c.deps.signal;
  await Promise.all(
    nodes.map(async (n) => {
      try {
        const ep = endpointOf(n as Parameters<typeof endpointOf>[0]);
        out.set(n.metadata.name, await kubelet.getJson<Summary>(ep, '/stats/summary', signal));
      } catch (err) {
        c.deps.logger.debug('metrics: node skipped', { node: n.metadata.name, err });
      }
    }),
  );
  return out;
}

/**
 * handleMetricsApi serves metrics.k8s.io/v1beta1 — NodeMetrics at
 * `nodes[/NAME]`, PodMetrics at `pods` and `namespaces/NS/pods[/NAME]` —
 * computed on request from the Ready nodes' Summaries (only the nodes
 * running the pods asked about). Lists take label and field selectors
 * (matched on the Node or Pod objects); GET only.
 */
export async function handleMetricsApi(
  c: Ctx,
  path: string,
  kubelet: KubeletClient,
): Promise<void> {
  const r = parseMetricsPath(path);
  if (!r) {
    const e = newNotFound({ group: '', resource: '' }, '');
    e.status.message = 'the server could not find the requested resource';
    e.status.details = {};
    throw e;
  }
  const method = c.req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    throw newMethodNotSupported({ group: METRICS_GROUP, resource: r.resource }, method);
  }
  const now = rfc3339(c.deps.clock.now());
  const q = c.query;
  // Named as metrics-server names them in errors: podmetrics.metrics.k8s.io "x" not found.
  const gr = {
    group: METRICS_GROUP,
    resource: r.resource === 'nodes' ? 'nodemetrics' : 'podmetrics',
  };
  if (r.resource === 'nodes') {
    const store = c.deps.registry.storeFor(nodesInfo);
    const sel = buildSelection(
      nodesInfo,
      store.strategy,
      q.get('labelSelector') ?? undefined,
      q.get('fieldSelector') ?? undefined,
    );
    const nodes = (await cached(store)).filter(
      (n) => isReady(n) && (!r.name || n.metadata.name === r.name) && sel.matches(n),
    );
    const sums = await summaries(c, kubelet, nodes);
    const items = nodes
      .map((n) => {
        const s = sums.get(n.metadata.name);
        return s ? nodeMetrics(n, s, now) : undefined;
      })
      .filter((m): m is NodeMetrics => m !== undefined);
    if (r.name) {
      if (!items[0]) throw newNotFound(gr, r.name);
      return writeJson(c.res, 200, items[0]);
    }
    const list: NodeMetricsList = {
      apiVersion: 'metrics.k8s.io/v1beta1',
      kind: 'NodeMetricsList',
      metadata: {},
      items,
    };
    return writeJson(c.res, 200, list);
  }
  const store = c.deps.registry.storeFor(podsInfo);
  const sel = buildSelection(
    podsInfo,
    store.strategy,
    q.get('labelSelector') ?? undefined,
    q.get('fieldSelector') ?? undefined,
  );
  const pods = (await cached(store, r.namespace)).filter(
    (p) =>
      (!r.name || p.metadata.name === r.name) &&
      !!(p['spec'] as { nodeName?: string } | undefined)?.nodeName &&
      sel.matches(p),
  );
  const wanted = new Set(pods.map((p) => (p['spec'] as { nodeName: string }).nodeName));
  const nodes = (await cached(c.deps.registry.storeFor(nodesInfo))).filter(
    (n) => wanted.has(n.metadata.name) && isReady(n),
  );
  const sums = await summaries(c, kubelet, nodes);
  const byUid = new Map<string, Summary['pods'][number]>();
  for (const s of sums.values()) for (const p of s.pods) byUid.set(p.podRef.uid, p);
  const items = pods
    .map((p) => {
      const st = byUid.get(p.metadata.uid);
      return st ? podMetrics(p, st, now) : undefined;
    })
    .filter((m): m is PodMetrics => m !== undefined)
    .sort(
      (a, b) =>
        (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
        (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    );
  if (r.name) {
    if (!items[0]) throw newNotFound(gr, r.name);
    return writeJson(c.res, 200, items[0]);
  }
  const list: PodMetricsList = {
    apiVersion: 'metrics.k8s.io/v1beta1',
    kind: 'PodMetricsList',
    metadata: {},
    items,
  };
  return writeJson(c.res, 200, list);
}
