import { CPU, MEMORY } from '../cache/index.js';
import { MAX_NODE_SCORE, type ScorePlugin } from '../framework/index.js';

/** leastAllocatedScore is one resource's score: the share left free after the pod, 0–100. */
export function leastAllocatedScore(requested: bigint, allocatable: bigint): number {
  if (allocatable <= 0n || requested > allocatable) return 0;
  return Number(((allocatable - requested) * BigInt(MAX_NODE_SCORE)) / allocatable);
}

/**
 * leastAllocated prefers emptier nodes (kube-scheduler's NodeResourcesFit
 * LeastAllocated strategy): the mean, over cpu and memory, of the share of
 * allocatable that stays free once the pod is added. Requests count with
 * the non-zero defaults (100m cpu, 200Mi memory per container without a
 * request), so best-effort pods spread too.
 */
export const leastAllocated = {
  name: 'LeastAllocated',
  score(ctx, node) {
    const cpu = leastAllocatedScore(
      node.nonZeroCpu + ctx.info.nonZeroCpu,
      node.allocatable.get(CPU),
    );
    const mem = leastAllocatedScore(
      node.nonZeroMemory + ctx.info.nonZeroMemory,
      node.allocatable.get(MEMORY),
    );
    return Math.floor((cpu + mem) / 2);
  },
} satisfies ScorePlugin;
