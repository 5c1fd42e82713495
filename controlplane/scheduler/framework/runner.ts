import type { NodeInfo } from '../cache/index.js';
import {
  MAX_NODE_SCORE,
  type NodeScore,
  type PodContext,
  type Profile,
  type ScorePlugin,
} from './interface.js';
import { errorStatus, isSuccess, success, withPlugin, type Status } from './status.js';

/**
 * runFilters runs the profile's filters on one node in order and returns the
 * first failing Status, labelled with its plugin; success when all pass. A
 * filter that throws yields an `Error` status rather than escaping.
 */
export function runFilters(profile: Profile, ctx: PodContext, node: NodeInfo): Status {
  for (const f of profile.filters) {
    let s: Status;
    try {
      s = f.filter(ctx, node);
    } catch (e) {
      s = errorStatus(e);
    }
    if (!isSuccess(s)) return withPlugin(s, f.name);
  }
  return success;
}

/** FilterResult is the outcome of filtering every node: the feasible ones and why the others failed. */
export interface FilterResult {
  readonly feasible: NodeInfo[];
  /** statuses maps each rejected node's name to the Status of the filter that rejected it. */
  readonly statuses: Map<string, Status>;
}

/** findFeasibleNodes filters every node. */
export function findFeasibleNodes(
  profile: Profile,
  ctx: PodContext,
  nodes: readonly NodeInfo[],
): FilterResult {
  const feasible: NodeInfo[] = [];
  const statuses = new Map<string, Status>();
  for (const n of nodes) {
    const s = runFilters(profile, ctx, n);
    if (isSuccess(s)) feasible.push(n);
    else statuses.set(n.name, s);
  }
  return { feasible, statuses };
}

function runScore(p: ScorePlugin, ctx: PodContext, nodes: readonly NodeInfo[]): NodeScore[] {
  const scores = nodes.map((n) => ({ name: n.name, score: p.score(ctx, n) }));
  p.normalize?.(ctx, scores);
  for (const s of scores) {
    s.score = Number.isFinite(s.score) ? Math.min(MAX_NODE_SCORE, Math.max(0, s.score)) : 0;
  }
  return scores;
}

/**
 * scoreNodes runs every score plugin over the feasible nodes, normalises
 * each plugin's scores onto 0–100, and returns each node's weighted sum (in
 * the order of `nodes`). A throwing plugin propagates: scoring errors are
 * bugs, and the attempt is retried with backoff.
 */
export function scoreNodes(
  profile: Profile,
  ctx: PodContext,
  nodes: readonly NodeInfo[],
): NodeScore[] {
  const total = nodes.map((n) => ({ name: n.name, score: 0 }));
  for (const { plugin, weight } of profile.scores) {
    const scores = runScore(plugin, ctx, nodes);
    scores.forEach((s, i) => {
      (total[i] as NodeScore).score += s.score * weight;
    });
  }
  return total;
}

/**
 * selectHost picks the highest total score, breaking ties uniformly at
 * random (reservoir sampling, as kube-scheduler) so equal nodes share load.
 * Returns undefined for an empty list.
 */
export function selectHost(scores: readonly NodeScore[], random: () => number): string | undefined {
  let best: NodeScore | undefined;
  let ties = 0;
  for (const s of scores) {
    if (!best || s.score > best.score) {
      best = s;
      ties = 1;
    } else if (s.score === best.score) {
      ties++;
      if (random() * ties < 1) best = s;
    }
  }
  return best?.name;
}
