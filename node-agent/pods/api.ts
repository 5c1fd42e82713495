import { isConflict, isNotFound } from '../../controlplane/api/errors.js';
import { findResource } from '../../controlplane/api/resources.js';
import type {
  ConfigMap,
  Pod,
  Secret,
  StoredConfigMap,
  StoredPod,
  StoredSecret,
} from '../../controlplane/api/types/index.js';
import type { RestClient } from '../../controlplane/client/index.js';

/**
 * PodApi is what the pod workers write to and read from the API server
 * besides the pod informer: pod status patches, the final delete, and the
 * ConfigMaps and Secrets pods refer to. Errors are the REST client's
 * (StatusError, ConnectionError). The REST implementation is
 * `restPodApi`; unit tests use FakePodApi.
 */
export interface PodApi {
  /**
   * patchPodStatus sends a strategic merge patch to `pods/NAME/status` and
   * resolves with the stored pod. The patch carries `metadata.uid`, so it
   * fails instead of touching a new pod of the same name.
   */
  patchPodStatus(
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<StoredPod>;
  /**
   * deletePod deletes the pod with grace period 0 and a UID precondition
   * (the last step of graceful deletion). A pod already gone, or replaced
   * by one with another UID, is success.
   */
  deletePod(namespace: string, name: string, uid: string, signal?: AbortSignal): Promise<void>;
  /** getConfigMap reads a ConfigMap; undefined when it does not exist. */
  getConfigMap(
    namespace: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<StoredConfigMap | undefined>;
  /** getSecret reads a Secret; undefined when it does not exist. */
  getSecret(
    namespace: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<StoredSecret | undefined>;
}

const podsInfo = findResource('', 'v1', 'pods')!;
const configMapsInfo = findResource('', 'v1', 'configmaps')!;
const secretsInfo = findResource('', 'v1', 'secrets')!;

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** restPodApi is the PodApi over the REST client. */
export function restPodApi(rest: RestClient): PodApi {
  const pods = rest.resource<Pod>(podsInfo);
  const configMaps = rest.resource<ConfigMap>(configMapsInfo);
  const secrets = rest.resource<Secret>(secretsInfo);
  const call = (signal?: AbortSignal) => (signal ? { signal } : {});
  return {
    patchPodStatus: (namespace, name, patch, signal) =>
      pods
        .namespace(namespace)
        .patch(name, 'strategic', patch, { subresource: 'status', ...call(signal) }),
    async deletePod(namespace, name, uid, signal) {
      try {
        await pods
          .namespace(namespace)
          .delete(name, { gracePeriodSeconds: 0, preconditions: { uid }, ...call(signal) });
      } catch (e) {
        // Conflict: the UID precondition failed, so our pod is gone already.
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    },
    getConfigMap: (namespace, name, signal) =>
      orUndefined(configMaps.namespace(namespace).get(name, call(signal))),
    getSecret: (namespace, name, signal) =>
      orUndefined(secrets.namespace(namespace).get(name, call(signal))),
  };
}
