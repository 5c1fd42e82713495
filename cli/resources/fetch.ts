import { isNotFound } from '../../controlplane/api/errors.js';
import type { KubeList } from '../../controlplane/api/meta.js';
import { apiVersionOf, resourcePath, type ResourceInfo } from '../../controlplane/api/resources.js';
import type { Table } from '../../controlplane/api/types/index.js';
import type { QueryValue, RestClient } from '../../controlplane/client/index.js';

/** tableAccept asks for a server-side Table, falling back to plain JSON, as kubectl does. */
export const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/** Obj is a decoded API object. */
export type Obj = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
};

/** Scope says where and what to read: a namespace (none for all), selectors, names. */
export interface Scope {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** includeObject asks Table rows to carry whole objects (for --sort-by). */
  includeObject?: 'Object';
}

/** FetchResult holds what was read and the per-name failures (NotFound and others). */
export interface FetchResult<T> {
  value: T;
  errors: unknown[];
  /** resourceVersion of the list read, when a whole collection was read (to watch from). */
  resourceVersion?: string;
}

function ns(info: ResourceInfo, scope: Scope): string | undefined {
  return info.namespaced ? scope.namespace : undefined;
}

function listQuery(scope: Scope): Record<string, QueryValue> {
  return {
    labelSelector: scope.labelSelector || undefined,
    fieldSelector: scope.fieldSelector || undefined,
    includeObject: scope.includeObject,
  };
}

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Table';
}

/**
 * fetchTable reads a Table of `info`: the whole (selected) collection, or
 * one row per name (missing names become errors, the others still print).
 */
export async function fetchTable(
  client: RestClient,
  info: ResourceInfo,
  scope: Scope,
  names?: readonly string[],
  signal?: AbortSignal,
): Promise<FetchResult<Table>> {
  const call = signal ? { signal } : {};
  if (!names) {
    const t = await client.request<unknown>({
      ...call,
      path: resourcePath(info, { namespace: ns(info, scope) }),
      query: listQuery(scope),
      accept: tableAccept,
    });
    return { value: asTable(t, info), errors: [] };
  }
  const errors: unknown[] = [];
  let table: Table | undefined;
  for (const name of names) {
    try {
      const t = asTable(
        await client.request<unknown>({
          ...call,
          path: resourcePath(info, { namespace: ns(info, scope), name }),
          query: { includeObject: scope.includeObject },
          accept: tableAccept,
        }),
        info,
      );
      if (!table) table = t;
      else table.rows.push(...t.rows);
    } catch (e) {
      errors.push(e);
    }
  }
  return { value: table ?? emptyTable(), errors };
}

/** emptyTable is a Table without columns or rows. */
export function emptyTable(): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: [],
    rows: [],
  };
}

// asTable accepts a Table, or turns a plain object/list (a server without
// Table support) into NAME/AGE-less rows so that printing still works.
function asTable(v: unknown, info: ResourceInfo): Table {
  if (isTable(v)) {
    v.rows ??= [];
    v.columnDefinitions ??= [];
    return v;
  }
  const list = v as Partial<KubeList<Obj>> & Obj;
  const items = Array.isArray(list.items) ? list.items : [list];
  return {
    ...emptyTable(),
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: '', priority: 0 },
    ],
    rows: items.map((o) => ({
      cells: [String(o.metadata?.name ?? '')],
      object: { ...o, kind: o.kind ?? info.kind },
    })),
  };
}

/**
 * fetchObjects reads whole objects (for -o yaml|json|name|jsonpath): the
 * collection, or each name. List items get apiVersion and kind filled in.
 */
export async function fetchObjects(
  client: RestClient,
  info: ResourceInfo,
  scope: Scope,
  names?: readonly string[],
): Promise<FetchResult<Obj[]>> {
  if (!names) {
    const list = await client.request<KubeList<Obj>>({
      path: resourcePath(info, { namespace: ns(info, scope) }),
      query: listQuery(scope),
    });
    const items = (list.items ?? []).map((o) => ({
      ...o,
      apiVersion: o.apiVersion ?? apiVersionOf(info),
      kind: o.kind ?? info.kind,
    }));
    const rv = list.metadata?.resourceVersion;
    return { value: items, errors: [], ...(rv ? { resourceVersion: rv } : {}) };
  }
  const errors: unknown[] = [];
  const value: Obj[] = [];
  for (const name of names) {
    try {
      value.push(
        await client.request<Obj>({
          path: resourcePath(info, { namespace: ns(info, scope), name }),
        }),
      );
    } catch (e) {
      errors.push(e);
    }
  }
  return { value, errors };
}

/** getObject reads one object, or undefined when it does not exist. */
export async function getObject(
  client: RestClient,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
): Promise<Obj | undefined> {
  try {
    return await client.request<Obj>({
      path: resourcePath(info, { namespace: info.namespaced ? namespace : undefined, name }),
    });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
