import { newBadRequest } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import type { ApiRegistry } from '../registry/api-registry.js';
import type { ApiObject } from '../registry/types.js';
import { endpointOf, type NodeEndpoint } from './kubelet-client.js';

const podsInfo = findResource('', 'v1', 'pods')!;
const nodesInfo = findResource('', 'v1', 'nodes')!;

interface PodShape {
  spec?: {
    nodeName?: string;
    containers?: { name: string }[];
    initContainers?: { name: string }[];
    ephemeralContainers?: { name: string }[];
  };
}

/**
 * chooseContainer picks the container a logs or exec request means, with
 * kube-apiserver's rules and messages: the one named (it must exist, init
 * and ephemeral containers included), else the only one; with several and
 * none named, a BadRequest listing them.
 */
export function chooseContainer(pod: ApiObject, container: string | null): string {
  const spec = (pod as PodShape).spec ?? {};
  const names = (l?: { name: string }[]): string[] => (l ?? []).map((c) => c.name);
  const name = pod.metadata.name;
  if (container) {
    const all = [
      ...names(spec.containers),
      ...names(spec.initContainers),
      ...names(spec.ephemeralContainers),
    ];
    if (!all.includes(container)) {
      throw newBadRequest(`container ${container} is not valid for pod ${name}`);
    }
    return container;
  }
  const containers = names(spec.containers);
  if (containers.length === 1) return containers[0]!;
  if (containers.length === 0) {
    throw newBadRequest(`a container name must be specified for pod ${name}`);
  }
  let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
  const init = names(spec.initContainers);
  if (init.length) msg += ` or one of the init containers: [${init.join(' ')}]`;
  throw newBadRequest(msg);
}

/** PodLocation is where a pod's container can be reached: the container and its node's agent. */
export interface PodLocation {
  pod: ApiObject;
  container: string;
  endpoint: NodeEndpoint;
}

/**
 * locatePod reads the pod (404 as usual when missing), picks the container
 * (chooseContainer), and finds its node's agent: 400 when the pod has no
 * node yet, 404 when the node is gone, 503 when the node serves no endpoint.
 */
export async function locatePod(
  registry: ApiRegistry,
  namespace: string,
  name: string,
  container: string | null,
): Promise<PodLocation> {
  const pod = await registry.storeFor(podsInfo).get(namespace, name);
  const chosen = chooseContainer(pod, container);
  const nodeName = (pod as PodShape).spec?.nodeName;
  if (!nodeName) throw newBadRequest(`pod ${name} does not have a host assigned`);
  const node = await registry.storeFor(nodesInfo).get(undefined, nodeName);
  return {
    pod,
    container: chosen,
    endpoint: endpointOf(node as Parameters<typeof endpointOf>[0]),
  };
}
