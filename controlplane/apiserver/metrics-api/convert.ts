import { Quantity } from '../../api/quantity/index.js';
import type {
  NodeMetrics,
  PodMetrics,
  PodStats,
  ResourceList,
  Summary,
} from '../../api/types/index.js';

/**
 * From kubelet Summaries to metrics.k8s.io objects, as metrics-server does:
 * cpu is the rate in cores (`usageNanoCores`, shown in nanocores), memory is
 * the working set (bytes, binary suffixes). Pure functions.
 */

/** METRICS_WINDOW is the window the agents' cpu rates average over (their sampling period). */
export const METRICS_WINDOW = '10s';

/** cpuQuantity renders nanocores canonically: `1234567n`, `1m` for a round million, `0`. */
export function cpuQuantity(nanoCores: number): string {
  return Quantity.parse(`${Math.max(0, Math.round(nanoCores))}n`).toString();
}

/** memoryQuantity renders bytes as Kubernetes' BinarySI does: `10240Ki` → `10Mi`, odd byte counts plain. */
export function memoryQuantity(bytes: number): string {
  const b = Math.max(0, Math.round(bytes));
  return b % 1024 === 0 ? Quantity.parse(`${b / 1024}Ki`).toString() : String(b);
}

function usage(nanoCores: number, workingSet: number): ResourceList {
  return { cpu: cpuQuantity(nanoCores), memory: memoryQuantity(workingSet) };
}

interface MetaSource {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

/**
 * nodeMetrics is a node's NodeMetrics from its agent's Summary, or undefined
 * while the agent has no cpu rate yet (it needs two samples) or no memory.
 */
export function nodeMetrics(
  node: MetaSource,
  summary: Summary,
  now: string,
): NodeMetrics | undefined {
  const cpu = summary.node.cpu?.usageNanoCores;
  const mem = summary.node.memory?.workingSetBytes;
  if (cpu === undefined || mem === undefined) return undefined;
  return {
    apiVersion: 'metrics.k8s.io/v1beta1',
    kind: 'NodeMetrics',
    metadata: {
      name: node.metadata.name,
      creationTimestamp: now,
      ...(node.metadata.labels ? { labels: node.metadata.labels } : {}),
    },
    timestamp: summary.node.cpu?.time ?? now,
    window: METRICS_WINDOW,
    usage: usage(cpu, mem),
  };
}

/**
 * podMetrics is a pod's PodMetrics from its entry in its node's Summary:
 * one usage per container measured (sorted by name), or undefined when no
 * container of it has been measured.
 */
export function podMetrics(pod: MetaSource, stats: PodStats, now: string): PodMetrics | undefined {
  const containers = stats.containers
    .filter((c) => c.cpu?.usageNanoCores !== undefined && c.memory?.workingSetBytes !== undefined)
    .map((c) => ({
      name: c.name,
      usage: usage(c.cpu!.usageNanoCores!, c.memory!.workingSetBytes!),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (containers.length === 0) return undefined;
  return {
    apiVersion: 'metrics.k8s.io/v1beta1',
    kind: 'PodMetrics',
    metadata: {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace ?? stats.podRef.namespace,
      creationTimestamp: now,
      ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
    },
    timestamp: stats.cpu?.time ?? stats.containers[0]?.cpu?.time ?? now,
    window: METRICS_WINDOW,
    containers,
  };
}
