/** percentile returns the p-th percentile (0–100) of `values` (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** fmt prints a number with `digits` decimals. */
export const fmt = (n: number, digits = 1): string => n.toFixed(digits);

/**
 * runConcurrent calls `task(i)` for i in [0, total) with at most `inFlight`
 * running at once, and resolves when all are done (rejecting on the first failure).
 */
export async function runConcurrent(
  total: number,
  inFlight: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker));
}

/** nowMs is a monotonic clock in milliseconds with sub-ms resolution. */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
