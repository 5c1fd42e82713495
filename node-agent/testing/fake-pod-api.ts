import { newNotFound } from '../../controlplane/api/errors.js';
import { applyStrategicMergePatch, patchMetaFor } from '../../controlplane/api/patch/index.js';
import type {
  ConfigMap,
  Pod,
  Secret,
  StoredConfigMap,
  StoredPod,
  StoredSecret,
} from '../../controlplane/api/types/index.js';
import type { PodApi } from '../pods/api.js';
import type { PodSource } from '../pods/pod-sync.js';

const podMeta = patchMetaFor('', 'Pod');
let rv = 1;

/** storedPod turns a test pod into a stored one (uid, resourceVersion, timestamps filled in). */
export function storedPod(pod: Pod): StoredPod {
  const md = pod.metadata ?? {};
  return {
    ...structuredClone(pod),
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: 'default',
      creationTimestamp: '2024-01-01T00:00:00Z',
      resourceVersion: String(rv++),
      ...md,
      name: md.name ?? 'pod',
      uid: md.uid ?? `uid-${md.name ?? 'pod'}`,
    },
  } as StoredPod;
}

/**
 * FakePodApi is an in-memory PodApi and PodSource for unit tests of the pod
 * workers: it holds pods (status patches are applied as the server would),
 * ConfigMaps and Secrets, and records every write.
 */
export class FakePodApi implements PodApi, PodSource {
  readonly pods = new Map<string, StoredPod>();
  readonly configMaps = new Map<string, StoredConfigMap>();
  readonly secrets = new Map<string, StoredSecret>();
  /** patches records status patches in order. */
  readonly patches: { name: string; patch: Record<string, unknown> }[] = [];
  /** deletes records the names deleted with grace 0. */
  readonly deletes: string[] = [];

  /** addPod stores a pod (by UID) and returns it. */
  addPod(pod: Pod | StoredPod): StoredPod {
    const p = storedPod(pod);
    this.pods.set(p.metadata.uid, p);
    return p;
  }

  /** pod returns the stored pod named `name`. */
  pod(name: string): StoredPod | undefined {
    return [...this.pods.values()].find((p) => p.metadata.name === name);
  }

  /** markDeleted sets deletionTimestamp and grace as the API server does on a graceful delete. */
  markDeleted(name: string, graceSeconds: number): void {
    const p = this.pod(name);
    if (!p) return;
    p.metadata.deletionTimestamp = '2024-01-01T00:01:00Z';
    p.metadata.deletionGracePeriodSeconds = graceSeconds;
  }

  addConfigMap(namespace: string, name: string, data: Record<string, string>): void {
    const cm: ConfigMap = { metadata: { name, namespace }, data };
    this.configMaps.set(`${namespace}/${name}`, cm as StoredConfigMap);
  }

  /** addSecret stores a Secret; values are given in clear text and stored base64. */
  addSecret(namespace: string, name: string, data: Record<string, string>): void {
    const enc = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    const s: Secret = { metadata: { name, namespace }, data: enc };
    this.secrets.set(`${namespace}/${name}`, s as StoredSecret);
  }

  byUid(uid: string): StoredPod | undefined {
    return this.pods.get(uid);
  }

  async patchPodStatus(
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
  ): Promise<StoredPod> {
    const p = [...this.pods.values()].find(
      (x) => x.metadata.name === name && x.metadata.namespace === namespace,
    );
    if (!p) throw newNotFound({ group: '', resource: 'pods' }, name);
    this.patches.push({ name, patch: structuredClone(patch) });
    const next = applyStrategicMergePatch(
      structuredClone(p),
      patch,
      podMeta,
    ) as unknown as StoredPod;
    p.status = next.status ?? {};
    p.metadata.resourceVersion = String(rv++);
    return structuredClone(p);
  }

  async deletePod(namespace: string, name: string, uid: string): Promise<void> {
    const p = this.pods.get(uid);
    if (p && p.metadata.name === name && p.metadata.namespace === namespace) {
      this.pods.delete(uid);
      this.deletes.push(name);
    }
  }

  async getConfigMap(namespace: string, name: string): Promise<StoredConfigMap | undefined> {
    return this.configMaps.get(`${namespace}/${name}`);
  }

  async getSecret(namespace: string, name: string): Promise<StoredSecret | undefined> {
    return this.secrets.get(`${namespace}/${name}`);
  }
}
