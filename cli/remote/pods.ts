import type { LabelSelector } from '../../controlplane/api/meta.js';
import { selectorFromLabelSelector } from '../../controlplane/api/labels/index.js';
import type { ResourceInfo } from '../../controlplane/api/resources.js';
import type { Pod } from '../../controlplane/api/types/index.js';
import { CliError } from '../errors.js';
import type { Obj } from '../resources/fetch.js';

/**
 * How kubectl picks pods and containers for `logs` and `exec`: the label
 * selector behind a workload, the "best" pod among those it selects, the
 * default container of a pod. Pure functions over API objects.
 */

/** DEFAULT_CONTAINER_ANNOTATION names a pod's preferred container for logs and exec. */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/**
 * PodLike is the part of a pod these functions read; ephemeral containers
 * are included though Tugboat's Pod type does not model them.
 */
export type PodLike = Pod & {
  metadata: NonNullable<Pod['metadata']> & { name: string };
  spec?: Pod['spec'] & { ephemeralContainers?: { name: string }[] };
};

/** goType is how kubectl names an object's Go type in its messages (`*v1.ConfigMap`). */
const goType = (info: ResourceInfo): string => `*${info.version}.${info.kind}`;

/**
 * selectorForObject is the label selector (canonical text) whose pods stand
 * for a workload, as kubectl's SelectorsForObject finds it: a Deployment's
 * or ReplicaSet's spec.selector, a Service's spec.selector map. `verb`
 * words the error for kinds without one (`cannot get the logs from …`,
 * `cannot attach to …`).
 */
export function selectorForObject(info: ResourceInfo, obj: Obj, verb: string): string {
  const spec = (obj['spec'] ?? {}) as { selector?: unknown };
  const name = obj.metadata?.name ?? '';
  const fail = (why: string): never => {
    throw new CliError(`${verb} ${goType(info)}: ${why}`);
  };
  if (info.group === '' && info.kind === 'Service') {
    const sel = spec.selector as Record<string, string> | undefined;
    if (!sel || Object.keys(sel).length === 0) {
      fail(`invalid service '${name}': Service is defined without a selector`);
    }
    return selectorFromLabelSelector({ matchLabels: sel }).toString();
  }
  if (
    info.group === 'apps' &&
    ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(info.kind)
  ) {
    const sel = spec.selector as LabelSelector | undefined;
    try {
      const s = selectorFromLabelSelector(sel);
      if (s.empty()) fail('invalid label selector: it selects nothing');
      return s.toString();
    } catch (e) {
      if (e instanceof CliError) throw e;
      return fail(`invalid label selector: ${(e as Error).message}`);
    }
  }
  return fail(`selector for ${goType(info)} not implemented`);
}

const isReady = (p: PodLike): boolean =>
  !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

const readyTime = (p: PodLike): number | undefined => {
  const c = p.status?.conditions?.find((x) => x.type === 'Ready' && x.status === 'True');
  const t = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isNaN(t) ? undefined : t;
};

const created = (p: PodLike): number | undefined => {
  const t = p.metadata.creationTimestamp ? Date.parse(p.metadata.creationTimestamp) : NaN;
  return Number.isNaN(t) ? undefined : t;
};

const maxRestarts = (p: PodLike): number =>
  Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));

/** afterOrZero is apimachinery's: a missing time counts as after every time. */
const afterOrZero = (a: number | undefined, b: number | undefined): boolean =>
  a === undefined || b === undefined ? a === undefined : a > b;

/**
 * byLogging orders pods as kubectl's podutils.ByLogging does, best for
 * reading logs first: assigned to a node, Running (then Unknown, then
 * Pending; other phases rank with Running, as Go's map lookup gives 0),
 * ready, ready for longer, more restarts, older. A comparator for `sort`.
 */
export function byLogging(a: PodLike, b: PodLike): number {
  const less = (x: PodLike, y: PodLike): boolean => {
    const xn = x.spec?.nodeName ?? '';
    const yn = y.spec?.nodeName ?? '';
    if (xn !== yn && (xn === '' || yn === '')) return xn !== '';
    const rank = (p: PodLike): number =>
      ({ Unknown: 1, Pending: 2 })[p.status?.phase as string] ?? 0;
    if (rank(x) !== rank(y)) return rank(x) < rank(y);
    if (isReady(x) !== isReady(y)) return isReady(x);
    if (isReady(x) && isReady(y) && readyTime(x) !== readyTime(y)) {
      return afterOrZero(readyTime(y), readyTime(x));
    }
    if (maxRestarts(x) !== maxRestarts(y)) return maxRestarts(x) > maxRestarts(y);
    if (created(x) !== created(y)) return afterOrZero(created(y), created(x));
    return false;
  };
  return less(a, b) ? -1 : less(b, a) ? 1 : 0;
}

/**
 * mostActive orders pods as kubectl's exec and attach do
 * (`sort.Reverse(podutils.ActivePods)`), the one to use first: assigned,
 * Running (then Unknown, then Pending), ready, ready for longer, fewer
 * restarts, older.
 */
export function mostActive(a: PodLike, b: PodLike): number {
  const less = (x: PodLike, y: PodLike): boolean => {
    const xn = x.spec?.nodeName ?? '';
    const yn = y.spec?.nodeName ?? '';
    if (xn !== yn && (xn === '' || yn === '')) return xn === '';
    const rank = (p: PodLike): number =>
      ({ Pending: 0, Unknown: 1, Running: 2 })[p.status?.phase as string] ?? 0;
    if (rank(x) !== rank(y)) return rank(x) < rank(y);
    if (isReady(x) !== isReady(y)) return !isReady(x);
    if (isReady(x) && isReady(y) && readyTime(x) !== readyTime(y)) {
      return afterOrZero(readyTime(x), readyTime(y));
    }
    if (maxRestarts(x) !== maxRestarts(y)) return maxRestarts(x) > maxRestarts(y);
    if (created(x) !== created(y)) return afterOrZero(created(x), created(y));
    return false;
  };
  // Reversed: the most active first.
  return less(b, a) ? -1 : less(a, b) ? 1 : 0;
}

/** allContainerNames lists a pod's containers as kubectl shows them: `a, b, init (init), dbg (ephem)`. */
export function allContainerNames(pod: PodLike): string {
  return [
    ...(pod.spec?.containers ?? []).map((c) => c.name),
    ...(pod.spec?.initContainers ?? []).map((c) => `${c.name} (init)`),
    ...(pod.spec?.ephemeralContainers ?? []).map((c) => `${c.name} (ephem)`),
  ].join(', ');
}

/** hasContainer tells whether a pod has a container (regular, init or ephemeral) of that name. */
export function hasContainer(pod: PodLike, name: string): boolean {
  const s = pod.spec;
  return [
    ...(s?.containers ?? []),
    ...(s?.initContainers ?? []),
    ...(s?.ephemeralContainers ?? []),
  ].some((c) => c.name === name);
}

/** DefaultContainer is the container chosen for a pod and, when kubectl would say so, why. */
export interface DefaultContainer {
  name: string;
  /** notice is the line kubectl prints on stderr (`Defaulted container "a" out of: a, b`). */
  notice?: string;
}

/**
 * defaultContainer picks the container kubectl uses when none is named:
 * the one the `kubectl.kubernetes.io/default-container` annotation names
 * (when it exists), else the first, with a notice when there were others
 * to choose from. Throws for a pod without containers.
 */
export function defaultContainer(pod: PodLike): DefaultContainer {
  const containers = pod.spec?.containers ?? [];
  const first = containers[0];
  if (!first) {
    throw new CliError(
      `pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name} does not have any containers`,
    );
  }
  const preferred = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (preferred && hasContainer(pod, preferred)) return { name: preferred };
  const others =
    containers.length > 1 ||
    (pod.spec?.initContainers?.length ?? 0) > 0 ||
    (pod.spec?.ephemeralContainers?.length ?? 0) > 0;
  return others
    ? {
        name: first.name,
        notice: `Defaulted container "${first.name}" out of: ${allContainerNames(pod)}`,
      }
    : { name: first.name };
}

/** everyContainer lists all of a pod's containers in kubectl's `--all-containers` order: init, regular, ephemeral. */
export function everyContainer(pod: PodLike): string[] {
  const s = pod.spec;
  return [
    ...(s?.initContainers ?? []).map((c) => c.name),
    ...(s?.containers ?? []).map((c) => c.name),
    ...(s?.ephemeralContainers ?? []).map((c) => c.name),
  ];
}
