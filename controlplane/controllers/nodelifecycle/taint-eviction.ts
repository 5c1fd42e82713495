import { isConflict, isNotFound } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import type { Node, Pod, StoredNode, StoredPod, Taint, Toleration } from '../../api/types/index.js';
import {
  NodeNameIndex,
  type WorkQueue,
  objectKey,
  waitForCacheSync,
  type EventRecorder,
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
import { TaintNodeNotReady, TaintNodeUnreachable, tolerates } from './taints.js';

const nodesInfo = findResource('', 'v1', 'nodes')!;
const podsInfo = findResource('', 'v1', 'pods')!;

/** EvictionDecision is what a pod's tolerations say about a node's NoExecute taints. */
export type EvictionDecision =
  { kind: 'keep' } | { kind: 'evict'; reason: string } | { kind: 'later'; atMs: number };

const noExecute = (n: StoredNode | undefined): Taint[] =>
  (n?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');

/**
 * evictionDecision decides for one pod on a node (Kubernetes' taint
 * manager, with deadlines counted from each taint's timeAdded):
 * - a NoExecute taint no toleration matches → evict now;
 * - otherwise each taint is tolerated until its timeAdded plus the smallest
 *   tolerationSeconds among the tolerations matching it (none: forever;
 *   zero or less: not at all); the pod goes at the earliest such moment.
 * A pod without any toleration for the not-ready or unreachable NoExecute
 * taint is treated as having one of `defaultTolerationMs` (what the
 * DefaultTolerationSeconds admission gives pods). `addedAt` supplies a time
 * for taints that lack timeAdded.
 */
export function evictionDecision(
  pod: StoredPod,
  taints: readonly Taint[],
  defaultTolerationMs: number,
  addedAt: (t: Taint) => number,
): EvictionDecision {
  let at = Infinity;
  for (const taint of taints) {
    let tols: Toleration[] = (pod.spec?.tolerations ?? []).filter((t) => tolerates(t, taint));
    if (
      tols.length === 0 &&
      (taint.key === TaintNodeNotReady || taint.key === TaintNodeUnreachable)
    ) {
      tols = [
        { key: taint.key, operator: 'Exists', tolerationSeconds: defaultTolerationMs / 1000 },
      ];
    }
    if (tols.length === 0)
      return { kind: 'evict', reason: `untolerated taint ${taint.key}:NoExecute` };
    let seconds = Infinity;
    for (const t of tols) {
      if (t.tolerationSeconds !== undefined)
        seconds = Math.min(seconds, Math.max(0, t.tolerationSeconds));
    }
    if (seconds === Infinity) continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : NaN;
    at = Math.min(at, (Number.isNaN(added) ? addedAt(taint) : added) + seconds * 1000);
  }
  return at === Infinity ? { kind: 'keep' } : { kind: 'later', atMs: at };
}

/**
 * TaintEvictionController deletes pods from nodes with NoExecute taints they
 * do not tolerate, or tolerate only for a while (Kubernetes'
 * taint-eviction-controller). Deletion is the normal, graceful one, with a
 * uid precondition, and a `TaintManagerEviction` event on the pod; on a
 * node whose agent is gone the pod then stays Terminating, and its
 * controller (a ReplicaSet) makes a replacement elsewhere. Timing is
 * event- and time-driven: a pod tolerated for a while is re-queued (`addAfter`
 * on the injected clock) for its deadline; a taint removed meanwhile makes
 * that re-check a no-op.
 */
export class TaintEvictionController implements Controller {
  readonly name = 'taint-eviction';
  /** queue holds pod keys; exposed for tests. */
  readonly queue: WorkQueue<string>;
  private readonly nodes: SharedInformer<StoredNode>;
  private readonly pods: SharedInformer<StoredPod>;
  private readonly firstSeen = new Map<string, number>();
  private readonly recorder: EventRecorder;
  private readonly log: Logger;

  constructor(private readonly ctx: ControllerContext) {
    this.log = ctx.logger.with({ controller: this.name });
    this.recorder = ctx.recorder('taint-eviction-controller');
    this.queue = newControllerQueue(ctx, this.name);
    this.nodes = ctx.informers.informerFor<Node>(nodesInfo);
    this.pods = ctx.informers.informerFor<Pod>(podsInfo);
    const onPod = (p: StoredPod): void => {
      const n = p.spec?.nodeName;
      if (n && !p.metadata.deletionTimestamp && noExecute(this.nodes.indexer.get(n)).length > 0) {
        this.queue.add(objectKey(p));
      }
    };
    this.pods.addEventHandler({ onAdd: onPod, onUpdate: (_o, p) => onPod(p) });
    const onNode = (old: StoredNode | undefined, n: StoredNode): void => {
      const before = JSON.stringify(noExecute(old));
      if (before === JSON.stringify(noExecute(n))) return;
      for (const p of this.pods.indexer.byIndex(NodeNameIndex, n.metadata.name))
        this.queue.add(objectKey(p));
    };
    this.nodes.addEventHandler({
      onAdd: (n) => onNode(undefined, n),
      onUpdate: onNode,
      onDelete: (n) => {
        for (const k of this.firstSeen.keys()) {
          if (k.startsWith(`${n.metadata.name}|`)) this.firstSeen.delete(k);
        }
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.nodes, this.pods];
    if (await waitForCacheSync(signal, ...informers)) {
      for (const p of this.pods.indexer.list()) {
        if (p.spec?.nodeName) this.queue.add(objectKey(p));
      }
    }
    const reconcile = (k: string): Promise<void> => this.reconcile(k);
    await runController(
      this.ctx,
      { name: this.name, queue: this.queue, reconcile, informers },
      signal,
    );
  }

  /** reconcile evicts pod `key` now, re-queues it for its deadline, or leaves it. */
  async reconcile(key: string): Promise<void> {
    const pod = this.pods.indexer.get(key);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName || pod.metadata.deletionTimestamp) return;
    const taints = noExecute(this.nodes.indexer.get(nodeName));
    if (taints.length === 0) return;
    const now = this.ctx.clock.now();
    const decision = evictionDecision(pod, taints, this.ctx.options.podEvictionTimeoutMs, (t) =>
      this.taintSeen(nodeName, t, now),
    );
    if (decision.kind === 'keep') return;
    if (decision.kind === 'later' && decision.atMs > now) {
      this.queue.addAfter(key, decision.atMs - now);
      return;
    }
    await this.evict(pod, decision.kind === 'evict' ? decision.reason : 'toleration expired');
  }

  private taintSeen(node: string, t: Taint, now: number): number {
    const k = `${node}|${t.key}|${t.value ?? ''}`;
    let at = this.firstSeen.get(k);
    if (at === undefined) {
      at = now;
      this.firstSeen.set(k, at);
    }
    return at;
  }

  private async evict(pod: StoredPod, why: string): Promise<void> {
    const { namespace, name, uid } = pod.metadata;
    this.log.info('evicting pod from tainted node', {
      pod: objectKey(pod),
      node: pod.spec?.nodeName,
      why,
    });
    this.recorder.event(
      pod,
      'Normal',
      'TaintManagerEviction',
      `Marking for deletion Pod ${namespace}/${name}`,
    );
    try {
      await this.ctx.rest
        .resource<Pod>(podsInfo, namespace)
        .delete(name, { preconditions: { uid } });
    } catch (e) {
      // Gone already, or a new pod took the name: nothing to evict.
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}

/** taintEviction is the ControllerFactory of the NoExecute taint eviction controller. */
export const taintEviction: ControllerFactory = (ctx) => new TaintEvictionController(ctx);
