import { isNotFound } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import type { Node, StoredNode } from '../../api/types/index.js';
import {
  type WorkQueue,
  enqueueHandler,
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
import { CidrSet } from './cidr-set.js';

const nodesInfo = findResource('', 'v1', 'nodes')!;

/** podCidrOf is a node's pod CIDR: the first of spec.podCIDRs, else spec.podCIDR. */
export function podCidrOf(node: Node): string | undefined {
  return node.spec?.podCIDRs?.[0] ?? (node.spec?.podCIDR || undefined);
}

/**
 * NodeIpamController gives every node a pod CIDR (Kubernetes' range
 * allocator): a `nodeCidrMaskSize` subnet of `clusterCidr`, written to
 * `spec.podCIDR` and `spec.podCIDRs`, never the same to two nodes.
 *
 * Before its workers start it marks the subnets nodes already hold, so a
 * restart never hands one out twice. A subnet is reserved for a node name
 * from the moment it is picked until that node is deleted: a write that
 * fails is retried with the same subnet, and a write whose answer was lost
 * cannot leak it to another node. When the range is full the node gets a
 * `CIDRNotAvailable` event and waits; a node deletion wakes the waiters.
 * A node that already has a CIDR keeps it (the API server forbids changing
 * it), even one outside the range, which is only logged.
 */
export class NodeIpamController implements Controller {
  readonly name = 'nodeipam';
  /** queue holds node names; exposed for tests. */
  readonly queue: WorkQueue<string>;
  /** cidrs is the allocation map; exposed for tests. */
  readonly cidrs: CidrSet;
  private readonly nodes: SharedInformer<StoredNode>;
  private readonly byNode = new Map<string, string>();
  private readonly waiting = new Set<string>();
  private readonly recorder: EventRecorder;
  private readonly log: Logger;

  /** constructor throws a RangeError for a bad clusterCidr or nodeCidrMaskSize. */
  constructor(private readonly ctx: ControllerContext) {
    this.cidrs = new CidrSet(ctx.options.clusterCidr, ctx.options.nodeCidrMaskSize);
    this.log = ctx.logger.with({ controller: this.name });
    this.recorder = ctx.recorder('cidrAllocator');
    this.queue = newControllerQueue(ctx, this.name);
    this.nodes = ctx.informers.informerFor<Node>(nodesInfo);
    this.nodes.addEventHandler(enqueueHandler(this.queue));
  }

  async run(signal: AbortSignal): Promise<void> {
    // Every CIDR already held is marked before the first allocation.
    if (await waitForCacheSync(signal, this.nodes)) this.occupyExisting();
    const reconcile = (k: string): Promise<void> => this.reconcile(k);
    await runController(
      this.ctx,
      { name: this.name, queue: this.queue, reconcile, informers: [this.nodes] },
      signal,
    );
  }

  /**
   * occupyExisting marks the CIDRs of every cached node in use. run calls it
   * once the cache synced, before any allocation; tests call it directly.
   */
  occupyExisting(): void {
    for (const n of this.nodes.indexer.list()) this.observe(n.metadata.name, podCidrOf(n));
  }

  /** reconcile makes sure node `name` has a pod CIDR, or frees the CIDR of a deleted node. */
  async reconcile(name: string): Promise<void> {
    const node = this.nodes.indexer.get(name);
    if (!node) {
      this.free(name);
      return;
    }
    const existing = podCidrOf(node);
    if (existing) {
      this.observe(name, existing);
      return;
    }
    let cidr = this.byNode.get(name);
    if (!cidr) {
      cidr = this.cidrs.allocateNext();
      if (!cidr) {
        this.waiting.add(name);
        this.log.warn('no pod CIDR left for node', { node: name, range: this.cidrs.clusterCidr });
        this.recorder.event(
          node,
          'Warning',
          'CIDRNotAvailable',
          `Node ${name} status is now: CIDRNotAvailable`,
        );
        return;
      }
      this.byNode.set(name, cidr);
      this.waiting.delete(name);
    }
    try {
      await this.ctx.rest.resource<Node>(nodesInfo).patch(name, 'merge', {
        metadata: { resourceVersion: node.metadata.resourceVersion },
        spec: { podCIDR: cidr, podCIDRs: [cidr] },
      });
      this.log.info('assigned pod CIDR', { node: name, cidr });
    } catch (e) {
      // The node went away: its deletion event frees the reservation.
      if (isNotFound(e)) return;
      this.recorder.event(
        node,
        'Warning',
        'CIDRAssignmentFailed',
        `could not assign ${cidr}: ${String(e)}`,
      );
      throw e;
    }
  }

  // observe records that node `name` holds `cidr` (or nothing).
  private observe(name: string, cidr: string | undefined): void {
    const reserved = this.byNode.get(name);
    if (reserved === cidr || !cidr) return;
    if (reserved) this.cidrs.release(reserved);
    if (this.cidrs.has(cidr))
      this.log.warn('two nodes hold the same pod CIDR', { node: name, cidr });
    this.byNode.set(name, cidr);
    if (!this.cidrs.occupy(cidr)) {
      this.log.warn('node pod CIDR is not a subnet of the cluster CIDR; keeping it', {
        node: name,
        cidr,
        range: this.cidrs.clusterCidr,
      });
    }
  }

  private free(name: string): void {
    const cidr = this.byNode.get(name);
    this.waiting.delete(name);
    if (!cidr) return;
    this.byNode.delete(name);
    // Another node may still claim it (two nodes given one by hand): keep it then.
    if (![...this.byNode.values()].includes(cidr)) this.cidrs.release(cidr);
    this.log.info('released pod CIDR of deleted node', { node: name, cidr });
    for (const w of this.waiting) this.queue.add(w);
  }
}

/** nodeIpam is the ControllerFactory of the node IPAM (pod CIDR) controller. */
export const nodeIpam: ControllerFactory = (ctx) => new NodeIpamController(ctx);
