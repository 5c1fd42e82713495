import { MAX_NODE_SCORE, type ScorePlugin } from '../framework/index.js';

/**
 * selectorSpread spreads the pods of one controller (the owner reference with
 * `controller: true`: a ReplicaSet, a Job…) across nodes: a node scores by
 * how many of its siblings in the same namespace it already holds (assumed
 * ones included, so a burst of replicas spreads before any binding lands),
 * reversed and normalised so the emptiest node gets 100. A pod without a
 * controller scores 100 everywhere.
 */
export const selectorSpread = {
  name: 'SelectorSpread',
  score(ctx, node) {
    const owner = ctx.info.controllerUid;
    if (!owner) return 0;
    let n = 0;
    for (const p of node.pods.values()) {
      if (p.controllerUid === owner && p.namespace === ctx.info.namespace) n++;
    }
    return n;
  },
  normalize(_ctx, scores) {
    const max = Math.max(0, ...scores.map((s) => s.score));
    for (const s of scores) {
      s.score = max === 0 ? MAX_NODE_SCORE : Math.floor(((max - s.score) * MAX_NODE_SCORE) / max);
    }
  },
} satisfies ScorePlugin;
