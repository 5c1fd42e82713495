import {
  isNotFound,
  newBadRequest,
  newMethodNotSupported,
  newUnsupportedMediaType,
} from '../../api/errors.js';
import type { KubeList } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import { listObjects } from '../registry/list.js';
import type { Store } from '../registry/store.js';
import type { ApiObject } from '../registry/types.js';
import { isObject, mediaType, readBody } from './body.js';
import { warningHeaders, type Ctx } from './context.js';
import type { PatchType } from './edge.js';
import { asApiObject, checkFields, checkResourceVersion, readJson, readObject } from './objects.js';
import { deleteOptions, dryRun, listOptions } from './options.js';
import { writeJson } from './respond.js';
import type { ResourceRoute } from './router.js';
import { handleSubresource } from './subresources.js';
import { partialList, partialMetadata, toTable, type IncludeObject } from './table.js';
import { handleWatch } from './watch-handler.js';

/** handleResource serves one request on a resource, object or subresource. */
export async function handleResource(c: Ctx, r: ResourceRoute): Promise<void> {
  const store = c.deps.registry.storeFor(r.info);
  if (r.info.namespaced && r.name !== undefined && r.namespace === undefined) {
    throw newBadRequest(`${r.info.resource} is namespaced: the path must name a namespace`);
  }
  if (r.subresource) return handleSubresource(c, r, store);
  switch (r.verb) {
    case 'get':
      return getObject(c, r, store);
    case 'list':
      return list(c, r, store);
    case 'watch':
      return handleWatch(c, r, store);
    case 'create':
      if (r.name !== undefined)
        throw newMethodNotSupported({ group: r.info.group, resource: r.info.resource }, 'create');
      return create(c, r, store);
    case 'update':
      return update(c, r, store);
    case 'patch':
      return patch(c, r, store);
    case 'delete':
      return remove(c, r, store);
    case 'deletecollection':
      return removeCollection(c, r, store);
  }
}

/** respondObject answers one object in the request's version (or as a Table, if asked). */
export function respondObject(c: Ctx, info: ResourceInfo, obj: ApiObject, code = 200): void {
  const out = c.deps.edge.fromStorage(info, obj);
  let body: object = out;
  if (c.accept.as === 'Table') {
    body = toTable(c.deps.edge.printer, info, [out], {
      includeObject: includeObject(c),
      now: c.deps.clock.now(),
    });
  } else if (c.accept.as === 'PartialObjectMetadata') {
    body = partialMetadata(out);
  }
  writeJson(c.res, code, body, warningHeaders(c));
}

function includeObject(c: Ctx): IncludeObject {
  const v = c.query.get('includeObject');
  if (v === null || v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw newBadRequest(
    `includeObject: Unsupported value: "${v}": supported values: "None", "Metadata", "Object"`,
  );
}

async function getObject(c: Ctx, r: ResourceRoute, store: Store): Promise<void> {
  const rv = c.query.get('resourceVersion') ?? undefined;
  const obj = await store.get(r.namespace, r.name!, rv ? { resourceVersion: rv } : {});
  respondObject(c, r.info, obj);
}

async function list(c: Ctx, r: ResourceRoute, store: Store): Promise<void> {
  const opts = listOptions(c.query);
  const selection = c.deps.edge.selection(
    r.info,
    store.strategy,
    opts.labelSelector,
    opts.fieldSelector,
  );
  const result = await listObjects(store, c.deps.storage, r.namespace, opts, selection);
  const items = result.items.map((o) => c.deps.edge.fromStorage(r.info, o));
  const converted: KubeList<ApiObject> = {
    ...result,
    apiVersion: r.info.group ? `${r.info.group}/${r.info.version}` : r.info.version,
    items,
  };
  let body: object = converted;
  if (c.accept.as === 'Table') {
    body = toTable(c.deps.edge.printer, r.info, items, {
      ...result.metadata,
      includeObject: includeObject(c),
      now: c.deps.clock.now(),
    });
  } else if (
    c.accept.as === 'PartialObjectMetadataList' ||
    c.accept.as === 'PartialObjectMetadata'
  ) {
    body = partialList(converted);
  }
  writeJson(c.res, 200, body);
}

async function create(c: Ctx, r: ResourceRoute, store: Store): Promise<void> {
  const obj = await readObject(c, r.info);
  const ns = obj.metadata.namespace;
  if (r.info.namespaced && ns !== undefined && ns !== '' && ns !== r.namespace) {
    throw newBadRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  if (r.info.namespaced && !r.namespace) {
    throw newBadRequest(
      `${r.info.resource} is namespaced: create it under /namespaces/{namespace}/`,
    );
  }
  const created = await store.create(r.namespace, obj, { dryRun: dryRun(c.query) });
  respondObject(c, r.info, created, 201);
}

async function update(c: Ctx, r: ResourceRoute, store: Store): Promise<void> {
  if (r.name === undefined)
    throw newMethodNotSupported({ group: r.info.group, resource: r.info.resource }, 'update');
  const obj = await readObject(c, r.info);
  const { obj: out, created } = await store.update(r.namespace, r.name, obj, {
    dryRun: dryRun(c.query),
  });
  respondObject(c, r.info, out, created ? 201 : 200);
}

const patchTypes: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
};

/** patchTypeOf reads the patch type from Content-Type (415 for anything else, e.g. server-side apply). */
export function patchTypeOf(c: Ctx): PatchType {
  const mt = mediaType(c.req.headers['content-type']);
  const t = patchTypes[mt];
  if (!t) throw newUnsupportedMediaType(mt || '(none)');
  return t;
}

/** readPatch reads a patch body: a JSON array for JSON patch, an object otherwise. */
export async function readPatch(c: Ctx, type: PatchType): Promise<unknown> {
  const raw = await readBody(c.req);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw newBadRequest(`the patch is not valid JSON: ${(e as Error).message}`);
  }
  if (type === 'json' ? !Array.isArray(body) : !isObject(body)) {
    throw newBadRequest(
      type === 'json'
        ? 'a JSON patch must be a JSON array of operations'
        : 'a merge patch must be a JSON object',
    );
  }
  return body;
}

/**
 * patchWith applies a patch to the request-version form of the current
 * object, checks the result like a decoded body, and converts it back.
 */
export function patchWith(c: Ctx, info: ResourceInfo, type: PatchType, body: unknown) {
  return (current: ApiObject): ApiObject => {
    const cur = c.deps.edge.fromStorage(info, current);
    const patched = asApiObject(info, c.deps.edge.applyPatch(info, type, cur, body));
    checkResourceVersion(info, cur, patched);
    checkFields(c, info, patched);
    return c.deps.edge.toStorage(info, patched);
  };
}

async function patch(c: Ctx, r: ResourceRoute, store: Store): Promise<void> {
  if (r.name === undefined)
    throw newMethodNotSupported({ group: r.info.group, resource: r.info.resource }, 'patch');
  const type = patchTypeOf(c);
  const body = await readPatch(c, type);
  const out = await store.guaranteedUpdate(r.namespace, r.name, patchWith(c, r.info, type, body), {
    dryRun: dryRun(c.query),
  });
  respondObject(c, r.info, out);
}

async function remove(c: Ctx, r: ResourceRoute, store: Store): Promise<void> {
  const opts = deleteOptions(c.query, await readJson(c, true));
  const { obj } = await store.delete(r.namespace, r.name!, opts);
  respondObject(c, r.info, obj);
}

async function removeCollection(c: Ctx, r: ResourceRoute, store: Store): Promise<void> {
  const opts = deleteOptions(c.query, await readJson(c, true));
  const lo = listOptions(c.query);
  const selection = c.deps.edge.selection(
    r.info,
    store.strategy,
    lo.labelSelector,
    lo.fieldSelector,
  );
  const all = await listObjects(store, c.deps.storage, r.namespace, { ...lo, limit: 0 }, selection);
  const items: ApiObject[] = [];
  for (const o of all.items) {
    try {
      items.push((await store.delete(o.metadata.namespace, o.metadata.name, opts)).obj);
    } catch (e) {
      // Gone already (someone else deleted it): nothing to do.
      if (!isNotFound(e)) throw e;
    }
  }
  writeJson(c.res, 200, {
    apiVersion: all.apiVersion,
    kind: all.kind,
    metadata: { resourceVersion: all.metadata.resourceVersion },
    items: items.map((o) => c.deps.edge.fromStorage(r.info, o)),
  });
}
