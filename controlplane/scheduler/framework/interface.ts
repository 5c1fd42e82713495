import type { StoredPod } from '../../api/types/index.js';
import type { NodeInfo, PodInfo } from '../cache/index.js';
import type { Status } from './status.js';

/**
 * ClusterEvent is a change that may make an unschedulable pod fit:
 * `NodeAdd`, `NodeUpdate` (a scheduling-relevant field changed), and
 * `PodDelete` (a bound pod went away or finished, or an assumed one was
 * forgotten, freeing resources and ports).
 */
export type ClusterEvent = 'NodeAdd' | 'NodeUpdate' | 'PodDelete';

/**
 * CycleState carries what plugins compute once per pod per scheduling cycle
 * (kube-scheduler's PreFilter results): `memo` computes a value on first use
 * and hands the same one to every node after.
 */
export class CycleState {
  private readonly m = new Map<string, unknown>();

  /** memo returns the value stored under `key`, computing it with `make` the first time. */
  memo<T>(key: string, make: () => T): T {
    if (this.m.has(key)) return this.m.get(key) as T;
    const v = make();
    this.m.set(key, v);
    return v;
  }
}

/** PodContext is the pod being scheduled, what the cache derives from it, and the cycle's state. */
export interface PodContext {
  readonly pod: StoredPod;
  readonly info: PodInfo;
  readonly state: CycleState;
}

/** Plugin is anything the framework runs; `name` appears in logs and failure records. */
export interface Plugin {
  readonly name: string;
}

/**
 * FilterPlugin decides whether a pod may go on a node. `filter` is
 * synchronous, reads only the PodContext and the NodeInfo, and returns a
 * Status — `Unschedulable` with the reasons the user sees — instead of
 * throwing for an expected outcome. `events` lists the cluster changes that
 * can turn its "no" into a "yes": a pod it rejected is retried on those.
 */
export interface FilterPlugin extends Plugin {
  readonly events: readonly ClusterEvent[];
  filter(ctx: PodContext, node: NodeInfo): Status;
}

/** NodeScore is one node's score during scoring. */
export interface NodeScore {
  readonly name: string;
  score: number;
}

/**
 * ScorePlugin ranks the nodes that passed every filter. `score` gives a raw
 * number for one node; `normalize`, when present, rewrites the scores of all
 * feasible nodes in place onto 0–100 (a plugin without it must already score
 * on 0–100). The framework clamps to 0–100 and multiplies by the weight.
 */
export interface ScorePlugin extends Plugin {
  score(ctx: PodContext, node: NodeInfo): number;
  normalize?(ctx: PodContext, scores: NodeScore[]): void;
}

/** WeightedScorePlugin is a ScorePlugin with its weight in the sum. */
export interface WeightedScorePlugin {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}

/**
 * Profile is one scheduler configuration: the schedulerName whose pods it
 * takes, its filters in the order they run (the first failing one decides a
 * node's reason), and its weighted scores.
 */
export interface Profile {
  readonly schedulerName: string;
  readonly filters: readonly FilterPlugin[];
  readonly scores: readonly WeightedScorePlugin[];
}

/** MAX_NODE_SCORE is the top of the normalised score range. */
export const MAX_NODE_SCORE = 100;
