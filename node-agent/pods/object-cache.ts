import type { StoredConfigMap, StoredSecret } from '../../controlplane/api/types/index.js';
import type { Clock } from '../../lib/time.js';
import type { PodApi } from './api.js';

interface Entry<T> {
  at: number;
  value: Promise<T | undefined>;
}

/**
 * cachedObjects wraps a PodApi so that ConfigMap and Secret reads are served
 * from memory for `ttlMs` (kubelet's TTL-based object cache): pods sync
 * often, and each sync resolves env references and refreshes projected
 * volumes, which would otherwise read the same objects from the API server
 * again and again. Missing objects are cached too; a failed read is not.
 * Changes reach containers within `ttlMs`.
 */
export function cachedObjects(api: PodApi, clock: Clock, ttlMs = 10_000): PodApi {
  const cms = new Map<string, Entry<StoredConfigMap>>();
  const secrets = new Map<string, Entry<StoredSecret>>();
  const read = <T>(
    cache: Map<string, Entry<T>>,
    key: string,
    load: () => Promise<T | undefined>,
  ): Promise<T | undefined> => {
    const now = clock.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < ttlMs) return hit.value;
    const value = load();
    const entry = { at: now, value };
    cache.set(key, entry);
    value.catch(() => {
      if (cache.get(key) === entry) cache.delete(key);
    });
    if (cache.size > 4096) {
      for (const [k, e] of cache) if (now - e.at >= ttlMs) cache.delete(k);
    }
    return value;
  };
  return {
    patchPodStatus: (ns, name, patch, signal) => api.patchPodStatus(ns, name, patch, signal),
    deletePod: (ns, name, uid, signal) => api.deletePod(ns, name, uid, signal),
    // The signal is not passed on: a cached read may serve other callers.
    getConfigMap: (ns, name) => read(cms, `${ns}/${name}`, () => api.getConfigMap(ns, name)),
    getSecret: (ns, name) => read(secrets, `${ns}/${name}`, () => api.getSecret(ns, name)),
  };
}
