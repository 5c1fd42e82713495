import type { Logger } from '../../lib/log.js';
import type { Clock } from '../../lib/time.js';
import type { EventRecorder } from '../client/events.js';
import type { InformerFactory, RestClient } from '../client/index.js';

/**
 * The contract every controller of the controller manager follows
 * (STYLE.md): informers whose handlers only enqueue keys, a rate-limited
 * workqueue, and a `reconcile(key)` that reads caches and takes one step.
 */

/** ControllerManagerOptions are the controller manager's flags that controllers read. */
export interface ControllerManagerOptions {
  /** clusterCidr is the pod network, split into one /24 per node (--cluster-cidr, default 10.244.0.0/16). */
  clusterCidr: string;
  /** nodeCidrMaskSize is the per-node prefix length (default 24). */
  nodeCidrMaskSize: number;
  /** nodeMonitorGracePeriodMs: a node whose Lease is older is NotReady/Unknown (default 40 s). */
  nodeMonitorGracePeriodMs: number;
  /** podEvictionTimeoutMs: default toleration for not-ready/unreachable taints (default 300 s). */
  podEvictionTimeoutMs: number;
  /** terminatedPodGcThreshold: terminated pods kept before the oldest are deleted (default 12500). */
  terminatedPodGcThreshold: number;
  /** workers per controller (default 5; --concurrent-*-syncs in Kubernetes). */
  workers: number;
}

export const defaultControllerManagerOptions: ControllerManagerOptions = {
  clusterCidr: '10.244.0.0/16',
  nodeCidrMaskSize: 24,
  nodeMonitorGracePeriodMs: 40_000,
  podEvictionTimeoutMs: 300_000,
  terminatedPodGcThreshold: 12_500,
  workers: 5,
};

/** ControllerContext is what the controller manager gives each controller. */
export interface ControllerContext {
  rest: RestClient;
  /** informers is shared by every controller: one list+watch per resource. */
  informers: InformerFactory;
  /** recorder makes an event recorder reporting as `component`. */
  recorder(component: string): EventRecorder;
  clock: Clock;
  logger: Logger;
  options: ControllerManagerOptions;
}

/** Controller is one control loop. */
export interface Controller {
  /** name is the controller's name (`replicaset`, `deployment`, `garbagecollector`, …). */
  readonly name: string;
  /**
   * run waits for the caches it needs, runs its workers, and resolves once
   * `signal` aborts and its workers have stopped. Its informers' handlers are
   * registered when it is constructed, before the factory starts.
   */
  run(signal: AbortSignal): Promise<void>;
}

/** ControllerFactory constructs a controller (registering its informer handlers). */
export type ControllerFactory = (ctx: ControllerContext) => Controller;
