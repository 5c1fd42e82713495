import { isConflict, isNotFound } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import type { Node, Pod, StoredNode, StoredPod } from '../../api/types/index.js';
import {
  NodeNameIndex,
  type WorkQueue,
  objectKey,
  waitForCacheSync,
  type Lister,
  type SharedInformer,
} from '../../client/index.js';
import type { Logger } from '../../../lib/log.js';
import {
  newControllerQueue,
  runController,
  type Controller,
  type ControllerContext,
  type ControllerFactory,
} from '../controller.js';

const podsInfo = findResource('', 'v1', 'pods')!;
const nodesInfo = findResource('', 'v1', 'nodes')!;

/**
 * TerminatedPodsKey is the queue key of the terminated-pods sweep; pod keys
 * always hold a `/`, so it cannot clash with one.
 */
export const TerminatedPodsKey = 'terminated-pods';

/** deleteBatch bounds concurrent deletes in one sweep (Kubernetes uses 10 workers too). */
const deleteBatch = 10;

const isTerminated = (p: StoredPod): boolean =>
  p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/**
 * PodGcController deletes pods nobody else will (Kubernetes' pod garbage
 * collector), driven by informer events instead of a periodic sweep:
 * - when more than `terminatedPodGcThreshold` pods are terminated
 *   (Succeeded/Failed), the oldest surplus (by creationTimestamp) is deleted;
 *   a threshold of 0 or less turns this off;
 * - a pod bound to a node that no longer exists is force-deleted (grace 0),
 *   after a live GET confirms the node is gone (the cache may lag a create);
 * - an unscheduled pod that is terminating is force-deleted.
 * Deletes carry a uid precondition so a recreated pod is never hit. Every
 * step is idempotent: NotFound counts as done.
 */
export class PodGcController implements Controller {
  readonly name = 'podgc';
  /** queue holds pod keys and TerminatedPodsKey; exposed for tests. */
  readonly queue: WorkQueue<string>;
  private readonly pods: SharedInformer<StoredPod>;
  private readonly nodes: SharedInformer<StoredNode>;
  private readonly podLister: Lister<StoredPod>;
  private readonly log: Logger;

  constructor(private readonly ctx: ControllerContext) {
    this.log = ctx.logger.with({ controller: this.name });
    this.queue = newControllerQueue(ctx, this.name);
    this.pods = ctx.informers.informerFor<Pod>(podsInfo);
    this.nodes = ctx.informers.informerFor<Node>(nodesInfo);
    this.podLister = this.pods.lister();
    const onPod = (p: StoredPod): void => this.enqueuePod(p);
    this.pods.addEventHandler({ onAdd: onPod, onUpdate: (_o, p) => onPod(p) });
    this.nodes.addEventHandler({
      onDelete: (n) => {
        for (const p of this.podLister.byIndex(NodeNameIndex, n.metadata.name)) {
          this.queue.add(objectKey(p));
        }
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.pods, this.nodes];
    if (await waitForCacheSync(signal, ...informers)) {
      this.queue.add(TerminatedPodsKey);
      for (const p of this.podLister.list()) this.enqueuePod(p);
    }
    const reconcile = (k: string): Promise<void> => this.reconcile(k);
    await runController(
      this.ctx,
      { name: this.name, queue: this.queue, reconcile, informers },
      signal,
    );
  }

  /** reconcile handles one pod key, or the terminated-pods sweep; it throws to be retried. */
  async reconcile(key: string): Promise<void> {
    if (key === TerminatedPodsKey) return this.gcTerminated();
    const pod = this.podLister.getByKey(key);
    if (!pod) return;
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) {
      if (pod.metadata.deletionTimestamp)
        await this.forceDelete(pod, 'unscheduled and terminating');
      return;
    }
    if (this.nodes.indexer.get(nodeName)) return;
    try {
      await this.ctx.rest.resource<Node>(nodesInfo).get(nodeName);
      return; // the cache has not seen this node yet
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    await this.forceDelete(pod, `its node ${nodeName} no longer exists`);
  }

  private enqueuePod(p: StoredPod): void {
    if (isTerminated(p) && this.ctx.options.terminatedPodGcThreshold > 0) {
      this.queue.add(TerminatedPodsKey);
    }
    const node = p.spec?.nodeName;
    // Before the node cache synced every node looks missing; run() queues those pods then.
    const orphaned = node && this.nodes.hasSynced() && !this.nodes.indexer.get(node);
    if (orphaned || (!node && p.metadata.deletionTimestamp)) {
      this.queue.add(objectKey(p));
    }
  }

  private async gcTerminated(): Promise<void> {
    const threshold = this.ctx.options.terminatedPodGcThreshold;
    if (threshold <= 0) return;
    const terminated = this.podLister
      .list()
      .filter((p) => isTerminated(p) && !p.metadata.deletionTimestamp);
    const surplus = terminated.length - threshold;
    if (surplus <= 0) return;
    terminated.sort(
      (a, b) =>
        a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) ||
        objectKey(a).localeCompare(objectKey(b)),
    );
    const doomed = terminated.slice(0, surplus);
    this.log.info('deleting terminated pods over the threshold', { count: surplus, threshold });
    const errors: unknown[] = [];
    for (let i = 0; i < doomed.length; i += deleteBatch) {
      const batch = doomed.slice(i, i + deleteBatch);
      const results = await Promise.allSettled(
        batch.map((p) => this.forceDelete(p, 'terminated pods over the threshold')),
      );
      for (const r of results) if (r.status === 'rejected') errors.push(r.reason);
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, `could not delete ${errors.length} terminated pods`);
    }
  }

  private async forceDelete(pod: StoredPod, why: string): Promise<void> {
    const { namespace, name, uid } = pod.metadata;
    this.log.info('force-deleting pod', { pod: objectKey(pod), why });
    try {
      await this.ctx.rest
        .resource<Pod>(podsInfo, namespace)
        .delete(name, { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (e) {
      // Gone already, or replaced by a pod of the same name (uid precondition): done.
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}

/** podGc is the ControllerFactory of the pod garbage collector. */
export const podGc: ControllerFactory = (ctx) => new PodGcController(ctx);
