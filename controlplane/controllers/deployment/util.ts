import type { PodTemplateSpec, StoredDeployment, StoredReplicaSet } from '../../api/types/index.js';
import type { IntOrString } from '../../api/types/common.js';
import { parseTime } from '../replicaset/index.js';
import { canonicalJson, podTemplateHashLabel } from './hash.js';

/** The annotations the Deployment controller reads and writes (deployment_util.go). */
export const revisionAnnotation = 'deployment.kubernetes.io/revision';
export const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
export const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';
export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
export const rollbackToAnnotation = 'deprecated.deployment.rollback.to';
/** maxRevisionHistoryChars bounds the revision-history annotation. */
export const maxRevisionHistoryChars = 2000;

/** Condition reasons, exactly as Kubernetes writes them. */
export const reasons = {
  replicaSetUpdated: 'ReplicaSetUpdated',
  failedRSCreate: 'ReplicaSetCreateError',
  newReplicaSet: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

const annotationsToSkip = new Set([
  lastAppliedAnnotation,
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  rollbackToAnnotation,
]);

/** AnyDeployment is a Deployment as the controller reads it. */
export type AnyDeployment = Pick<StoredDeployment, 'metadata' | 'spec' | 'status'>;

const maxInt32 = 2 ** 31 - 1;

/** desiredReplicas is `spec.replicas` (1 when unset, as the server defaults it). */
export const desiredReplicas = (d: { spec?: { replicas?: number } }): number =>
  d.spec?.replicas ?? 1;

/** rsReplicas is a ReplicaSet's `spec.replicas` (1 when unset). */
export const rsReplicas = (rs: StoredReplicaSet): number => rs.spec?.replicas ?? 1;

/** isRollingUpdate: the strategy is RollingUpdate (the default). */
export const isRollingUpdate = (d: AnyDeployment): boolean =>
  (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

/**
 * valueFromIntOrPercent resolves a count or a percentage of `total`
 * (intstr.GetValueFromIntOrPercent): percentages round up or down as asked.
 * It throws a RangeError for a string that is not a percentage.
 */
export function valueFromIntOrPercent(
  v: IntOrString | undefined,
  total: number,
  roundUp: boolean,
): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    if (/^\d+$/.test(v)) return Number(v);
    throw new RangeError(`invalid value for IntOrString: ${JSON.stringify(v)} is not a percentage`);
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * resolveFenceposts turns maxSurge (rounded up) and maxUnavailable (rounded
 * down) into counts for `desired` replicas; if both come to 0,
 * maxUnavailable becomes 1 so that a rollout can always make progress.
 */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = valueFromIntOrPercent(maxSurge, desired, true);
  let unavailable = valueFromIntOrPercent(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** maxUnavailable is how many pods a rolling update may take down (0 for Recreate or 0 replicas). */
export function maxUnavailable(d: AnyDeployment): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}

/** maxSurge is how many pods above `spec.replicas` a rolling update may run (0 for Recreate). */
export function maxSurge(d: AnyDeployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desiredReplicas(d)).surge;
}

/** revisionOf reads a revision annotation: 0 when absent, undefined when malformed. */
export function revisionOf(obj: {
  metadata: { annotations?: Record<string, string> };
}): number | undefined {
  const v = obj.metadata.annotations?.[revisionAnnotation];
  if (v === undefined) return 0;
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

/** maxRevision is the highest revision among `rss` (malformed ones skipped). */
export function maxRevision(rss: readonly StoredReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) max = Math.max(max, revisionOf(rs) ?? 0);
  return max;
}

function intAnnotation(rs: StoredReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

/** desiredReplicasOf reads the desired-replicas annotation of a ReplicaSet. */
export const desiredReplicasOf = (rs: StoredReplicaSet): number | undefined =>
  intAnnotation(rs, desiredReplicasAnnotation);

/** setReplicasAnnotations sets desired- and max-replicas on `rs`; true if they changed. */
export function setReplicasAnnotations(
  rs: StoredReplicaSet,
  desired: number,
  max: number,
): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  if (a[desiredReplicasAnnotation] !== String(desired)) {
    a[desiredReplicasAnnotation] = String(desired);
    changed = true;
  }
  if (a[maxReplicasAnnotation] !== String(max)) {
    a[maxReplicasAnnotation] = String(max);
    changed = true;
  }
  return changed;
}

/** replicasAnnotationsNeedUpdate: desired- or max-replicas differ from these values. */
export function replicasAnnotationsNeedUpdate(
  rs: StoredReplicaSet,
  desired: number,
  max: number,
): boolean {
  const a = rs.metadata.annotations ?? {};
  return (
    a[desiredReplicasAnnotation] !== String(desired) || a[maxReplicasAnnotation] !== String(max)
  );
}

/**
 * setNewReplicaSetAnnotations makes the new ReplicaSet's annotations right
 * (SetNewReplicaSetAnnotations): the Deployment's annotations copied (but
 * not the controller's own or kubectl's last-applied), the revision raised
 * to `newRevision` if lower — remembering the old one in revision-history,
 * which is what a rollback to this ReplicaSet looks like — and, for a
 * ReplicaSet about to be created, desired- and max-replicas. True if
 * anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: AnyDeployment,
  rs: StoredReplicaSet,
  newRevision: number,
  exists: boolean,
): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (annotationsToSkip.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const old = a[revisionAnnotation];
  const oldRevision = old === undefined ? 0 : /^\d+$/.test(old) ? Number(old) : undefined;
  if (oldRevision === undefined) return changed;
  if (oldRevision < newRevision) {
    a[revisionAnnotation] = String(newRevision);
    changed = true;
    if (old !== undefined) {
      const history = a[revisionHistoryAnnotation];
      if (!history) {
        a[revisionHistoryAnnotation] = old;
      } else {
        const parts = history.split(',');
        while (
          parts.length > 0 &&
          parts.join(',').length + old.length + 1 > maxRevisionHistoryChars
        ) {
          parts.shift();
        }
        a[revisionHistoryAnnotation] = [...parts, old].join(',');
      }
    }
  }
  if (!exists) {
    const replicas = desiredReplicas(d);
    if (setReplicasAnnotations(rs, replicas, replicas + maxSurge(d))) changed = true;
  }
  return changed;
}

/** setDeploymentRevision sets the Deployment's revision annotation; true if it changed. */
export function setDeploymentRevision(d: AnyDeployment, revision: string): boolean {
  const a = (d.metadata.annotations ??= {});
  if (a[revisionAnnotation] === revision) return false;
  a[revisionAnnotation] = revision;
  return true;
}

// semantic drops what Go's semantic equality treats as absent: null and empty lists or maps.
function semantic(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map((x) => semantic(x) ?? null);
  if (v === null || typeof v !== 'object') return v ?? undefined;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const s = semantic(x);
    if (s !== undefined) out[k] = s;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * equalIgnoreHash compares two pod templates, ignoring the
 * pod-template-hash label and absent-vs-empty differences
 * (EqualIgnoreHash). This is how a Deployment finds the ReplicaSet that
 * runs its current template — including after a rollback.
 */
export function equalIgnoreHash(
  a: PodTemplateSpec | undefined,
  b: PodTemplateSpec | undefined,
): boolean {
  const strip = (t: PodTemplateSpec | undefined): unknown => {
    const c = structuredClone(t ?? {});
    if (c.metadata?.labels) delete c.metadata.labels[podTemplateHashLabel];
    return semantic(c);
  };
  return canonicalJson(strip(a) ?? {}) === canonicalJson(strip(b) ?? {});
}

/** byCreation orders ReplicaSets oldest first, then by name. */
export function byCreation(a: StoredReplicaSet, b: StoredReplicaSet): number {
  const ta = parseTime(a.metadata.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** bySizeNewer orders larger ReplicaSets first, newer first among equals (scaling up). */
export const bySizeNewer = (a: StoredReplicaSet, b: StoredReplicaSet): number =>
  rsReplicas(b) - rsReplicas(a) || byCreation(b, a);

/** bySizeOlder orders larger ReplicaSets first, older first among equals (scaling down). */
export const bySizeOlder = (a: StoredReplicaSet, b: StoredReplicaSet): number =>
  rsReplicas(b) - rsReplicas(a) || byCreation(a, b);

/** byRevision orders ReplicaSets by revision, then by age. */
export const byRevision = (a: StoredReplicaSet, b: StoredReplicaSet): number =>
  (revisionOf(a) ?? 0) - (revisionOf(b) ?? 0) || byCreation(a, b);

/** filterActive keeps the ReplicaSets that want pods. */
export const filterActive = (rss: readonly (StoredReplicaSet | undefined)[]): StoredReplicaSet[] =>
  rss.filter((rs): rs is StoredReplicaSet => rs !== undefined && rsReplicas(rs) > 0);

/** sumReplicas adds `spec.replicas`; sumStatus adds a status count. */
export const sumReplicas = (rss: readonly (StoredReplicaSet | undefined)[]): number =>
  rss.reduce((n, rs) => n + (rs ? rsReplicas(rs) : 0), 0);

export function sumStatus(
  rss: readonly (StoredReplicaSet | undefined)[],
  field: 'replicas' | 'readyReplicas' | 'availableReplicas',
): number {
  return rss.reduce((n, rs) => n + (rs?.status?.[field] ?? 0), 0);
}

/**
 * findNewReplicaSet returns the oldest ReplicaSet whose template equals the
 * Deployment's (there may be two after odd histories; the oldest wins).
 */
export function findNewReplicaSet(
  d: AnyDeployment,
  rss: readonly StoredReplicaSet[],
): StoredReplicaSet | undefined {
  return [...rss]
    .sort(byCreation)
    .find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** findOldReplicaSets is every ReplicaSet but the new one. */
export function findOldReplicaSets(
  d: AnyDeployment,
  rss: readonly StoredReplicaSet[],
): StoredReplicaSet[] {
  const fresh = findNewReplicaSet(d, rss);
  return rss.filter((rs) => rs.metadata.uid !== fresh?.metadata.uid);
}

/**
 * findActiveOrLatest returns the only ReplicaSet with replicas, or the
 * newest if none has any; undefined when several do (proportional scaling).
 */
export function findActiveOrLatest(
  newRS: StoredReplicaSet | undefined,
  oldRSs: readonly StoredReplicaSet[],
): StoredReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[0];
  return active.length === 1 ? active[0] : undefined;
}

/**
 * getProportion estimates how many of `toAdd` replicas (negative: to
 * remove) `rs` takes in a proportional scaling, given `added` so far
 * (GetProportion): its share of the Deployment's new maximum by the
 * max-replicas it was last sized for, never more than what is left.
 */
export function getProportion(
  rs: StoredReplicaSet,
  d: AnyDeployment,
  toAdd: number,
  added: number,
): number {
  if (rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function roundHalfAway(x: number): number {
  return x < 0 ? Math.ceil(x - 0.5) : Math.floor(x + 0.5);
}

function replicaSetFraction(rs: StoredReplicaSet, d: AnyDeployment): number {
  const replicas = desiredReplicas(d);
  if (replicas === 0) return -rsReplicas(rs);
  const deploymentReplicas = replicas + maxSurge(d);
  const annotated = intAnnotation(rs, maxReplicasAnnotation) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  return roundHalfAway((rsReplicas(rs) * deploymentReplicas) / annotated) - rsReplicas(rs);
}

/**
 * newRSNewReplicas is the size the new ReplicaSet may grow to now: for a
 * rolling update, up to spec.replicas + maxSurge pods in all and never more
 * than spec.replicas in the new one; for Recreate, spec.replicas.
 */
export function newRSNewReplicas(
  d: AnyDeployment,
  allRSs: readonly (StoredReplicaSet | undefined)[],
  newRS: StoredReplicaSet,
): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const surge = valueFromIntOrPercent(d.spec?.strategy?.rollingUpdate?.maxSurge, replicas, true);
  const current = sumReplicas(allRSs);
  const maxTotal = replicas + surge;
  if (current >= maxTotal) return rsReplicas(newRS);
  const up = Math.min(maxTotal - current, replicas - rsReplicas(newRS));
  return rsReplicas(newRS) + up;
}

/** isSaturated: the new ReplicaSet is at full size, believes so, and all of it is available. */
export function isSaturated(d: AnyDeployment, rs: StoredReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasOf(rs);
  const replicas = desiredReplicas(d);
  return (
    desired !== undefined &&
    rsReplicas(rs) === replicas &&
    desired === replicas &&
    (rs.status?.availableReplicas ?? 0) === replicas
  );
}

/** hasProgressDeadline: progressDeadlineSeconds is set and not "forever" (MaxInt32). */
export const hasProgressDeadline = (d: AnyDeployment): boolean =>
  d.spec?.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== maxInt32;

/** hasRevisionHistoryLimit: old ReplicaSets are cleaned up (the limit is set and not MaxInt32). */
export const hasRevisionHistoryLimit = (d: AnyDeployment): boolean =>
  d.spec?.revisionHistoryLimit !== undefined && d.spec.revisionHistoryLimit !== maxInt32;

/** skipsAnnotation: `key` is one the controller never copies from a Deployment to its ReplicaSets. */
export function skipsAnnotation(key: string): boolean {
  return annotationsToSkip.has(key);
}
