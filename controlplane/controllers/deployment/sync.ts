import { isAlreadyExists, isNotFound } from '../../api/errors.js';
import type {
  DeploymentStatus,
  ReplicaSet,
  StoredDeployment,
  StoredPod,
  StoredReplicaSet,
} from '../../api/types/index.js';
import { objectKey, type EventRecorder } from '../../client/index.js';
import type { Logger } from '../../../lib/log.js';
import type { Clock } from '../../../lib/time.js';
import { controllerOf, newControllerRef } from '../replicaset/index.js';
import type { DeploymentClient } from './client.js';
import { computeHash, podTemplateHashLabel } from './hash.js';
import { scaleDeployment } from './scale.js';
import {
  calculateDeploymentStatus,
  compactDeploymentStatus,
  deploymentStatusDiffers,
} from './status.js';
import { getCondition, newCondition, setDeploymentCondition } from './conditions.js';
import {
  byRevision,
  desiredReplicas,
  equalIgnoreHash,
  filterActive,
  findNewReplicaSet,
  findOldReplicaSets,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  maxRevision,
  maxSurge,
  newRSNewReplicas,
  reasons,
  replicasAnnotationsNeedUpdate,
  revisionAnnotation,
  rsReplicas,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  desiredReplicasOf,
} from './util.js';

/** SyncDeps are the collaborators one Deployment sync uses. */
export interface SyncDeps {
  client: DeploymentClient;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
  /** lookupReplicaSet reads the ReplicaSet cache. */
  lookupReplicaSet(namespace: string, name: string): StoredReplicaSet | undefined;
  /** enqueueAfter asks for the Deployment to be synced again after `ms`. */
  enqueueAfter(key: string, ms: number): void;
  /** enqueueRateLimited asks for it to be synced again soon, rate-limited. */
  enqueueRateLimited(key: string): void;
}

/** NewAndOld is a Deployment's new ReplicaSet (if it exists) and all the others. */
export interface NewAndOld {
  newRS: StoredReplicaSet | undefined;
  oldRSs: StoredReplicaSet[];
}

/** ScaleResult says whether a ReplicaSet's size changed, and its latest state. */
export interface ScaleResult {
  scaled: boolean;
  rs: StoredReplicaSet;
}

/**
 * DeploymentSync is one sync of one Deployment (deployment/sync.go): it
 * holds a private copy of the Deployment and of its ReplicaSets, updated
 * as the sync writes them, so that later steps of the same sync see the
 * results (and resourceVersions) of earlier ones.
 */
export class DeploymentSync {
  readonly key: string;

  constructor(
    readonly deps: SyncDeps,
    readonly d: StoredDeployment,
    readonly rsList: StoredReplicaSet[],
    /** podMap is the Deployment's pods by their ReplicaSet's uid (terminating ones included). */
    readonly podMap: ReadonlyMap<string, readonly StoredPod[]>,
  ) {
    this.key = objectKey(d);
  }

  get now(): number {
    return this.deps.clock.now();
  }

  private get ns(): string {
    return this.d.metadata.namespace ?? 'default';
  }

  private subject() {
    return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: this.d.metadata };
  }

  /** event records an event about the Deployment. */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.deps.recorder.event(this.subject(), type, reason, message);
  }

  // remember replaces a written ReplicaSet in the sync's list.
  private remember(rs: StoredReplicaSet): StoredReplicaSet {
    const i = this.rsList.findIndex((x) => x.metadata.uid === rs.metadata.uid);
    if (i >= 0) this.rsList[i] = rs;
    else this.rsList.push(rs);
    return rs;
  }

  /** writeStatus writes `status` as the Deployment's status and keeps the new resourceVersion. */
  async writeStatus(status: DeploymentStatus): Promise<void> {
    this.d.status = compactDeploymentStatus(status);
    const out = await this.deps.client.updateDeploymentStatus(this.d);
    this.d.metadata.resourceVersion = out.metadata.resourceVersion;
  }

  // writeRevision stores the Deployment's revision annotation (a metadata-only patch).
  private async writeRevision(revision: string): Promise<void> {
    const out = await this.deps.client.patchDeployment(this.ns, this.d.metadata.name, {
      metadata: { annotations: { [revisionAnnotation]: revision } },
    });
    this.d.metadata.resourceVersion = out.metadata.resourceVersion;
  }

  /**
   * getAllReplicaSetsAndSyncRevision splits the ReplicaSets into the new one
   * and the old ones, bringing the new one's annotations and revision (and
   * the Deployment's revision) up to date; with `create`, a missing new
   * ReplicaSet is created.
   */
  async getAllReplicaSetsAndSyncRevision(create: boolean): Promise<NewAndOld> {
    const oldRSs = findOldReplicaSets(this.d, this.rsList);
    const newRS = await this.getNewReplicaSet(oldRSs, create);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(
    oldRSs: StoredReplicaSet[],
    create: boolean,
  ): Promise<StoredReplicaSet | undefined> {
    const d = this.d;
    const existing = findNewReplicaSet(d, this.rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    d.status ??= {};
    if (existing) {
      const copy = structuredClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReady = d.spec?.minReadySeconds ?? 0;
      if (annotationsChanged || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
        if (copy.spec) copy.spec.minReadySeconds = minReady;
        return this.remember(await this.deps.client.updateReplicaSet(copy));
      }
      const revision = copy.metadata.annotations?.[revisionAnnotation] ?? '';
      const revisionChanged = setDeploymentRevision(d, revision);
      let statusChanged = false;
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        const msg = `Found new replica set "${copy.metadata.name}"`;
        setDeploymentCondition(
          d.status,
          newCondition('Progressing', 'True', reasons.foundNewRS, msg, this.now),
        );
        statusChanged = true;
      }
      if (revisionChanged) await this.writeRevision(revision);
      if (statusChanged) await this.writeStatus(d.status);
      return copy;
    }
    if (!create) return undefined;
    return this.createNewReplicaSet(oldRSs, newRevision);
  }

  private async createNewReplicaSet(
    oldRSs: StoredReplicaSet[],
    newRevision: number,
  ): Promise<StoredReplicaSet> {
    const d = this.d;
    const status = (d.status ??= {});
    const hash = computeHash(d.spec?.template, status.collisionCount);
    const template = structuredClone(d.spec?.template ?? {});
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata?.labels, [podTemplateHashLabel]: hash },
    };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [podTemplateHashLabel]: hash };
    const name = `${d.metadata.name}-${hash}`;
    const draft: StoredReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: this.ns,
        uid: '',
        resourceVersion: '',
        creationTimestamp: '',
        labels: { ...template.metadata.labels },
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: 0, selector, template },
    };
    if (d.spec?.minReadySeconds) draft.spec!.minReadySeconds = d.spec.minReadySeconds;
    const replicas = newRSNewReplicas(d, [...oldRSs, draft], draft);
    draft.spec!.replicas = replicas;
    setNewReplicaSetAnnotations(d, draft, newRevision, false);
    const { uid: _u, resourceVersion: _r, creationTimestamp: _c, ...meta } = draft.metadata;
    const body: ReplicaSet = {
      ...draft,
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: meta,
    };

    let created: StoredReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.deps.client.createReplicaSet(this.ns, body);
    } catch (e) {
      if (!isAlreadyExists(e)) {
        const msg = `Failed to create new replica set "${name}": ${e instanceof Error ? e.message : String(e)}`;
        if (hasProgressDeadline(d)) {
          setDeploymentCondition(
            status,
            newCondition('Progressing', 'False', reasons.failedRSCreate, msg, this.now),
          );
          await this.writeStatus(status).catch(() => {});
        }
        this.event('Warning', reasons.failedRSCreate, msg);
        throw e;
      }
      const found = this.deps.lookupReplicaSet(this.ns, name);
      if (!found) throw e;
      if (
        controllerOf(found)?.uid === d.metadata.uid &&
        equalIgnoreHash(d.spec?.template, found.spec?.template)
      ) {
        // Ours: the create succeeded earlier but the cache had not shown it.
        created = structuredClone(found);
        alreadyExisted = true;
      } else {
        // Another object holds the name: hash again with a bumped collision count.
        status.collisionCount = (status.collisionCount ?? 0) + 1;
        await this.writeStatus(status);
        this.deps.log.info('replica set name collision; retrying with a new hash', {
          deployment: this.key,
          name,
          collisionCount: status.collisionCount,
        });
        throw e;
      }
    }
    this.remember(created);
    if (!alreadyExisted && replicas > 0) {
      this.event(
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${name} from 0 to ${replicas}`,
      );
    }
    const revisionChanged = setDeploymentRevision(d, String(newRevision));
    if (revisionChanged) await this.writeRevision(String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      setDeploymentCondition(
        status,
        newCondition(
          'Progressing',
          'True',
          reasons.newReplicaSet,
          `Created new replica set "${name}"`,
          this.now,
        ),
      );
      await this.writeStatus(status);
    }
    return created;
  }

  /** scaleReplicaSetAndRecordEvent resizes `rs` to `newScale` if it differs. */
  async scaleReplicaSetAndRecordEvent(
    rs: StoredReplicaSet,
    newScale: number,
  ): Promise<ScaleResult> {
    if (rsReplicas(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, rsReplicas(rs) < newScale ? 'up' : 'down');
  }

  /**
   * scaleReplicaSet resizes `rs` and refreshes its desired/max-replicas
   * annotations (one update), recording a ScalingReplicaSet event when the
   * size changed.
   */
  async scaleReplicaSet(rs: StoredReplicaSet, newScale: number, op: string): Promise<ScaleResult> {
    const replicas = desiredReplicas(this.d);
    const max = replicas + maxSurge(this.d);
    const sizeChanges = rsReplicas(rs) !== newScale;
    if (!sizeChanges && !replicasAnnotationsNeedUpdate(rs, replicas, max)) {
      return { scaled: false, rs };
    }
    const old = rsReplicas(rs);
    const copy = structuredClone(rs);
    copy.spec = { ...copy.spec!, replicas: newScale };
    setReplicasAnnotations(copy, replicas, max);
    const updated = this.remember(await this.deps.client.updateReplicaSet(copy));
    if (sizeChanges) {
      this.event(
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${op} replica set ${rs.metadata.name} from ${old} to ${newScale}`,
      );
    }
    return { scaled: sizeChanges, rs: updated };
  }

  /** scale handles a change of spec.replicas, or a paused Deployment (scaleDeployment). */
  scale(newRS: StoredReplicaSet | undefined, oldRSs: StoredReplicaSet[]): Promise<void> {
    return scaleDeployment(this, newRS, oldRSs);
  }

  /**
   * cleanupDeployment deletes the oldest old ReplicaSets beyond
   * revisionHistoryLimit — only those with no pods, fully observed, and not
   * already being deleted.
   */
  async cleanupDeployment(oldRSs: readonly StoredReplicaSet[]): Promise<void> {
    const d = this.d;
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp).sort(byRevision);
    const diff = cleanable.length - (d.spec?.revisionHistoryLimit ?? 10);
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i]!;
      if (
        (rs.status?.replicas ?? 0) !== 0 ||
        rsReplicas(rs) !== 0 ||
        (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)
      ) {
        continue;
      }
      this.deps.log.info('deleting old replica set beyond the revision history limit', {
        deployment: this.key,
        rs: rs.metadata.name,
      });
      try {
        await this.deps.client.deleteReplicaSet(this.ns, rs.metadata.name, rs.metadata.uid);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }

  /** calculateStatus is the Deployment's status from its ReplicaSets' (calculateDeploymentStatus). */
  calculateStatus(
    allRSs: readonly (StoredReplicaSet | undefined)[],
    newRS?: StoredReplicaSet,
  ): DeploymentStatus {
    return calculateDeploymentStatus(this.d, allRSs, newRS, this.now);
  }

  /** statusDiffers tells whether `status` differs from what the Deployment shows. */
  statusDiffers(status: DeploymentStatus): boolean {
    return deploymentStatusDiffers(this.d, status);
  }

  /** syncDeploymentStatus writes the calculated status if it changed (no progress estimation). */
  async syncDeploymentStatus(
    allRSs: readonly (StoredReplicaSet | undefined)[],
    newRS?: StoredReplicaSet,
  ): Promise<void> {
    const status = this.calculateStatus(allRSs, newRS);
    if (this.statusDiffers(status)) await this.writeStatus(status);
  }

  /**
   * checkPausedConditions records pausing and resuming in the Progressing
   * condition (status Unknown), so that time spent paused never counts
   * against the progress deadline. A timed-out condition is kept.
   */
  async checkPausedConditions(): Promise<void> {
    const d = this.d;
    if (!hasProgressDeadline(d)) return;
    const status = (d.status ??= {});
    const cond = getCondition(status, 'Progressing');
    if (cond?.reason === reasons.timedOut) return;
    const pausedCond = cond?.reason === reasons.paused;
    if (d.spec?.paused && !pausedCond) {
      setDeploymentCondition(
        status,
        newCondition('Progressing', 'Unknown', reasons.paused, 'Deployment is paused', this.now),
      );
    } else if (!d.spec?.paused && pausedCond) {
      setDeploymentCondition(
        status,
        newCondition('Progressing', 'Unknown', reasons.resumed, 'Deployment is resumed', this.now),
      );
    } else {
      return;
    }
    await this.writeStatus(status);
  }

  /** isScalingEvent: some active ReplicaSet was sized for a different spec.replicas. */
  async isScalingEvent(): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    for (const rs of filterActive([...oldRSs, newRS])) {
      const desired = desiredReplicasOf(rs);
      if (desired !== undefined && desired !== desiredReplicas(this.d)) return true;
    }
    return false;
  }

  /** sync handles scaling and paused Deployments: no rollout, only sizes and status. */
  async sync(): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    await this.scale(newRS, oldRSs);
    if (this.d.spec?.paused) await this.cleanupDeployment(oldRSs);
    await this.syncDeploymentStatus(
      [...this.latest(oldRSs), this.latestOne(newRS)],
      this.latestOne(newRS),
    );
  }

  /** syncStatusOnly writes status without changing anything (a Deployment being deleted). */
  async syncStatusOnly(): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  /** latest maps ReplicaSets to their state as last written in this sync. */
  latest(rss: readonly StoredReplicaSet[]): StoredReplicaSet[] {
    return rss.map((rs) => this.latestOne(rs) ?? rs);
  }

  /** latestOne is `rs` as last written in this sync. */
  latestOne(rs: StoredReplicaSet | undefined): StoredReplicaSet | undefined {
    if (!rs) return undefined;
    return this.rsList.find((x) => x.metadata.uid === rs.metadata.uid) ?? rs;
  }
}
