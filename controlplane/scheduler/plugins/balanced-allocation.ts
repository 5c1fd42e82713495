import { CPU, MEMORY } from '../cache/index.js';
import { MAX_NODE_SCORE, type ScorePlugin } from '../framework/index.js';

/** fraction is requested/allocatable as a float, capped at 1. */
function fraction(requested: bigint, allocatable: bigint): number {
  if (allocatable <= 0n) return 1;
  // Scale first so the division keeps precision for any realistic quantity.
  const f = Number((requested * 1_000_000n) / allocatable) / 1_000_000;
  return Math.min(1, f);
}

/**
 * balancedAllocation prefers nodes whose cpu and memory would be used in
 * equal shares once the pod is added (kube-scheduler's
 * NodeResourcesBalancedAllocation): 100 × (1 − standard deviation of the
 * cpu and memory fractions). Real requests count, not the scoring defaults.
 */
export const balancedAllocation = {
  name: 'BalancedAllocation',
  score(ctx, node) {
    const fractions: number[] = [];
    for (const r of [CPU, MEMORY]) {
      const alloc = node.allocatable.get(r);
      if (alloc <= 0n) continue;
      fractions.push(fraction(node.requested.get(r) + ctx.info.requests.get(r), alloc));
    }
    if (fractions.length < 2) return MAX_NODE_SCORE;
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    const variance = fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length;
    return Math.floor((1 - Math.sqrt(variance)) * MAX_NODE_SCORE);
  },
} satisfies ScorePlugin;
