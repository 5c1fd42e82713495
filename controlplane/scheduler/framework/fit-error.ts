import type { Status } from './status.js';

/** NO_NODES_MESSAGE is kube-scheduler's message when the cluster has no nodes at all. */
export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';

/**
 * fitErrorMessage is kube-scheduler's FitError text: "0/N nodes are
 * available: " then each reason with the number of nodes that gave it,
 * `"<count> <reason>"`, sorted as strings and joined by ", ", then ".".
 * A node may contribute several reasons (e.g. Insufficient cpu and memory).
 */
export function fitErrorMessage(
  numAllNodes: number,
  statuses: ReadonlyMap<string, Status>,
): string {
  if (numAllNodes === 0) return NO_NODES_MESSAGE;
  const counts = new Map<string, number>();
  for (const s of statuses.values()) {
    for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  const parts = [...counts].map(([reason, n]) => `${n} ${reason}`);
  // Go's sort.Strings: byte order, which for these ASCII texts is code-unit order.
  parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let msg = `0/${numAllNodes} nodes are available:`;
  if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  return msg;
}

/**
 * FitError says no node can take the pod: which filter rejected each node,
 * and (as its message) the text that goes into the PodScheduled condition
 * and the FailedScheduling event.
 */
export class FitError extends Error {
  override name = 'FitError';

  constructor(
    readonly numAllNodes: number,
    readonly statuses: ReadonlyMap<string, Status>,
  ) {
    super(fitErrorMessage(numAllNodes, statuses));
  }

  /** unschedulablePlugins names the filters that rejected at least one node. */
  unschedulablePlugins(): Set<string> {
    const out = new Set<string>();
    for (const s of this.statuses.values()) if (s.plugin) out.add(s.plugin);
    return out;
  }
}

/** isFitError is the guard for FitError. */
export function isFitError(e: unknown): e is FitError {
  return e instanceof FitError;
}
