import { isGone, isNotFound } from '../../controlplane/api/errors.js';
import type { KubeList } from '../../controlplane/api/meta.js';
import { resolveName, resourcePath, type ResourceInfo } from '../../controlplane/api/resources.js';
import type { RestClient } from '../../controlplane/client/index.js';
import { CliError } from '../errors.js';
import type { Obj } from '../resources/fetch.js';
import { resolveType } from '../resources/resolve.js';
import { timeoutSignal } from '../resources/wait.js';
import { selectorForObject, type PodLike } from './pods.js';

/** podsInfo is the core pods resource (always served). */
export function podsInfo(): ResourceInfo {
  const info = resolveName('pods');
  if (!info) throw new TypeError('pods are not served');
  return info;
}

/** ObjectRef is what `POD` or `TYPE/NAME` names on the command line. */
export interface ObjectRef {
  info: ResourceInfo;
  name: string;
}

/**
 * parseObjectRef reads `NAME` (a pod) or `TYPE/NAME` (`deploy/web`,
 * `pod/web-1`); an unknown type is kubectl's `the server doesn't have a
 * resource type` error.
 */
export function parseObjectRef(arg: string): ObjectRef {
  const slash = arg.indexOf('/');
  if (slash < 0) return { info: podsInfo(), name: arg };
  const type = arg.slice(0, slash);
  const name = arg.slice(slash + 1);
  if (!type || !name || name.includes('/')) {
    throw new CliError('arguments in resource/name form must have a single resource and name');
  }
  return { info: resolveType(type), name };
}

/** isPods tells whether a resource is the core pods. */
export const isPods = (info: ResourceInfo): boolean =>
  info.group === '' && info.resource === 'pods';

/** getObject reads one namespaced object (errors as the server words them). */
export function getObject(
  client: RestClient,
  info: ResourceInfo,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<Obj> {
  return client.request<Obj>({
    path: resourcePath(info, { namespace: info.namespaced ? namespace : undefined, name }),
    ...(signal ? { signal } : {}),
  });
}

/** listPods lists a namespace's pods matching a label selector, in the server's (name) order. */
export async function listPods(
  client: RestClient,
  namespace: string,
  selector: string,
  signal?: AbortSignal,
): Promise<{ pods: PodLike[]; resourceVersion?: string }> {
  const list = await client.request<KubeList<PodLike>>({
    path: resourcePath(podsInfo(), { namespace }),
    query: { labelSelector: selector || undefined },
    ...(signal ? { signal } : {}),
  });
  const rv = list.metadata?.resourceVersion;
  return { pods: list.items ?? [], ...(rv ? { resourceVersion: rv } : {}) };
}

/** FirstPod is the pod chosen for a workload and how many it had. */
export interface FirstPod {
  pod: PodLike;
  count: number;
}

/**
 * firstPod is kubectl's GetFirstPod: the pods matching `selector`, sorted by
 * `order` (stable, so ties keep the server's name order), first one
 * returned. When there is none yet it watches until one appears, for at
 * most `timeoutMs`, then fails with `timed out waiting for the condition`.
 */
export async function firstPod(
  client: RestClient,
  namespace: string,
  selector: string,
  order: (a: PodLike, b: PodLike) => number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<FirstPod> {
  const deadline = timeoutSignal(signal, timeoutMs, 'timed out waiting for the condition');
  for (;;) {
    const { pods, resourceVersion } = await listPods(client, namespace, selector, deadline);
    if (pods.length > 0) return { pod: [...pods].sort(order)[0]!, count: pods.length };
    try {
      const events = client.watch<PodLike>(
        {
          path: resourcePath(podsInfo(), { namespace }),
          query: { watch: true, labelSelector: selector || undefined, resourceVersion },
          timeoutMs: 0,
        },
        deadline,
      );
      for await (const ev of events) {
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') return { pod: ev.object, count: 1 };
      }
    } catch (e) {
      if (!isGone(e)) throw e;
    }
    if (deadline.aborted) throw deadline.reason;
  }
}

/**
 * selectorOf reads the workload `ref` names and returns the label selector
 * of its pods; `verb` words the error for kinds without one, as kubectl
 * does (`cannot get the logs from`, `cannot attach to`).
 */
export async function selectorOf(
  client: RestClient,
  ref: ObjectRef,
  namespace: string,
  verb: string,
): Promise<string> {
  const obj = await getObject(client, ref.info, namespace, ref.name);
  return selectorForObject(ref.info, obj, verb);
}

/**
 * inNamespace rewords a NotFound the way kubectl's resource builder reports
 * a missing object for `logs`: `error from server (NotFound): pods "x" not
 * found in namespace "default"`. Other errors pass unchanged.
 */
export function inNamespace(e: unknown, namespace: string): unknown {
  if (!isNotFound(e)) return e;
  return new CliError(
    `error from server (NotFound): ${(e as Error).message} in namespace "${namespace}"`,
    { cause: e },
  );
}
