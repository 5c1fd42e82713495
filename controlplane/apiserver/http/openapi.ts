import { createHash } from 'node:crypto';
import { groupVersion, resources } from '../../api/resources.js';

/** OpenApiSource gives the component schemas of one group/version (by definition name). */
export type OpenApiSource = (group: string, version: string) => Record<string, object>;

function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of resources)
    seen.set(groupVersion(r.group, r.version), { group: r.group, version: r.version });
  return [...seen.values()];
}

const pathOf = (group: string, version: string): string =>
  group ? `apis/${group}/${version}` : `api/${version}`;

/**
 * openApiIndex is `/openapi/v3`: one entry per group/version with a
 * content-hash URL, as kube-apiserver serves it (KUBECTL-COMPAT.md §3).
 */
export function openApiIndex(source: OpenApiSource): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of groupVersions()) {
    const p = pathOf(group, version);
    const hash = createHash('sha256')
      .update(JSON.stringify(openApiDoc(source, group, version)))
      .digest('hex')
      .slice(0, 32)
      .toUpperCase();
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}

/**
 * openApiDoc is the OpenAPI v3 document of one group/version: its component
 * schemas, each kind tagged with `x-kubernetes-group-version-kind`, and the
 * REST paths with their operations — PATCH ones carrying the
 * `fieldValidation` parameter, which tells kubectl to leave field
 * validation to the server.
 */
export function openApiDoc(source: OpenApiSource, group: string, version: string): object {
  const schemas = { ...source(group, version) };
  const paths: Record<string, object> = {};
  const fieldValidation = {
    name: 'fieldValidation',
    in: 'query',
    description: 'Ignore, Warn or Strict: what the server does with unknown or duplicate fields.',
    schema: { type: 'string', uniqueItems: true },
  };
  for (const r of resources.filter((x) => x.group === group && x.version === version)) {
    const gvk = { group, version, kind: r.kind };
    const name = defName(group, version, r.kind);
    const existing = (schemas[name] ?? { type: 'object' }) as Record<string, unknown>;
    schemas[name] = { ...existing, 'x-kubernetes-group-version-kind': [gvk] };
    const ref = { $ref: `#/components/schemas/${name}` };
    const content = { 'application/json': { schema: ref } };
    const base = `/${pathOf(group, version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
    const op = (verb: string, action: string, extra: object = {}): object => ({
      operationId: `${verb}${r.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      responses: { '200': { description: 'OK', content } },
      ...extra,
    });
    paths[base] = {
      get: op('list', 'list'),
      post: op('create', 'post', { parameters: [fieldValidation], requestBody: { content } }),
    };
    paths[`${base}/{name}`] = {
      get: op('read', 'get'),
      put: op('replace', 'put', { parameters: [fieldValidation], requestBody: { content } }),
      patch: op('patch', 'patch', {
        parameters: [fieldValidation],
        requestBody: {
          content: {
            'application/json-patch+json': { schema: { type: 'object' } },
            'application/merge-patch+json': { schema: { type: 'object' } },
            'application/strategic-merge-patch+json': { schema: { type: 'object' } },
          },
        },
      }),
      delete: op('delete', 'delete'),
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Tugboat', version: groupVersion(group, version) },
    paths,
    components: { schemas },
  };
}

/** defName is Kubernetes' OpenAPI definition name for a kind: `io.k8s.api.apps.v1.Deployment`. */
export function defName(group: string, version: string, kind: string): string {
  const g = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '');
  return `io.k8s.api.${g}.${version}.${kind}`;
}

/** findDoc resolves an `/openapi/v3/...` path to its group/version. */
export function findDoc(path: string): { group: string; version: string } | undefined {
  const rest = path.replace(/^\/openapi\/v3\/?/, '');
  return groupVersions().find(({ group, version }) => pathOf(group, version) === rest);
}
