import type * as T from '../../../controlplane/api/types/index.js';
import { CliError } from '../../errors.js';
import { ownedReplicaSets } from '../../describe/workloads.js';

/** revisionAnnotation holds a ReplicaSet's (and its deployment's) revision number. */
export const revisionAnnotation = 'deployment.kubernetes.io/revision';
/** changeCauseAnnotation is the free-text reason `rollout history` shows. */
export const changeCauseAnnotation = 'kubernetes.io/change-cause';

/** revisionOf reads a revision annotation; undefined when absent or not a number. */
export function revisionOf(o: {
  metadata?: { annotations?: Record<string, string> };
}): number | undefined {
  const v = o.metadata?.annotations?.[revisionAnnotation];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** History is a deployment's revisions (ascending) with each one's ReplicaSet. */
export type History = { revision: number; rs: T.ReplicaSet }[];

/** deploymentHistory lists the revisions of the ReplicaSets `d` controls. */
export function deploymentHistory(d: T.Deployment, replicaSets: readonly T.ReplicaSet[]): History {
  const byRev = new Map<number, T.ReplicaSet>();
  for (const rs of ownedReplicaSets(d, replicaSets).owned) {
    const r = revisionOf(rs);
    if (r !== undefined) byRev.set(r, rs);
  }
  return [...byRev.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([revision, rs]) => ({ revision, rs }));
}

/** historyTable renders `REVISION  CHANGE-CAUSE` rows as kubectl's history viewer. */
export function historyTable(h: History): string[][] {
  return [
    ['REVISION', 'CHANGE-CAUSE'],
    ...h.map(({ revision, rs }) => [
      String(revision),
      rs.metadata?.annotations?.[changeCauseAnnotation] || '<none>',
    ]),
  ];
}

/**
 * rollbackTarget picks the ReplicaSet `undo` restores: the given revision,
 * or the newest but one (kubectl's deploymentRevision).
 */
export function rollbackTarget(d: T.Deployment, h: History, toRevision: number): T.ReplicaSet {
  if (toRevision < 0)
    throw new CliError(`unable to find specified revision ${toRevision} in history`);
  if (toRevision > 0) {
    const hit = h.find((e) => e.revision === toRevision);
    if (!hit) throw new CliError(`unable to find specified revision ${toRevision} in history`);
    return hit.rs;
  }
  const previous = h[h.length - 2];
  if (!previous)
    throw new CliError(`no rollout history found for deployment "${d.metadata?.name ?? ''}"`);
  return previous.rs;
}

const annotationsToSkip = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/**
 * rollbackPatch is the JSON patch kubectl 1.32 sends to undo: replace
 * spec.template with the ReplicaSet's (without pod-template-hash) and
 * metadata.annotations with the deployment's bookkeeping annotations plus
 * the ReplicaSet's others.
 */
export function rollbackPatch(d: T.Deployment, rs: T.ReplicaSet): unknown[] {
  const template = structuredClone(rs.spec?.template ?? {}) as T.PodTemplateSpec;
  if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash'];
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {}))
    if (annotationsToSkip.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(rs.metadata?.annotations ?? {}))
    if (!annotationsToSkip.has(k)) annotations[k] = v;
  return [
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ];
}
