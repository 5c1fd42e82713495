import { isConflict, isNotFound, type StatusError } from '../../api/errors.js';
import { trySelectorFromLabelSelector, type Selector } from '../../api/labels/index.js';
import type { OwnerReference } from '../../api/meta.js';
import { findResource } from '../../api/resources.js';
import type { Pod, ReplicaSet, StoredPod, StoredReplicaSet } from '../../api/types/index.js';
import {
  ControllerUidIndex,
  NamespaceIndex,
  objectKey,
  type EventRecorder,
  type SharedInformer,
  type WorkQueue,
} from '../../client/index.js';
import type { Logger } from '../../../lib/log.js';
import {
  newControllerQueue,
  runController,
  type Controller,
  type ControllerContext,
  type ControllerFactory,
} from '../controller.js';
import { apiReplicaSetClient, type ReplicaSetClient } from './client.js';
import { adoptPatch, canAdoptCheck, claimObjects, releasePatch } from './controller-ref.js';
import { Expectations } from './expectations.js';
import { controllerOf, isPodActive, isPodReady, newControllerRef } from './pod-utils.js';
import { podsToDelete } from './ranking.js';
import { slowStartBatch, slowStartInitialBatchSize } from './slow-start.js';
import { calculateStatus, compactStatus, statusUnchanged } from './status.js';

const replicaSetsInfo = findResource('apps', 'v1', 'replicasets')!;
const podsInfo = findResource('', 'v1', 'pods')!;

/** burstReplicas caps the pods created or deleted in one sync (Kubernetes' BurstReplicas). */
export const burstReplicas = 500;

/** ReplicaSetControllerOptions override what the controller otherwise takes from its context. */
export interface ReplicaSetControllerOptions {
  client?: ReplicaSetClient;
  replicaSets?: SharedInformer<StoredReplicaSet>;
  pods?: SharedInformer<StoredPod>;
  burstReplicas?: number;
}

const sameLabels = (a?: Record<string, string>, b?: Record<string, string>): boolean =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

const sameRef = (a?: OwnerReference, b?: OwnerReference): boolean =>
  a?.uid === b?.uid && a?.name === b?.name && a?.kind === b?.kind;

function isNamespaceTerminating(e: unknown): boolean {
  const causes = (e as Partial<StatusError> | undefined)?.status?.details?.causes ?? [];
  return causes.some((c) => c.reason === 'NamespaceTerminating');
}

const subject = (rs: StoredReplicaSet) => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: rs.metadata,
});

/**
 * ReplicaSetController keeps `spec.replicas` active pods for each
 * ReplicaSet (Kubernetes' pkg/controller/replicaset): it adopts orphan pods
 * its selector matches and releases owned pods that stopped matching;
 * creates missing pods from the template (named `<rs>-<5 random>`, owned
 * with controller=true) in slow-start batches; deletes surplus pods by
 * Kubernetes' ranking; and writes status counts through `/status`.
 * Expectations keep it from acting twice while its cache lags behind its
 * own writes. `reconcile` is public so tests can drive it directly.
 */
export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';
  readonly queue: WorkQueue<string>;
  readonly expectations: Expectations;
  private readonly client: ReplicaSetClient;
  private readonly rsInformer: SharedInformer<StoredReplicaSet>;
  private readonly podInformer: SharedInformer<StoredPod>;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  private readonly burst: number;

  constructor(
    private readonly ctx: ControllerContext,
    opts: ReplicaSetControllerOptions = {},
  ) {
    this.client = opts.client ?? apiReplicaSetClient(ctx.rest);
    this.rsInformer = opts.replicaSets ?? ctx.informers.informerFor<ReplicaSet>(replicaSetsInfo);
    this.podInformer = opts.pods ?? ctx.informers.informerFor<Pod>(podsInfo);
    this.recorder = ctx.recorder('replicaset-controller');
    this.log = ctx.logger.with({ controller: this.name });
    this.burst = opts.burstReplicas ?? burstReplicas;
    this.queue = newControllerQueue(ctx, this.name);
    this.expectations = new Expectations(ctx.clock);

    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.queue.add(objectKey(rs)),
      onUpdate: (old, cur) => {
        // Deleted and re-created under the same name: forget the old one's expectations.
        if (old.metadata.uid !== cur.metadata.uid) this.expectations.delete(objectKey(old));
        this.queue.add(objectKey(cur));
      },
      onDelete: (rs) => {
        this.expectations.delete(objectKey(rs));
        this.queue.add(objectKey(rs));
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (old, cur) => this.onPodUpdate(old, cur),
      onDelete: (pod) => this.onPodDelete(pod),
    });
  }

  /** run waits for the caches, then reconciles until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return runController(
      this.ctx,
      {
        name: this.name,
        queue: this.queue,
        reconcile: (key) => this.reconcile(key),
        informers: [this.rsInformer, this.podInformer],
      },
      signal,
    );
  }

  /**
   * reconcile syncs the ReplicaSet `namespace/name`: claim pods, create or
   * delete pods unless expectations are pending, write status. A missing
   * ReplicaSet only drops its expectations. It throws (to be retried) when
   * a claim, a pod write or the status write failed.
   */
  async reconcile(key: string): Promise<void> {
    const rs = this.rsInformer.indexer.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const selector = trySelectorFromLabelSelector(rs.spec?.selector);
    if (selector instanceof Error) {
      // A bad selector cannot be fixed by retrying; the next edit re-queues the RS.
      this.log.error('invalid selector; not syncing', { rs: key, err: selector });
      return;
    }
    const pods = await this.claimPods(rs, selector);

    let manageFailed = false;
    let manageError: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, pods);
      } catch (e) {
        manageFailed = true;
        manageError = e;
      }
    }
    const now = this.ctx.clock.now();
    const status = calculateStatus(rs, pods, manageFailed ? manageError : undefined, now);
    const updated = await this.writeStatus(rs, status);

    // Pods become available minReadySeconds after turning ready; check back then.
    const want = updated.spec?.replicas ?? 1;
    const minReady = updated.spec?.minReadySeconds ?? 0;
    if (
      !manageFailed &&
      minReady > 0 &&
      (updated.status?.readyReplicas ?? 0) === want &&
      (updated.status?.availableReplicas ?? 0) !== want
    ) {
      this.queue.addAfter(key, minReady * 1000);
    }
    if (manageFailed) throw manageError;
  }

  private async claimPods(rs: StoredReplicaSet, selector: Selector): Promise<StoredPod[]> {
    const ns = rs.metadata.namespace ?? '';
    const candidates = this.podInformer.indexer.byIndex(NamespaceIndex, ns).filter(isPodActive);
    const ref = newControllerRef(rs, 'apps/v1', 'ReplicaSet');
    return claimObjects(candidates, {
      owner: rs,
      selector,
      canAdopt: () =>
        canAdoptCheck(`ReplicaSet ${objectKey(rs)}`, rs.metadata.uid, () =>
          this.client.getReplicaSet(ns, rs.metadata.name),
        ),
      adopt: async (pod) => {
        await this.client.patchPod(ns, pod.metadata.name, adoptPatch(ref, pod.metadata.uid));
      },
      release: async (pod) => {
        await this.client.patchPod(
          ns,
          pod.metadata.name,
          releasePatch(rs.metadata.uid, pod.metadata.uid),
        );
      },
    });
  }

  private async manageReplicas(
    key: string,
    rs: StoredReplicaSet,
    pods: readonly StoredPod[],
  ): Promise<void> {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) {
      const count = Math.min(-diff, this.burst);
      // Expect before creating: a watch event may arrive before create() returns.
      this.expectations.expectCreations(key, count);
      this.log.debug('creating pods', { rs: key, count, want: rs.spec?.replicas });
      const res = await slowStartBatch(count, slowStartInitialBatchSize, () => this.createPod(rs));
      // Pods never created (failed or skipped) will never be observed.
      for (let i = res.successes; i < count; i++) this.expectations.creationObserved(key);
      if (res.error !== undefined) throw res.error;
      return;
    }
    if (diff > 0) {
      const count = Math.min(diff, this.burst);
      const victims = podsToDelete(pods, this.relatedPods(rs), count, this.ctx.clock.now());
      this.expectations.expectDeletions(key, victims.map(objectKey));
      this.log.debug('deleting pods', { rs: key, count, want: rs.spec?.replicas });
      const results = await Promise.allSettled(victims.map((p) => this.deletePod(rs, p)));
      const errors: unknown[] = [];
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') return;
        const victim = victims[i] as StoredPod;
        // The informer will never report this deletion: stop waiting for it.
        this.expectations.deletionObserved(key, objectKey(victim));
        if (!isNotFound(r.reason) && !isConflict(r.reason)) errors.push(r.reason);
      });
      if (errors.length > 0) throw errors[0];
    }
  }

  private async createPod(rs: StoredReplicaSet): Promise<void> {
    const ns = rs.metadata.namespace ?? 'default';
    const tpl = rs.spec?.template;
    const labels = tpl?.metadata?.labels ?? {};
    if (Object.keys(labels).length === 0) throw new Error('unable to create pods, no labels');
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: ns,
        labels: { ...labels },
        ownerReferences: [newControllerRef(rs, 'apps/v1', 'ReplicaSet')],
      },
      spec: structuredClone(tpl?.spec ?? { containers: [] }),
    };
    if (tpl?.metadata?.annotations) pod.metadata!.annotations = { ...tpl.metadata.annotations };
    if (tpl?.metadata?.finalizers) pod.metadata!.finalizers = [...tpl.metadata.finalizers];
    let created: StoredPod;
    try {
      created = await this.client.createPod(ns, pod);
    } catch (e) {
      // Every create fails in a terminating namespace; that is not news.
      if (isNamespaceTerminating(e)) return;
      const msg = e instanceof Error ? e.message : String(e);
      this.recorder.event(subject(rs), 'Warning', 'FailedCreate', `Error creating: ${msg}`);
      throw e;
    }
    this.recorder.event(
      subject(rs),
      'Normal',
      'SuccessfulCreate',
      `Created pod: ${created.metadata.name}`,
    );
  }

  private async deletePod(rs: StoredReplicaSet, pod: StoredPod): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    try {
      await this.client.deletePod(ns, pod.metadata.name, pod.metadata.uid);
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) {
        const msg = e instanceof Error ? e.message : String(e);
        this.recorder.event(subject(rs), 'Warning', 'FailedDelete', `Error deleting: ${msg}`);
      }
      throw e;
    }
    this.recorder.event(
      subject(rs),
      'Normal',
      'SuccessfulDelete',
      `Deleted pod: ${pod.metadata.name}`,
    );
  }

  // relatedPods are the pods of every ReplicaSet with the same controller (one Deployment's).
  private relatedPods(rs: StoredReplicaSet): StoredPod[] {
    const ref = controllerOf(rs);
    if (!ref) return [];
    const out = new Map<string, StoredPod>();
    for (const sibling of this.rsInformer.indexer.byIndex(ControllerUidIndex, ref.uid)) {
      for (const p of this.podInformer.indexer.byIndex(ControllerUidIndex, sibling.metadata.uid)) {
        out.set(objectKey(p), p);
      }
    }
    return [...out.values()];
  }

  private async writeStatus(
    rs: StoredReplicaSet,
    status: ReturnType<typeof calculateStatus>,
  ): Promise<StoredReplicaSet> {
    if (statusUnchanged(rs, status)) return rs;
    const next = compactStatus({ ...status, observedGeneration: rs.metadata.generation ?? 0 });
    try {
      return await this.client.updateReplicaSetStatus({ ...structuredClone(rs), status: next });
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
    // The cache was stale: write the same counts onto the current object once.
    const fresh = await this.client.getReplicaSet(rs.metadata.namespace ?? '', rs.metadata.name);
    return this.client.updateReplicaSetStatus({ ...fresh, status: next });
  }

  private resolve(
    namespace: string | undefined,
    ref: OwnerReference,
  ): StoredReplicaSet | undefined {
    if (ref.kind !== 'ReplicaSet' || !ref.apiVersion.startsWith('apps/')) return undefined;
    const rs = this.rsInformer.indexer.get(namespace ? `${namespace}/${ref.name}` : ref.name);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  // matchingReplicaSets are the ReplicaSets whose selector picks an orphan pod.
  private matchingReplicaSets(pod: StoredPod): StoredReplicaSet[] {
    const ns = pod.metadata.namespace ?? '';
    return this.rsInformer.indexer.byIndex(NamespaceIndex, ns).filter((rs) => {
      const sel = trySelectorFromLabelSelector(rs.spec?.selector);
      return !(sel instanceof Error) && !sel.empty() && sel.matches(pod.metadata.labels ?? {});
    });
  }

  private onPodAdd(pod: StoredPod): void {
    if (pod.metadata.deletionTimestamp) {
      // A restarted controller sees pods already being deleted: count them as deleted.
      this.onPodDelete(pod);
      return;
    }
    const ref = controllerOf(pod);
    if (ref) {
      const rs = this.resolve(pod.metadata.namespace, ref);
      if (!rs) return;
      const key = objectKey(rs);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    // An orphan: let every matching ReplicaSet consider adopting it.
    for (const rs of this.matchingReplicaSets(pod)) this.queue.add(objectKey(rs));
  }

  private onPodUpdate(old: StoredPod, cur: StoredPod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const labelsChanged = !sameLabels(old.metadata.labels, cur.metadata.labels);
    if (cur.metadata.deletionTimestamp) {
      // A graceful deletion started: replace the pod now, not when it is finally gone.
      this.onPodDelete(cur);
      if (labelsChanged) this.onPodDelete(old);
      return;
    }
    const curRef = controllerOf(cur);
    const oldRef = controllerOf(old);
    const refChanged = !sameRef(curRef, oldRef);
    if (refChanged && oldRef) {
      const rs = this.resolve(old.metadata.namespace, oldRef);
      if (rs) this.queue.add(objectKey(rs));
    }
    if (curRef) {
      const rs = this.resolve(cur.metadata.namespace, curRef);
      if (!rs) return;
      const key = objectKey(rs);
      this.queue.add(key);
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) {
        this.queue.addAfter(key, minReady * 1000 + 1000);
      }
      return;
    }
    if (labelsChanged || refChanged) {
      for (const rs of this.matchingReplicaSets(cur)) this.queue.add(objectKey(rs));
    }
  }

  private onPodDelete(pod: StoredPod): void {
    const ref = controllerOf(pod);
    if (!ref) return;
    const rs = this.resolve(pod.metadata.namespace, ref);
    if (!rs) return;
    const key = objectKey(rs);
    this.expectations.deletionObserved(key, objectKey(pod));
    this.queue.add(key);
  }
}

/** replicaSetControllerFactory is the ControllerFactory the manager runs as `replicaset`. */
export const replicaSetControllerFactory: ControllerFactory = (ctx) =>
  new ReplicaSetController(ctx);
