import {
  METRICS_GROUP,
  discoveryResources,
  findResource,
  type ResourceInfo,
} from '../../api/resources.js';

/** Verb is a request's Kubernetes verb. */
export type RequestVerb =
  'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** ResourceRoute is a request for a resource, an object, or one of its subresources. */
export interface ResourceRoute {
  kind: 'resource';
  info: ResourceInfo;
  verb: RequestVerb;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** OtherRoute is a request outside the resource tree. */
export interface OtherRoute {
  kind:
    | 'discovery-root'
    | 'discovery-group'
    | 'discovery-groupversion'
    | 'version'
    | 'openapi'
    | 'metrics'
    | 'metrics-api'
    | 'health';
  path: string;
  group?: string;
  version?: string;
}

/** NoRoute: nothing is served at this path (404), or a known resource with an unknown subresource. */
export interface NoRoute {
  kind: 'none';
  path: string;
}

export type Route = ResourceRoute | OtherRoute | NoRoute;

const healthPaths = /^\/(healthz|livez|readyz)(\/.*)?$/;

/**
 * route parses a request path and method into what is asked for, the way
 * kube-apiserver's RequestInfoFactory does: `/api/v1/namespaces/ns/pods/p/log`,
 * `/apis/apps/v1/deployments`, the legacy `/watch/` prefix, discovery paths.
 */
export function route(method: string, rawPath: string, query: URLSearchParams): Route {
  const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
  if (healthPaths.test(path)) return { kind: 'health', path };
  if (path === '/version') return { kind: 'version', path };
  if (path === '/metrics') return { kind: 'metrics', path };
  if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) return { kind: 'openapi', path };
  if (path === '/api' || path === '/apis') return { kind: 'discovery-root', path };
  const parts = path.split('/').slice(1).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 2) {
    group = parts[1]!;
    if (parts.length === 2) {
      return discoveryResources.some((r) => r.group === group)
        ? { kind: 'discovery-group', path, group }
        : { kind: 'none', path };
    }
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return { kind: 'none', path };
  }
  if (!discoveryResources.some((r) => r.group === group && r.version === version))
    return { kind: 'none', path };
  if (rest.length === 0) return { kind: 'discovery-groupversion', path, group, version };
  // metrics.k8s.io is computed, not stored: its own handler reads the rest of the path.
  if (group === METRICS_GROUP) return { kind: 'metrics-api', path, group, version };

  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // /namespaces/{ns}/{resource}… is namespaced; /namespaces/{name}[/status|/finalize] is the Namespace itself.
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    findResource(group, version, rest[2]!)?.namespaced
  ) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length > 0) return { kind: 'none', path };
  const info = findResource(group, version, resource);
  if (!info) return { kind: 'none', path };
  if (subresource && !info.subresources.some((s) => s.name === subresource)) {
    return { kind: 'none', path };
  }
  const verb = verbFor(method, name !== undefined, watchPrefix || isTrue(query.get('watch')));
  if (!verb) return { kind: 'none', path };
  return {
    kind: 'resource',
    info,
    verb,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function verbFor(method: string, hasName: boolean, watch: boolean): RequestVerb | undefined {
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (watch) return 'watch';
      return hasName ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}
