/**
 * The table of every resource the API server serves: group, version, plural,
 * kind, scope, short names, verbs and subresources. The API server's routing
 * and discovery, the client's paths and the CLI's kind names all read it, so a
 * resource is declared once, here.
 */

export type Verb =
  'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export type SubresourceName =
  'status' | 'scale' | 'binding' | 'eviction' | 'finalize' | 'log' | 'exec';

export interface SubresourceInfo {
  name: SubresourceName;
  /** kind answered by the subresource (Scale answers autoscaling/v1 Scale). */
  group: string;
  version: string;
  kind: string;
  verbs: Verb[];
}

export interface ResourceInfo {
  /** group is '' for the core group. */
  group: string;
  version: string;
  /** resource is the plural lower-case name used in paths. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: Verb[];
  subresources: SubresourceInfo[];
  /**
   * storageVersion is the version objects are kept in when the resource is
   * served at several versions (autoscaling/v1 HPAs are stored as v2).
   */
  storageVersion: string;
}

const allVerbs: Verb[] = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];
const statusVerbs: Verb[] = ['get', 'patch', 'update'];

function sub(
  name: SubresourceName,
  group: string,
  version: string,
  kind: string,
  verbs: Verb[],
): SubresourceInfo {
  return { name, group, version, kind, verbs };
}

function res(
  group: string,
  version: string,
  resource: string,
  kind: string,
  opts: {
    namespaced?: boolean;
    shortNames?: string[];
    categories?: string[];
    subresources?: SubresourceInfo[];
    storageVersion?: string;
    verbs?: Verb[];
  } = {},
): ResourceInfo {
  return {
    group,
    version,
    resource,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced: opts.namespaced ?? true,
    shortNames: opts.shortNames ?? [],
    categories: opts.categories ?? [],
    verbs: opts.verbs ?? allVerbs,
    subresources: opts.subresources ?? [],
    storageVersion: opts.storageVersion ?? version,
  };
}

const statusOf = (group: string, version: string, kind: string): SubresourceInfo =>
  sub('status', group, version, kind, statusVerbs);
const scale = sub('scale', 'autoscaling', 'v1', 'Scale', statusVerbs);

/** resources is every resource served, in discovery order. */
export const resources: readonly ResourceInfo[] = [
  res('', 'v1', 'namespaces', 'Namespace', {
    namespaced: false,
    shortNames: ['ns'],
    subresources: [
      statusOf('', 'v1', 'Namespace'),
      sub('finalize', '', 'v1', 'Namespace', ['update']),
    ],
  }),
  res('', 'v1', 'pods', 'Pod', {
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      statusOf('', 'v1', 'Pod'),
      sub('binding', '', 'v1', 'Binding', ['create']),
      sub('eviction', 'policy', 'v1', 'Eviction', ['create']),
      // Proxied to the pod's node agent, never stored (controlplane/apiserver/proxy).
      sub('log', '', 'v1', 'Pod', ['get']),
      sub('exec', '', 'v1', 'PodExecOptions', ['create', 'get']),
    ],
  }),
  res('', 'v1', 'nodes', 'Node', {
    namespaced: false,
    shortNames: ['no'],
    subresources: [statusOf('', 'v1', 'Node')],
  }),
  res('', 'v1', 'services', 'Service', {
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [statusOf('', 'v1', 'Service')],
  }),
  res('', 'v1', 'endpoints', 'Endpoints', { shortNames: ['ep'] }),
  res('', 'v1', 'configmaps', 'ConfigMap', { shortNames: ['cm'] }),
  res('', 'v1', 'secrets', 'Secret'),
  res('', 'v1', 'events', 'Event', { shortNames: ['ev'] }),
  res('apps', 'v1', 'deployments', 'Deployment', {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [statusOf('apps', 'v1', 'Deployment'), scale],
  }),
  res('apps', 'v1', 'replicasets', 'ReplicaSet', {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [statusOf('apps', 'v1', 'ReplicaSet'), scale],
  }),
  res('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', {
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: [statusOf('autoscaling', 'v2', 'HorizontalPodAutoscaler')],
  }),
  res('autoscaling', 'v1', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', {
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: [statusOf('autoscaling', 'v1', 'HorizontalPodAutoscaler')],
    storageVersion: 'v2',
  }),
  res('coordination.k8s.io', 'v1', 'leases', 'Lease'),
];

/** METRICS_GROUP is the group of the resource metrics API (`kubectl top`, autoscalers). */
export const METRICS_GROUP = 'metrics.k8s.io';

/**
 * metricsResources are served but never stored: the API server computes
 * them on request from the nodes' usage (controlplane/apiserver/metrics-api).
 * They are not in `resources`, which lists what has storage, watches and
 * deletions; discovery lists both (`discoveryResources`).
 */
export const metricsResources: readonly ResourceInfo[] = [
  res(METRICS_GROUP, 'v1beta1', 'nodes', 'NodeMetrics', {
    namespaced: false,
    verbs: ['get', 'list'],
  }),
  res(METRICS_GROUP, 'v1beta1', 'pods', 'PodMetrics', { verbs: ['get', 'list'] }),
];

/** discoveryResources is what discovery lists and routing accepts: stored resources, then metrics. */
export const discoveryResources: readonly ResourceInfo[] = [...resources, ...metricsResources];

/** GroupVersion is `apps/v1`, or `v1` for the core group. */
export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** parseApiVersion splits `apps/v1` into its group and version (`v1` → core). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** apiVersionOf is the apiVersion objects of `info` carry. */
export function apiVersionOf(info: ResourceInfo): string {
  return groupVersion(info.group, info.version);
}

/** findResource looks a resource up by group, version and plural name. */
export function findResource(
  group: string,
  version: string,
  resource: string,
): ResourceInfo | undefined {
  return resources.find(
    (r) => r.group === group && r.version === version && r.resource === resource,
  );
}

/** findByKind looks a resource up by the apiVersion and kind an object carries. */
export function findByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const { group, version } = parseApiVersion(apiVersion);
  return resources.find((r) => r.group === group && r.version === version && r.kind === kind);
}

/** preferredVersion is the first version listed for a group/resource (v2 for HPAs). */
export function preferredResource(group: string, resource: string): ResourceInfo | undefined {
  return resources.find((r) => r.group === group && r.resource === resource);
}

/**
 * resolveName finds a resource by what a person types: a plural (`pods`), a
 * singular (`pod`), a short name (`po`), a kind (`Pod`), each optionally with a
 * group (`deployments.apps`, `hpa.autoscaling`). The preferred version wins.
 */
export function resolveName(name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  const base = dot < 0 ? lower : lower.slice(0, dot);
  const group = dot < 0 ? undefined : lower.slice(dot + 1);
  return resources.find(
    (r) =>
      (group === undefined || r.group === group) &&
      (r.resource === base ||
        r.singular === base ||
        r.kind.toLowerCase() === base ||
        r.shortNames.includes(base)),
  );
}

/** PathParts names one place in the REST tree. */
export interface PathParts {
  namespace?: string;
  name?: string;
  subresource?: string;
}

/**
 * resourcePath is the REST path of a collection, object or subresource:
 * `/api/v1/namespaces/ns/pods/p/status`, `/apis/apps/v1/deployments`.
 * A namespaced resource without a namespace gives the all-namespaces path.
 */
export function resourcePath(info: ResourceInfo, parts: PathParts = {}): string {
  const prefix = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  let p = prefix;
  if (info.namespaced && parts.namespace) p += `/namespaces/${encodeURIComponent(parts.namespace)}`;
  p += `/${info.resource}`;
  if (parts.name !== undefined) {
    p += `/${encodeURIComponent(parts.name)}`;
    if (parts.subresource) p += `/${parts.subresource}`;
  }
  return p;
}
