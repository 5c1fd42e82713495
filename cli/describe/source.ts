import { resolveName, type ResourceInfo } from '../../controlplane/api/resources.js';
import type { Obj } from '../resources/fetch.js';
import type { KubeEvent } from './writer.js';

/** ListQuery selects objects of one resource for a describer. */
export interface ListQuery {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * DescribeSource is what describers read besides the object itself:
 * related objects (a deployment's ReplicaSets, a node's pods, a service's
 * endpoints) and the time ages are measured at. The CLI backs it with the
 * API server; tests with fixtures.
 */
export interface DescribeSource {
  now(): number;
  list(info: ResourceInfo, q: ListQuery): Promise<Obj[]>;
  get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<Obj | undefined>;
}

/** Describer renders one object's describe page. */
export type Describer = (obj: Obj, src: DescribeSource) => Promise<string>;

/** resource returns a resource of the table by name; a describer asks only for served ones. */
export function resource(name: string): ResourceInfo {
  const r = resolveName(name);
  if (!r) throw new TypeError(`unknown resource ${name}`);
  return r;
}

/**
 * eventsFor lists the events about `obj` with the involvedObject field
 * selector kubectl uses (name, namespace, kind, uid). Failures give no
 * events: describe still prints the object.
 */
export async function eventsFor(obj: Obj, src: DescribeSource): Promise<KubeEvent[]> {
  const m = (obj.metadata ?? {}) as { name?: string; namespace?: string; uid?: string };
  const parts = [`involvedObject.name=${m.name ?? ''}`];
  if (m.namespace) parts.push(`involvedObject.namespace=${m.namespace}`);
  if (obj.kind) parts.push(`involvedObject.kind=${obj.kind}`);
  if (m.uid) parts.push(`involvedObject.uid=${m.uid}`);
  try {
    const q: ListQuery = { fieldSelector: parts.join(',') };
    if (m.namespace) q.namespace = m.namespace;
    return (await src.list(resource('events'), q)) as KubeEvent[];
  } catch {
    return [];
  }
}
