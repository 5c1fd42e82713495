import { isConflict, isNotFound } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import type {
  Lease,
  Node,
  NodeCondition,
  Pod,
  StoredLease,
  StoredNode,
  StoredPod,
} from '../../api/types/index.js';
import {
  NodeNameIndex,
  type WorkQueue,
  enqueueHandler,
  keyOf,
  objectKey,
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
import { conditionOf, desiredTaints, reconcileTaints } from './taints.js';

const nodesInfo = findResource('', 'v1', 'nodes')!;
const podsInfo = findResource('', 'v1', 'pods')!;
const leasesInfo = findResource('coordination.k8s.io', 'v1', 'leases')!;

/** NodeLeaseNamespace holds one Lease per node, named after it, renewed by its agent. */
export const NodeLeaseNamespace = 'kube-node-lease';

/** The conditions set to Unknown when a node stops reporting (as Kubernetes does). */
const agentConditions = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

/** rfc3339 formats a time as metav1.Time does (seconds). */
export const rfc3339 = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

interface Probe {
  /** heartbeat is what the node last showed of life: lease renewTime and Ready heartbeat. */
  heartbeat: string;
  /** at is when (on our clock) the heartbeat last changed. */
  at: number;
}

/**
 * NodeLifecycleController watches node health (Kubernetes' node lifecycle
 * controller, monitorNodeHealth):
 * - a node whose heartbeat — its Lease's renewTime in `kube-node-lease` or
 *   its Ready condition's lastHeartbeatTime — has not changed for
 *   `nodeMonitorGracePeriodMs` gets Ready, MemoryPressure, DiskPressure and
 *   PIDPressure set to Unknown (`NodeStatusUnknown`, "Kubelet stopped posting
 *   node status.") and a `NodeNotReady` event;
 * - every node carries exactly the taints its conditions imply: the
 *   unreachable (Ready=Unknown) or not-ready (Ready=False) taint as NoExecute
 *   and NoSchedule, pressure and unschedulable NoSchedule taints; they go
 *   when the condition clears;
 * - pods on a node that is not Ready get their Ready condition set to False,
 *   so endpoints drop them.
 * Staleness is measured on this controller's clock from when it saw the
 * heartbeat change, so clock skew between hosts does not matter; a restart
 * therefore grants every node a fresh grace period, as in Kubernetes. The
 * check is time-driven per node: a healthy node is re-queued for the moment
 * its heartbeat would expire, never by scanning all nodes on a timer.
 */
export class NodeLifecycleController implements Controller {
  readonly name = 'nodelifecycle';
  /** queue holds node names; exposed for tests. */
  readonly queue: WorkQueue<string>;
  private readonly nodes: SharedInformer<StoredNode>;
  private readonly leases: SharedInformer<StoredLease>;
  private readonly pods: SharedInformer<StoredPod>;
  private readonly probes = new Map<string, Probe>();
  private readonly recorder: EventRecorder;
  private readonly log: Logger;

  constructor(private readonly ctx: ControllerContext) {
    this.log = ctx.logger.with({ controller: this.name });
    this.recorder = ctx.recorder('node-controller');
    this.queue = newControllerQueue(ctx, this.name);
    this.nodes = ctx.informers.informerFor<Node>(nodesInfo);
    this.leases = ctx.informers.informerFor<Lease>(leasesInfo, { namespace: NodeLeaseNamespace });
    this.pods = ctx.informers.informerFor<Pod>(podsInfo);
    this.nodes.addEventHandler(enqueueHandler(this.queue));
    this.leases.addEventHandler(enqueueHandler(this.queue, (l) => l.metadata.name));
    const onPod = (p: StoredPod): void => {
      const nodeName = p.spec?.nodeName;
      if (!nodeName || podReady(p)?.status !== 'True') return;
      const node = this.nodes.indexer.get(nodeName);
      if (node && conditionOf(node, 'Ready')?.status !== 'True') this.queue.add(nodeName);
    };
    this.pods.addEventHandler({ onAdd: onPod, onUpdate: (_o, p) => onPod(p) });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.nodes, this.leases, this.pods];
    const reconcile = (k: string): Promise<void> => this.reconcile(k);
    await runController(
      this.ctx,
      { name: this.name, queue: this.queue, reconcile, informers },
      signal,
    );
  }

  /** reconcile checks node `name`'s heartbeat, conditions, taints and its pods' readiness. */
  async reconcile(name: string): Promise<void> {
    const cached = this.nodes.indexer.get(name);
    if (!cached) {
      this.probes.delete(name);
      return;
    }
    const now = this.ctx.clock.now();
    const grace = this.ctx.options.nodeMonitorGracePeriodMs;
    const probe = this.observe(cached, now);
    let node = cached;
    if (now - probe.at >= grace) {
      node = (await this.markUnknown(node, now)) ?? node;
    } else {
      this.queue.addAfter(name, probe.at + grace - now);
    }
    node = await this.syncTaints(node, now);
    if (conditionOf(node, 'Ready')?.status !== 'True') await this.markPodsNotReady(node, now);
  }

  // observe updates and returns the node's probe: when its heartbeat last changed.
  private observe(node: StoredNode, now: number): Probe {
    const name = node.metadata.name;
    const lease = this.leases.indexer.get(keyOf(NodeLeaseNamespace, name));
    const ready = conditionOf(node, 'Ready');
    const heartbeat = `${lease?.spec?.renewTime ?? ''}|${ready?.lastHeartbeatTime ?? ''}`;
    let probe = this.probes.get(name);
    if (!probe) {
      // A node that never reported anything is timed from its creation.
      const created = Date.parse(node.metadata.creationTimestamp);
      const at = lease || ready || Number.isNaN(created) ? now : Math.min(now, created);
      probe = { heartbeat, at };
      this.probes.set(name, probe);
    } else if (probe.heartbeat !== heartbeat) {
      probe.heartbeat = heartbeat;
      probe.at = now;
    }
    return probe;
  }

  // markUnknown sets the agent's conditions to Unknown; undefined when they already are.
  private async markUnknown(node: StoredNode, now: number): Promise<StoredNode | undefined> {
    const conditions: NodeCondition[] = structuredClone(node.status?.conditions ?? []);
    const at = rfc3339(now);
    let changed = false;
    for (const type of agentConditions) {
      const c = conditions.find((x) => x.type === type);
      if (!c) {
        conditions.push({
          type,
          status: 'Unknown',
          reason: 'NodeStatusNeverUpdated',
          message: 'Kubelet never posted node status.',
          lastHeartbeatTime: node.metadata.creationTimestamp,
          lastTransitionTime: at,
        });
        changed = true;
      } else if (c.status !== 'Unknown') {
        c.status = 'Unknown';
        c.reason = 'NodeStatusUnknown';
        c.message = 'Kubelet stopped posting node status.';
        c.lastTransitionTime = at;
        changed = true;
      }
    }
    if (!changed) return undefined;
    const name = node.metadata.name;
    this.log.info('node stopped reporting; marking its conditions Unknown', { node: name });
    const updated = await this.ctx.rest
      .resource<Node>(nodesInfo)
      .patch(
        name,
        'merge',
        { metadata: { resourceVersion: node.metadata.resourceVersion }, status: { conditions } },
        { subresource: 'status' },
      );
    if (conditionOf(node, 'Ready')?.status !== 'Unknown') {
      this.recorder.event(
        node,
        'Normal',
        'NodeNotReady',
        `Node ${name} status is now: NodeNotReady`,
      );
    }
    return updated;
  }

  // syncTaints makes the node's managed taints match its conditions.
  private async syncTaints(node: StoredNode, now: number): Promise<StoredNode> {
    const next = reconcileTaints(node.spec?.taints ?? [], desiredTaints(node), rfc3339(now));
    if (!next) return node;
    this.log.info('updating node taints', {
      node: node.metadata.name,
      taints: next.map((t) => `${t.key}:${t.effect}`).join(','),
    });
    return this.ctx.rest.resource<Node>(nodesInfo).patch(node.metadata.name, 'merge', {
      metadata: { resourceVersion: node.metadata.resourceVersion },
      spec: { taints: next.length > 0 ? next : null },
    });
  }

  // markPodsNotReady sets Ready=False on the node's pods that still claim readiness.
  private async markPodsNotReady(node: StoredNode, now: number): Promise<void> {
    const errors: unknown[] = [];
    for (const pod of this.pods.indexer.byIndex(NodeNameIndex, node.metadata.name)) {
      if (podReady(pod)?.status !== 'True') continue;
      const conditions = structuredClone(pod.status?.conditions ?? []).map((c) =>
        c.type === 'Ready'
          ? { ...c, status: 'False' as const, lastTransitionTime: rfc3339(now) }
          : c,
      );
      try {
        await this.ctx.rest.resource<Pod>(podsInfo, pod.metadata.namespace).patch(
          pod.metadata.name,
          'merge',
          {
            metadata: { resourceVersion: pod.metadata.resourceVersion },
            status: { conditions },
          },
          { subresource: 'status' },
        );
        this.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (e) {
        // Gone, or changed since the cache saw it: its update event brings it back.
        if (!isNotFound(e) && !isConflict(e)) errors.push(e);
      }
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, `could not mark pods on ${objectKey(node)} not ready`);
    }
  }
}

function podReady(p: StoredPod): { status: string } | undefined {
  return p.status?.conditions?.find((c) => c.type === 'Ready');
}

/** nodeLifecycle is the ControllerFactory of the node lifecycle (health and taint) controller. */
export const nodeLifecycle: ControllerFactory = (ctx) => new NodeLifecycleController(ctx);
