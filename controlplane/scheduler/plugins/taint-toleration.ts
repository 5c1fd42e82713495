import type { Taint } from '../../api/types/index.js';
import {
  MAX_NODE_SCORE,
  success,
  unresolvable,
  type FilterPlugin,
  type ScorePlugin,
} from '../framework/index.js';
import { firstUntoleratedTaint, taintReason, toleratesTaint } from './tolerations.js';

/**
 * taintToleration keeps pods off nodes with a NoSchedule or NoExecute taint
 * they don't tolerate (reason: `node(s) had untolerated taint {key: value}`,
 * naming the first such taint), and as a score prefers nodes with fewer
 * untolerated PreferNoSchedule taints.
 */
export const taintToleration = {
  name: 'TaintToleration',
  events: ['NodeAdd', 'NodeUpdate'],
  filter(ctx, node) {
    const taint = firstUntoleratedTaint(node.node?.spec?.taints, ctx.pod.spec?.tolerations, [
      'NoSchedule',
      'NoExecute',
    ]);
    return taint ? unresolvable(taintReason(taint)) : success;
  },
  score(ctx, node) {
    // Only tolerations that can apply to PreferNoSchedule taints count here.
    const tols = ctx.state.memo('TaintToleration/prefer', () =>
      (ctx.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule'),
    );
    const untolerated = (t: Taint): boolean =>
      t.effect === 'PreferNoSchedule' && !tols.some((tol) => toleratesTaint(tol, t));
    return (node.node?.spec?.taints ?? []).filter(untolerated).length;
  },
  normalize(_ctx, scores) {
    // Fewer untolerated taints is better: reverse onto 0–100.
    const max = Math.max(0, ...scores.map((s) => s.score));
    for (const s of scores) {
      s.score =
        max === 0 ? MAX_NODE_SCORE : MAX_NODE_SCORE - Math.floor((s.score * MAX_NODE_SCORE) / max);
    }
  },
} satisfies FilterPlugin & ScorePlugin;
