import { trySelectorFromLabelSelector, type Selector } from '../../api/labels/index.js';
import type { OwnerReference } from '../../api/meta.js';
import { findResource } from '../../api/resources.js';
import type {
  Deployment,
  Pod,
  ReplicaSet,
  StoredDeployment,
  StoredPod,
  StoredReplicaSet,
} from '../../api/types/index.js';
import {
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
import {
  adoptPatch,
  canAdoptCheck,
  claimObjects,
  controllerOf,
  newControllerRef,
  releasePatch,
} from '../replicaset/index.js';
import { apiDeploymentClient, type DeploymentClient } from './client.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';
import { DeploymentSync, type SyncDeps } from './sync.js';

const deploymentsInfo = findResource('apps', 'v1', 'deployments')!;
const replicaSetsInfo = findResource('apps', 'v1', 'replicasets')!;
const podsInfo = findResource('', 'v1', 'pods')!;

/** DeploymentControllerOptions override what the controller otherwise takes from its context. */
export interface DeploymentControllerOptions {
  client?: DeploymentClient;
  deployments?: SharedInformer<StoredDeployment>;
  replicaSets?: SharedInformer<StoredReplicaSet>;
  pods?: SharedInformer<StoredPod>;
}

const sameRef = (a?: OwnerReference, b?: OwnerReference): boolean =>
  a?.uid === b?.uid && a?.name === b?.name && a?.kind === b?.kind;

const sameLabels = (a?: Record<string, string>, b?: Record<string, string>): boolean =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

/**
 * DeploymentController rolls Deployments out through ReplicaSets
 * (Kubernetes' pkg/controller/deployment): one ReplicaSet per pod template,
 * named `<deployment>-<pod-template-hash>`; RollingUpdate within
 * maxSurge/maxUnavailable, or Recreate; proportional scaling mid-rollout;
 * paused Deployments only scale; revisions and history (a template equal
 * to an old ReplicaSet's — what `kubectl rollout undo` writes — revives
 * that ReplicaSet under a new revision); old ReplicaSets beyond
 * revisionHistoryLimit are deleted; status counts and the Available and
 * Progressing conditions (with progressDeadlineSeconds) are what
 * `kubectl rollout status` reads. `reconcile` is public for tests.
 */
export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly queue: WorkQueue<string>;
  private readonly client: DeploymentClient;
  private readonly dInformer: SharedInformer<StoredDeployment>;
  private readonly rsInformer: SharedInformer<StoredReplicaSet>;
  private readonly podInformer: SharedInformer<StoredPod>;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;

  constructor(
    private readonly ctx: ControllerContext,
    opts: DeploymentControllerOptions = {},
  ) {
    this.client = opts.client ?? apiDeploymentClient(ctx.rest);
    this.dInformer = opts.deployments ?? ctx.informers.informerFor<Deployment>(deploymentsInfo);
    this.rsInformer = opts.replicaSets ?? ctx.informers.informerFor<ReplicaSet>(replicaSetsInfo);
    this.podInformer = opts.pods ?? ctx.informers.informerFor<Pod>(podsInfo);
    this.recorder = ctx.recorder('deployment-controller');
    this.log = ctx.logger.with({ controller: this.name });
    this.queue = newControllerQueue(ctx, this.name);

    const enqueue = (d: StoredDeployment): void => this.queue.add(objectKey(d));
    this.dInformer.addEventHandler({
      onAdd: enqueue,
      onUpdate: (_old, cur) => enqueue(cur),
      onDelete: enqueue,
    });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.onReplicaSetAdd(rs),
      onUpdate: (old, cur) => this.onReplicaSetUpdate(old, cur),
      onDelete: (rs) => this.enqueueOwner(rs),
    });
    this.podInformer.addEventHandler({ onDelete: (pod) => this.onPodDelete(pod) });
  }

  /** run waits for the caches, then reconciles until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return runController(
      this.ctx,
      {
        name: this.name,
        queue: this.queue,
        reconcile: (key) => this.reconcile(key),
        informers: [this.dInformer, this.rsInformer, this.podInformer],
      },
      signal,
    );
  }

  /**
   * reconcile takes one step for the Deployment `namespace/name`: claim
   * its ReplicaSets, then status only (being deleted), scale only (paused,
   * or spec.replicas changed), or a rollout step of its strategy. It throws
   * (to be retried) when a write failed.
   */
  async reconcile(key: string): Promise<void> {
    const cached = this.dInformer.indexer.get(key);
    if (!cached) return;
    const d = structuredClone(cached);
    const selector = trySelectorFromLabelSelector(d.spec?.selector);
    if (selector instanceof Error) {
      this.log.error('invalid selector; not syncing', { deployment: key, err: selector });
      return;
    }
    if (selector.empty()) {
      this.recorder.event(
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: d.metadata },
        'Warning',
        'SelectingAll',
        'This deployment is selecting all pods. A non-empty selector is required.',
      );
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status = { ...d.status, observedGeneration: d.metadata.generation ?? 0 };
        await this.client.updateDeploymentStatus(d);
      }
      return;
    }
    const rsList = (await this.claimReplicaSets(d, selector)).map((rs) => structuredClone(rs));
    const s = new DeploymentSync(this.syncDeps(), d, rsList, this.podMap(d, selector, rsList));

    if (d.metadata.deletionTimestamp) return s.syncStatusOnly();
    await s.checkPausedConditions();
    if (d.spec?.paused) return s.sync();
    if (await s.isScalingEvent()) return s.sync();
    const strategy = d.spec?.strategy?.type ?? 'RollingUpdate';
    if (strategy === 'Recreate') return rolloutRecreate(s);
    if (strategy === 'RollingUpdate') return rolloutRolling(s);
    this.log.error('unexpected deployment strategy type', { deployment: key, strategy });
  }

  private syncDeps(): SyncDeps {
    return {
      client: this.client,
      recorder: this.recorder,
      clock: this.ctx.clock,
      log: this.log,
      lookupReplicaSet: (ns, name) => this.rsInformer.indexer.get(`${ns}/${name}`),
      enqueueAfter: (key, ms) => this.queue.addAfter(key, ms),
      enqueueRateLimited: (key) => this.queue.addRateLimited(key),
    };
  }

  private claimReplicaSets(d: StoredDeployment, selector: Selector): Promise<StoredReplicaSet[]> {
    const ns = d.metadata.namespace ?? '';
    const ref = newControllerRef(d, 'apps/v1', 'Deployment');
    return claimObjects(this.rsInformer.indexer.byIndex(NamespaceIndex, ns), {
      owner: d,
      selector,
      canAdopt: () =>
        canAdoptCheck(`Deployment ${objectKey(d)}`, d.metadata.uid, () =>
          this.client.getDeployment(ns, d.metadata.name),
        ),
      adopt: (rs) =>
        this.client.patchReplicaSet(ns, rs.metadata.name, adoptPatch(ref, rs.metadata.uid)),
      release: async (rs) => {
        await this.client.patchReplicaSet(
          ns,
          rs.metadata.name,
          releasePatch(d.metadata.uid, rs.metadata.uid),
        );
      },
    });
  }

  // podMap groups the Deployment's pods by the uid of their ReplicaSet.
  private podMap(
    d: StoredDeployment,
    selector: Selector,
    rsList: readonly StoredReplicaSet[],
  ): Map<string, StoredPod[]> {
    const map = new Map<string, StoredPod[]>(rsList.map((rs) => [rs.metadata.uid, []]));
    for (const p of this.podInformer.indexer.byIndex(NamespaceIndex, d.metadata.namespace ?? '')) {
      if (!selector.matches(p.metadata.labels ?? {})) continue;
      const ref = controllerOf(p);
      if (ref) map.get(ref.uid)?.push(p);
    }
    return map;
  }

  private resolve(
    namespace: string | undefined,
    ref: OwnerReference,
  ): StoredDeployment | undefined {
    if (ref.kind !== 'Deployment' || !ref.apiVersion.startsWith('apps/')) return undefined;
    const d = this.dInformer.indexer.get(namespace ? `${namespace}/${ref.name}` : ref.name);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  private enqueueOwner(rs: StoredReplicaSet): void {
    const ref = controllerOf(rs);
    const d = ref && this.resolve(rs.metadata.namespace, ref);
    if (d) this.queue.add(objectKey(d));
  }

  // matchingDeployments are the Deployments whose selector picks an orphan ReplicaSet.
  private matchingDeployments(rs: StoredReplicaSet): StoredDeployment[] {
    return this.dInformer.indexer
      .byIndex(NamespaceIndex, rs.metadata.namespace ?? '')
      .filter((d) => {
        const sel = trySelectorFromLabelSelector(d.spec?.selector);
        return !(sel instanceof Error) && !sel.empty() && sel.matches(rs.metadata.labels ?? {});
      });
  }

  private onReplicaSetAdd(rs: StoredReplicaSet): void {
    if (controllerOf(rs)) {
      this.enqueueOwner(rs);
      return;
    }
    for (const d of this.matchingDeployments(rs)) this.queue.add(objectKey(d));
  }

  private onReplicaSetUpdate(old: StoredReplicaSet, cur: StoredReplicaSet): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const curRef = controllerOf(cur);
    const oldRef = controllerOf(old);
    const refChanged = !sameRef(curRef, oldRef);
    if (refChanged && oldRef) this.enqueueOwner(old);
    if (curRef) {
      this.enqueueOwner(cur);
      return;
    }
    if (refChanged || !sameLabels(old.metadata.labels, cur.metadata.labels)) {
      for (const d of this.matchingDeployments(cur)) this.queue.add(objectKey(d));
    }
  }

  // A Recreate rollout waits for the old pods to be gone: their deletion is its cue.
  private onPodDelete(pod: StoredPod): void {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.rsInformer.indexer.get(`${pod.metadata.namespace}/${ref.name}`);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const dRef = controllerOf(rs);
    const d = dRef && this.resolve(rs.metadata.namespace, dRef);
    if (d && d.spec?.strategy?.type === 'Recreate') this.queue.add(objectKey(d));
  }
}

/** deploymentControllerFactory is the ControllerFactory the manager runs as `deployment`. */
export const deploymentControllerFactory: ControllerFactory = (ctx) =>
  new DeploymentController(ctx);
