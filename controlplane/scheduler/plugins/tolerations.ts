import type { Taint, TaintEffect, Toleration } from '../../api/types/index.js';

/**
 * toleratesTaint is core/v1 `Toleration.ToleratesTaint`: the effect matches
 * (an empty effect matches all), the key matches (an empty key matches all —
 * validation only allows that with `Exists`), and with `Exists` any value
 * matches while `Equal` (or no operator) needs the same value.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** tolerated tells whether any of `tolerations` tolerates `taint`. */
export function tolerated(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

/**
 * firstUntoleratedTaint returns the first taint whose effect is in `effects`
 * and which no toleration tolerates (Kubernetes' FindMatchingUntoleratedTaint).
 */
export function firstUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  effects: readonly TaintEffect[],
): Taint | undefined {
  return (taints ?? []).find((t) => effects.includes(t.effect) && !tolerated(tolerations, t));
}

/** taintReason is kube-scheduler's reason for an untolerated taint: `node(s) had untolerated taint {key: value}`. */
export function taintReason(taint: Pick<Taint, 'key' | 'value'>): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}
