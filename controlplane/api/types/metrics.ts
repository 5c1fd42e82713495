import type { ListMeta, ObjectMeta } from '../meta.js';
import type { ResourceList } from './common.js';

/**
 * Resource usage shapes: kubelet's Summary API (`stats/v1alpha1`, what a node
 * agent serves at `/stats/summary`) and the `metrics.k8s.io/v1beta1` objects
 * the API server computes from it (what `kubectl top` and autoscalers read).
 * Field names are Kubernetes'; counters are JSON numbers (Go's uint64).
 */

/** CPUStats is cpu use at `time`: an average rate and a cumulative counter. */
export interface CPUStats {
  time: string;
  /** usageNanoCores is the average use over the sample window, in billionths of a core. */
  usageNanoCores?: number;
  /** usageCoreNanoSeconds is the cumulative cpu time of all cores. */
  usageCoreNanoSeconds?: number;
}

/** MemoryStats is memory use at `time`; workingSetBytes is what eviction and `top` use. */
export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

/** ContainerStats is one running container's usage. */
export interface ContainerStats {
  name: string;
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
}

/** PodReference names a pod in a stats summary. */
export interface PodReference {
  name: string;
  namespace: string;
  uid: string;
}

/** PodStats is one pod's usage: its containers' and their sum. */
export interface PodStats {
  podRef: PodReference;
  startTime?: string;
  containers: ContainerStats[];
  cpu?: CPUStats;
  memory?: MemoryStats;
}

/** NodeStats is the whole node's usage. */
export interface NodeStats {
  nodeName: string;
  startTime?: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
}

/** Summary is the body of a node agent's `GET /stats/summary`. */
export interface Summary {
  node: NodeStats;
  pods: PodStats[];
}

/** NodeMetrics is one node's usage in metrics.k8s.io/v1beta1 (`cpu` in cores, `memory` in bytes). */
export interface NodeMetrics {
  apiVersion: 'metrics.k8s.io/v1beta1';
  kind: 'NodeMetrics';
  metadata: ObjectMeta;
  /** timestamp is when the usage was measured; `window` is what the rates average over. */
  timestamp: string;
  window: string;
  usage: ResourceList;
}

/** ContainerMetrics is one container's usage inside PodMetrics. */
export interface ContainerMetrics {
  name: string;
  usage: ResourceList;
}

/** PodMetrics is one pod's usage per container in metrics.k8s.io/v1beta1. */
export interface PodMetrics {
  apiVersion: 'metrics.k8s.io/v1beta1';
  kind: 'PodMetrics';
  metadata: ObjectMeta;
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

export interface NodeMetricsList {
  apiVersion: 'metrics.k8s.io/v1beta1';
  kind: 'NodeMetricsList';
  metadata: ListMeta;
  items: NodeMetrics[];
}

export interface PodMetricsList {
  apiVersion: 'metrics.k8s.io/v1beta1';
  kind: 'PodMetricsList';
  metadata: ListMeta;
  items: PodMetrics[];
}
