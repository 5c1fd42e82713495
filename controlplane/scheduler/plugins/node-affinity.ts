import type { Requirement, SelectorOperator } from '../../api/labels/index.js';
import { requirementMatches } from '../../api/labels/index.js';
import type {
  NodeSelectorOperator,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  StoredNode,
} from '../../api/types/index.js';
import {
  MAX_NODE_SCORE,
  success,
  unresolvable,
  type FilterPlugin,
  type PodContext,
  type ScorePlugin,
} from '../framework/index.js';

/** ERR_AFFINITY is kube-scheduler's reason for a node that fails the pod's node selector or affinity. */
export const ERR_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

const operators: Record<NodeSelectorOperator, SelectorOperator> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
  Gt: 'gt',
  Lt: 'lt',
};

// toRequirement checks a requirement as Kubernetes does when it builds the
// selector; an invalid one (In without values, Gt with a non-integer…) makes
// its term match nothing.
function toRequirement(r: NodeSelectorRequirement): Requirement | undefined {
  const op = operators[r.operator];
  const values = r.values ?? [];
  if (!op || !r.key) return undefined;
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) return undefined;
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) return undefined;
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1 || !/^[+-]?\d+$/.test(values[0] ?? '')) return undefined;
      break;
  }
  return { key: r.key, operator: op, values };
}

/**
 * termMatches is a NodeSelectorTerm against a node: every matchExpression on
 * the node's labels and every matchField (only `metadata.name` exists) must
 * hold. An empty term matches nothing.
 */
export function termMatches(term: NodeSelectorTerm, node: StoredNode): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const e of exprs) {
    const r = toRequirement(e);
    if (!r || !requirementMatches(r, node.metadata.labels)) return false;
  }
  for (const f of fields) {
    if (f.key !== 'metadata.name' || (f.operator !== 'In' && f.operator !== 'NotIn')) return false;
    const r = toRequirement(f);
    if (!r || !requirementMatches(r, { 'metadata.name': node.metadata.name })) return false;
  }
  return true;
}

/**
 * podMatchesNode is the pod's hard node constraints against a node:
 * every `nodeSelector` label must be equal, and one of the terms of
 * requiredDuringSchedulingIgnoredDuringExecution (ORed) must match.
 */
export function podMatchesNode(ctx: PodContext, node: StoredNode): boolean {
  const spec = ctx.pod.spec;
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) {
    if (!Object.hasOwn(labels, k) || labels[k] !== v) return false;
  }
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => termMatches(t, node));
}

/**
 * nodeAffinity filters on the pod's nodeSelector and required node affinity
 * (operators In, NotIn, Exists, DoesNotExist, Gt, Lt), and scores by the sum
 * of the weights of the preferred terms a node matches, normalised so the
 * best node gets 100.
 */
export const nodeAffinity = {
  name: 'NodeAffinity',
  events: ['NodeAdd', 'NodeUpdate'],
  filter(ctx, node) {
    if (!node.node) return unresolvable(ERR_AFFINITY);
    return podMatchesNode(ctx, node.node) ? success : unresolvable(ERR_AFFINITY);
  },
  score(ctx, node) {
    const preferred =
      ctx.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    if (!node.node) return 0;
    let sum = 0;
    for (const p of preferred) {
      if (p.weight > 0 && termMatches(p.preference, node.node)) sum += p.weight;
    }
    return sum;
  },
  normalize(_ctx, scores) {
    const max = Math.max(0, ...scores.map((s) => s.score));
    if (max === 0) return;
    for (const s of scores) s.score = Math.floor((s.score * MAX_NODE_SCORE) / max);
  },
} satisfies FilterPlugin & ScorePlugin;
