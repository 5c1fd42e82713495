import { newBadRequest, newConflict, newInvalid, newMethodNotSupported } from '../../api/errors.js';
import { fieldErrors } from '../../api/field-path.js';
import type { LabelSelector } from '../../api/meta.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import { handleLog } from '../proxy/log.js';
import { rfc3339 } from '../registry/codec.js';
import type { Store } from '../registry/store.js';
import type { ApiObject } from '../registry/types.js';
import { isObject } from './body.js';
import { warningHeaders, type Ctx } from './context.js';
import { asApiObject, checkResourceVersion, readJson, readObject } from './objects.js';
import { deleteOptions, dryRun } from './options.js';
import { patchTypeOf, patchWith, readPatch, respondObject } from './resource-handlers.js';
import { successStatus, writeJson } from './respond.js';
import type { ResourceRoute } from './router.js';

/** handleSubresource serves status, scale, binding, eviction, finalize and log (exec needs an upgrade). */
export async function handleSubresource(c: Ctx, r: ResourceRoute, store: Store): Promise<void> {
  const sub = r.subresource!;
  const name = r.name!;
  const gr = { group: r.info.group, resource: `${r.info.resource}/${sub}` };
  const allowed = r.info.subresources.find((s) => s.name === sub)?.verbs ?? [];
  if (!allowed.includes(r.verb as (typeof allowed)[number]))
    throw newMethodNotSupported(gr, r.verb);
  switch (sub) {
    case 'status':
      return status(c, r, store, name);
    case 'scale':
      return scale(c, r, store, name);
    case 'binding':
      return binding(c, r, store, name);
    case 'eviction':
      return eviction(c, r, store, name);
    case 'finalize':
      return finalize(c, r, store, name);
    case 'log':
      return handleLog(c, r, c.deps.kubelet);
    case 'exec':
      // Upgrade requests never get here (ApiServer's upgrade handler takes them).
      throw newBadRequest('Upgrade request required');
    default:
      throw newMethodNotSupported(gr, r.verb);
  }
}

async function status(c: Ctx, r: ResourceRoute, store: Store, name: string): Promise<void> {
  if (r.verb === 'get') {
    respondObject(c, r.info, await store.get(r.namespace, name));
    return;
  }
  const opts = { subresource: 'status', dryRun: dryRun(c.query) };
  if (r.verb === 'update') {
    const obj = await readObject(c, r.info);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw newBadRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const out = await store.guaranteedUpdate(r.namespace, name, () => obj, {
      ...opts,
      ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
    });
    respondObject(c, r.info, out);
    return;
  }
  const type = patchTypeOf(c);
  const body = await readPatch(c, type);
  respondObject(
    c,
    r.info,
    await store.guaranteedUpdate(r.namespace, name, patchWith(c, r.info, type, body), opts),
  );
}

const scaleInfo: ResourceInfo = {
  ...findResource('apps', 'v1', 'deployments')!,
  group: 'autoscaling',
  version: 'v1',
  resource: 'scale',
  kind: 'Scale',
  subresources: [],
};

interface ScaleObject {
  apiVersion: 'autoscaling/v1';
  kind: 'Scale';
  metadata: ApiObject['metadata'];
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

function toScale(c: Ctx, obj: ApiObject): ScaleObject {
  const spec = (obj['spec'] ?? {}) as { replicas?: number; selector?: LabelSelector };
  const st = (obj['status'] ?? {}) as { replicas?: number };
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      uid,
      resourceVersion,
      creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: st.replicas ?? 0, selector: c.deps.edge.selectorString(spec.selector) },
  };
}

async function scale(c: Ctx, r: ResourceRoute, store: Store, name: string): Promise<void> {
  if (r.verb === 'get') {
    writeJson(c.res, 200, toScale(c, await store.get(r.namespace, name)));
    return;
  }
  let proposed: (cur: ScaleObject) => unknown;
  if (r.verb === 'update') {
    const body = asApiObject(scaleInfo, await readJson(c));
    proposed = () => body;
  } else {
    const type = patchTypeOf(c);
    const body = await readPatch(c, type);
    proposed = (cur) => c.deps.edge.applyPatch(scaleInfo, type, cur, body);
  }
  const out = await store.guaranteedUpdate(
    r.namespace,
    name,
    (current) => {
      const next = proposed(toScale(c, current));
      if (!isObject(next)) throw newBadRequest('a Scale must be an object');
      const s = next as unknown as ScaleObject;
      checkResourceVersion(r.info, current, s);
      // An absent count is Go's zero value (protobuf and JSON encoders omit zeros).
      const replicas = s.spec?.replicas ?? 0;
      if (!Number.isInteger(replicas) || (replicas as number) < 0) {
        throw newInvalid({ group: 'autoscaling', kind: 'Scale' }, name, [
          fieldErrors.invalid('spec.replicas', replicas, 'must be greater than or equal to 0'),
        ]);
      }
      current['spec'] = { ...((current['spec'] as object) ?? {}), replicas };
      return current;
    },
    { subresource: 'scale', dryRun: dryRun(c.query) },
  );
  writeJson(c.res, 200, toScale(c, out), warningHeaders(c));
}

interface Condition {
  type: string;
  status: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

async function binding(c: Ctx, r: ResourceRoute, store: Store, name: string): Promise<void> {
  const body = await readJson(c);
  const b = body as {
    kind?: string;
    metadata?: { name?: string };
    target?: { kind?: string; name?: string };
  };
  if (!isObject(body) || (b.kind !== undefined && b.kind !== 'Binding')) {
    throw newBadRequest('the body must be a Binding');
  }
  if (b.metadata?.name !== undefined && b.metadata.name !== name) {
    throw newBadRequest(
      `the name of the object (${b.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  const node = b.target?.name;
  if (!node) {
    throw newInvalid({ group: '', kind: 'Binding' }, name, [fieldErrors.required('target.name')]);
  }
  if (b.target?.kind && b.target.kind !== 'Node') {
    throw newInvalid({ group: '', kind: 'Binding' }, name, [
      fieldErrors.notSupported('target.kind', b.target.kind, ['Node']),
    ]);
  }
  const gr = { group: '', resource: 'pods' };
  await store.guaranteedUpdate(
    r.namespace,
    name,
    (pod) => {
      const spec = (pod['spec'] ?? {}) as { nodeName?: string };
      if (pod.metadata.deletionTimestamp) {
        throw newConflict(gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
      }
      if (spec.nodeName) {
        throw newConflict(gr, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
      }
      pod['spec'] = { ...spec, nodeName: node };
      const st = (pod['status'] ?? {}) as { conditions?: Condition[] };
      const now = rfc3339(c.deps.clock.now());
      const conditions = (st.conditions ?? []).filter((x) => x.type !== 'PodScheduled');
      conditions.push({
        type: 'PodScheduled',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: now,
      });
      pod['status'] = { ...st, conditions };
      return pod;
    },
    { subresource: 'binding', dryRun: dryRun(c.query) },
  );
  writeJson(c.res, 201, successStatus(201));
}

async function eviction(c: Ctx, r: ResourceRoute, store: Store, name: string): Promise<void> {
  const body = await readJson(c);
  if (!isObject(body)) throw newBadRequest('the body must be an Eviction');
  const ev = body as { metadata?: { name?: string }; deleteOptions?: unknown };
  if (ev.metadata?.name !== undefined && ev.metadata.name !== name) {
    throw newBadRequest(
      `the name of the object (${ev.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  await store.delete(r.namespace, name, deleteOptions(c.query, ev.deleteOptions));
  writeJson(c.res, 201, successStatus(201));
}

async function finalize(c: Ctx, r: ResourceRoute, store: Store, name: string): Promise<void> {
  const obj = await readObject(c, r.info);
  const finalizers = ((obj['spec'] ?? {}) as { finalizers?: string[] }).finalizers ?? [];
  const out = await store.guaranteedUpdate(
    undefined,
    name,
    (ns) => {
      checkResourceVersion(r.info, ns, obj);
      ns['spec'] = { ...((ns['spec'] as object) ?? {}), finalizers };
      return ns;
    },
    { subresource: 'finalize', dryRun: dryRun(c.query) },
  );
  respondObject(c, r.info, out);
}
