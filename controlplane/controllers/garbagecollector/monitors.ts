import type { KubeObject, OwnerReference, Stored } from '../../api/meta.js';
import { parseApiVersion, resources, type ResourceInfo, type Verb } from '../../api/resources.js';
import {
  OwnerUidIndex,
  keyOf,
  objectKey,
  type InformerFactory,
  type SharedInformer,
} from '../../client/index.js';

/** GcObject is any cached object the collector looks at. */
export type GcObject = Stored<KubeObject>;

/** Monitor is one resource the collector watches: its informer over the shared factory. */
export interface Monitor {
  info: ResourceInfo;
  informer: SharedInformer<GcObject>;
  /** name is `resource` or `resource.group`, the prefix of this resource's queue keys. */
  name: string;
}

/**
 * Resources the collector never watches: events (many, short-lived, never
 * owners; Kubernetes ignores them too).
 */
const ignored = new Set(['/events']);

/**
 * monitoredResources lists the resources whose objects can be owners or
 * dependents: every served resource that can be listed, watched and deleted,
 * once per group/resource (its preferred version), except events.
 */
export function monitoredResources(): ResourceInfo[] {
  const seen = new Set<string>();
  const out: ResourceInfo[] = [];
  for (const r of resources) {
    const gr = `${r.group}/${r.resource}`;
    if (seen.has(gr) || ignored.has(gr)) continue;
    const needed: Verb[] = ['list', 'watch', 'delete'];
    if (!needed.every((v) => r.verbs.includes(v))) continue;
    seen.add(gr);
    out.push(r);
  }
  return out;
}

/**
 * Monitors holds the collector's informers and answers the graph's
 * questions from their caches: who depends on a uid (the owner-uid index
 * every informer keeps), where an owner reference points, and the queue key
 * of an object (`replicasets.apps:ns/name`, `nodes:name`).
 */
export class Monitors {
  private readonly byName = new Map<string, Monitor>();
  private readonly byGroupKind = new Map<string, Monitor>();

  constructor(factory: InformerFactory) {
    for (const info of monitoredResources()) {
      const name = info.group ? `${info.resource}.${info.group}` : info.resource;
      const m: Monitor = { info, name, informer: factory.informerFor<KubeObject>(info) };
      this.byName.set(name, m);
      this.byGroupKind.set(`${info.group}/${info.kind}`, m);
    }
  }

  /** all lists the monitors. */
  all(): Monitor[] {
    return [...this.byName.values()];
  }

  /** keyFor is the queue key of `obj` cached by `m`. */
  keyFor(m: Monitor, obj: GcObject): string {
    return `${m.name}:${objectKey(obj)}`;
  }

  /** resolve turns a queue key back into its monitor and cache key; undefined for a foreign key. */
  resolve(key: string): { monitor: Monitor; objKey: string } | undefined {
    const i = key.indexOf(':');
    const monitor = i > 0 ? this.byName.get(key.slice(0, i)) : undefined;
    return monitor ? { monitor, objKey: key.slice(i + 1) } : undefined;
  }

  /** ownerMonitor is the monitor of the resource an owner reference names (any version), if watched. */
  ownerMonitor(ref: OwnerReference): Monitor | undefined {
    const { group } = parseApiVersion(ref.apiVersion);
    return this.byGroupKind.get(`${group}/${ref.kind}`);
  }

  /**
   * ownerKey is the queue key and cache key of the owner `ref` names, for a
   * dependent in `namespace` (a namespaced owner lives in its dependent's
   * namespace); undefined when the owner's resource is not watched or a
   * cluster-scoped dependent names a namespaced owner (which cannot exist).
   */
  ownerKey(
    ref: OwnerReference,
    namespace: string | undefined,
  ): { monitor: Monitor; objKey: string; key: string } | undefined {
    const monitor = this.ownerMonitor(ref);
    if (!monitor) return undefined;
    if (monitor.info.namespaced && !namespace) return undefined;
    const objKey = keyOf(monitor.info.namespaced ? namespace : undefined, ref.name);
    return { monitor, objKey, key: `${monitor.name}:${objKey}` };
  }

  /** dependentsOf lists every cached object with an owner reference to `uid`. */
  dependentsOf(uid: string): { monitor: Monitor; obj: GcObject }[] {
    const out: { monitor: Monitor; obj: GcObject }[] = [];
    for (const monitor of this.byName.values()) {
      for (const obj of monitor.informer.indexer.byIndex(OwnerUidIndex, uid))
        out.push({ monitor, obj });
    }
    return out;
  }
}
