import type {
  Container,
  ContainerState,
  ContainerStatus,
  PodCondition,
  PodPhase,
  PodStatus,
  StoredPod,
} from '../../controlplane/api/types/index.js';
import type { ObservedContainer, ObservedSandbox, PodRuntimeState } from '../runtime/pod-state.js';

/** CONTAINER_ID_SCHEME prefixes container IDs in pod status (`tug-shim://<id>`). */
export const CONTAINER_ID_SCHEME = 'tug-shim';

/** rfc3339 formats milliseconds as Kubernetes' Time: RFC 3339 with whole seconds. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** WaitingReason is why a container is not running, from the last sync (CrashLoopBackOff, ErrImagePull…). */
export interface WaitingReason {
  reason: string;
  message: string;
}

/**
 * ProbeView answers, per container ID, what the probes found; undefined
 * means no result yet (then the last reported value of that same container
 * stands, so an agent restart does not flap adopted pods to unready).
 */
export interface ProbeView {
  /** ready: the readiness probe passed (true without a readiness probe). */
  ready(containerId: string, container: Container): boolean | undefined;
  /** started: the startup probe passed (true without one). */
  started(containerId: string, container: Container): boolean | undefined;
}

/** StatusInput is everything a pod's API status is computed from. */
export interface StatusInput {
  pod: StoredPod;
  state: PodRuntimeState;
  waiting: ReadonlyMap<string, WaitingReason>;
  probes: ProbeView;
  hostIP: string;
  now: number;
  /** terminal: the pod has been stopped for good (deleted or finished): its phase must be final. */
  terminal?: boolean;
}

const terminalPhases = new Set<PodPhase>(['Succeeded', 'Failed']);

function terminated(c: ObservedContainer): ContainerState {
  const unknown = c.state === 'unknown';
  return {
    terminated: {
      exitCode: unknown ? 137 : c.exitCode,
      reason: unknown
        ? 'ContainerStatusUnknown'
        : c.reason || (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(c.message ? { message: c.message } : {}),
      ...(c.startedAtMs ? { startedAt: rfc3339(c.startedAtMs) } : {}),
      ...(c.finishedAtMs ? { finishedAt: rfc3339(c.finishedAtMs) } : {}),
      containerID: `${CONTAINER_ID_SCHEME}://${c.id}`,
    },
  };
}

const isDone = (c: ObservedContainer): boolean => c.state === 'exited' || c.state === 'unknown';

/**
 * containerStatus renders one spec container from its runtime instances
 * (newest first) the way kubelet does: the newest instance's state; the one
 * before it as lastState; a waiting reason from the last sync (e.g.
 * CrashLoopBackOff) replaces a terminated state, which then moves to
 * lastState.
 */
export function containerStatus(
  spec: Container,
  instances: ObservedContainer[],
  waiting: WaitingReason | undefined,
  probes: ProbeView,
  init: boolean,
  defaultWaiting: string,
  old?: ContainerStatus,
): ContainerStatus {
  const cur = instances[0];
  const prev = instances[1];
  const out: ContainerStatus = {
    name: spec.name,
    state: {},
    lastState: prev && isDone(prev) ? terminated(prev) : {},
    ready: false,
    restartCount: cur?.attempt ?? 0,
    image: cur?.image || spec.image || '',
    imageID: cur?.imageRef ?? '',
    started: false,
  };
  if (cur) out.containerID = `${CONTAINER_ID_SCHEME}://${cur.id}`;
  if (!cur) {
    out.state = { waiting: waiting ?? { reason: defaultWaiting } };
  } else if (cur.state === 'running') {
    out.state = { running: { startedAt: rfc3339(cur.startedAtMs || cur.createdAtMs) } };
    const same = old?.containerID === out.containerID ? old : undefined;
    out.started = probes.started(cur.id, spec) ?? same?.started ?? false;
    out.ready = out.started && (probes.ready(cur.id, spec) ?? same?.ready ?? false);
  } else if (cur.state === 'created') {
    out.state = { waiting: waiting ?? { reason: 'ContainerCreating' } };
  } else if (waiting) {
    out.state = { waiting };
    out.lastState = terminated(cur);
  } else {
    out.state = terminated(cur);
    // A finished init container counts as ready, as in kubelet.
    out.ready = init && cur.state === 'exited' && cur.exitCode === 0;
  }
  if (out.state.waiting && !out.state.waiting.message) {
    out.state.waiting = { reason: out.state.waiting.reason ?? defaultWaiting };
  }
  return out;
}

function byName(state: PodRuntimeState): Map<string, ObservedContainer[]> {
  const m = new Map<string, ObservedContainer[]>();
  for (const c of state.containers) {
    const list = m.get(c.name) ?? [];
    list.push(c);
    m.set(c.name, list);
  }
  return m;
}

function exitOf(s: ContainerStatus): number | undefined {
  return s.state?.terminated?.exitCode ?? s.lastState?.terminated?.exitCode;
}

/**
 * podPhase is kubelet's getPhase: Pending until init containers are done
 * (Failed if one failed under restartPolicy Never) and every app container
 * has started; Running while one runs or will be restarted; Succeeded or
 * Failed once all have stopped for good.
 */
export function podPhase(
  pod: StoredPod,
  init: ContainerStatus[],
  app: ContainerStatus[],
  terminal: boolean,
): PodPhase {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let pendingInit = false;
  for (const s of init) {
    if (s.state?.terminated?.exitCode === 0) continue;
    const code = exitOf(s);
    if (code !== undefined && code !== 0 && policy === 'Never') return 'Failed';
    pendingInit = true;
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of app) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState?.terminated) {
      stopped++;
      if (s.lastState.terminated.exitCode === 0) succeeded++;
    } else waiting++;
  }
  if (terminal) {
    // A stopped pod's phase is final: Succeeded only if every container succeeded.
    return stopped === app.length && succeeded === app.length && !pendingInit
      ? 'Succeeded'
      : 'Failed';
  }
  if (pendingInit) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(
  type: string,
  ok: boolean,
  old: PodCondition[] | undefined,
  now: number,
  reason?: string,
  message?: string,
): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime:
      prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
  };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

const ownConditions = new Set([
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
  'PodScheduled',
]);

/**
 * computePodStatus is kubelet's generateAPIPodStatus for one pod: phase,
 * the conditions kubectl shows (PodReadyToStartContainers, Initialized,
 * Ready, ContainersReady, PodScheduled; others in the old status are kept),
 * init and app container statuses, host and pod IPs (kept from the old
 * status once the sandbox is gone), startTime and qosClass. A terminal phase
 * in the old status is never left. Pure.
 */
export function computePodStatus(input: StatusInput): PodStatus {
  const { pod, state, now } = input;
  const old = pod.status ?? {};
  const spec = pod.spec;
  const instances = byName(state);
  const sandbox: ObservedSandbox | undefined = state.sandboxes[0];
  const initSpecs = spec?.initContainers ?? [];
  const oldOf = (list: ContainerStatus[] | undefined, name: string) =>
    list?.find((x) => x.name === name);
  const initStatuses = initSpecs.map((c) =>
    containerStatus(
      c,
      instances.get(c.name) ?? [],
      input.waiting.get(c.name),
      input.probes,
      true,
      'PodInitializing',
      oldOf(old.initContainerStatuses, c.name),
    ),
  );
  const initialized = initStatuses.every((s) => s.state?.terminated?.exitCode === 0);
  const appStatuses = (spec?.containers ?? []).map((c) =>
    containerStatus(
      c,
      instances.get(c.name) ?? [],
      input.waiting.get(c.name),
      input.probes,
      false,
      initialized ? 'ContainerCreating' : 'PodInitializing',
      oldOf(old.containerStatuses, c.name),
    ),
  );
  let phase = podPhase(pod, initStatuses, appStatuses, input.terminal === true);
  if (old.phase && terminalPhases.has(old.phase)) phase = old.phase;
  const finished = terminalPhases.has(phase);

  const conds = old.conditions;
  const unready = appStatuses.filter((s) => !s.ready).map((s) => s.name);
  const incompleteInit = initStatuses
    .filter((s) => s.state?.terminated?.exitCode !== 0)
    .map((s) => s.name);
  const readyReason = finished ? 'PodCompleted' : 'ContainersNotReady';
  const readyMessage = finished
    ? undefined
    : `containers with unready status: [${unready.join(' ')}]`;
  const containersReady = !finished && unready.length === 0;
  const gates = (spec?.readinessGates ?? []).every(
    (g) => conds?.find((c) => c.type === g.conditionType)?.status === 'True',
  );
  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', !!sandbox?.ready, conds, now),
    condition(
      'Initialized',
      initialized,
      conds,
      now,
      'ContainersNotInitialized',
      `containers with incomplete status: [${incompleteInit.join(' ')}]`,
    ),
    condition('Ready', containersReady && gates, conds, now, readyReason, readyMessage),
    condition('ContainersReady', containersReady, conds, now, readyReason, readyMessage),
  ];
  const scheduled = conds?.find((c) => c.type === 'PodScheduled');
  conditions.push(scheduled ?? condition('PodScheduled', true, conds, now));
  for (const c of conds ?? []) if (!ownConditions.has(c.type)) conditions.push(c);

  const podIP = sandbox?.hostNetwork ? input.hostIP : sandbox?.ip || old.podIP || '';
  const status: PodStatus = {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime: old.startTime ?? rfc3339(now),
    containerStatuses: appStatuses,
  };
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  if (initStatuses.length > 0) status.initContainerStatuses = initStatuses;
  if (old.qosClass) status.qosClass = old.qosClass;
  if (old.nominatedNodeName) status.nominatedNodeName = old.nominatedNodeName;
  if (old.reason) status.reason = old.reason;
  if (old.message) status.message = old.message;
  return status;
}
