import { isNotFound, reasonOf } from '../../api/errors.js';
import type { KubeObject, Stored } from '../../api/meta.js';
import { resources, type ResourceInfo } from '../../api/resources.js';
import type { RestClient } from '../../client/index.js';

/**
 * namespacedResources lists every namespaced resource once (the preferred
 * version of each group/resource): what a namespace's deletion must empty.
 */
export function namespacedResources(): ResourceInfo[] {
  const seen = new Set<string>();
  const out: ResourceInfo[] = [];
  for (const r of resources) {
    const gr = `${r.group}/${r.resource}`;
    if (!r.namespaced || seen.has(gr) || !r.verbs.includes('list')) continue;
    seen.add(gr);
    out.push(r);
  }
  return out;
}

/** ContentReport says what a sweep of a namespace left behind. */
export interface ContentReport {
  /** remaining counts objects still present, by resource (`pods`, `deployments.apps`). */
  remaining: Map<string, number>;
  /** finalizers counts remaining objects holding each finalizer. */
  finalizers: Map<string, number>;
  /** errors are the failures of this sweep, by resource. */
  errors: string[];
  /** estimateMs is how long graceful deletions still need (0 when none is pending). */
  estimateMs: number;
}

const grName = (r: ResourceInfo): string => (r.group ? `${r.resource}.${r.group}` : r.resource);

/**
 * deleteContent deletes everything in `namespace`, resource by resource
 * (Kubernetes' namespaced resources deleter): a list, and when it is not
 * empty a deletecollection (Background propagation; pods get their graceful
 * deletion) and a second list to see what is left. Failures are collected,
 * never thrown, so one broken resource does not stop the others.
 */
export async function deleteContent(
  rest: RestClient,
  namespace: string,
  now: number,
  signal?: AbortSignal,
): Promise<ContentReport> {
  const report: ContentReport = {
    remaining: new Map(),
    finalizers: new Map(),
    errors: [],
    estimateMs: 0,
  };
  for (const info of namespacedResources()) {
    const client = rest.resource<KubeObject>(info, namespace);
    try {
      let items = (await client.listAll({ signal })).items;
      if (items.length === 0) continue;
      if (info.verbs.includes('deletecollection')) {
        await client.deleteCollection({ propagationPolicy: 'Background', signal });
      } else {
        for (const o of items) await deleteOne(client, o, signal);
      }
      items = (await client.listAll({ signal })).items;
      if (items.length === 0) continue;
      report.remaining.set(grName(info), items.length);
      for (const o of items) {
        for (const f of o.metadata.finalizers ?? []) {
          report.finalizers.set(f, (report.finalizers.get(f) ?? 0) + 1);
        }
        report.estimateMs = Math.max(report.estimateMs, graceLeft(o, now));
      }
    } catch (e) {
      if (isNotFound(e) || reasonOf(e) === 'MethodNotAllowed') continue;
      if (signal?.aborted) throw e;
      report.errors.push(`${grName(info)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return report;
}

async function deleteOne(
  client: ReturnType<RestClient['resource']>,
  o: Stored<KubeObject>,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await client.delete(o.metadata.name, { propagationPolicy: 'Background', signal });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

// graceLeft is how long a graceful deletion in progress still has to run.
function graceLeft(o: Stored<KubeObject>, now: number): number {
  const ts = o.metadata.deletionTimestamp;
  if (!ts || (o.metadata.deletionGracePeriodSeconds ?? 0) <= 0) return 0;
  return Math.max(0, Date.parse(ts) - now);
}
