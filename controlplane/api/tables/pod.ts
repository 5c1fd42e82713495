import type {
  Container,
  ContainerStatus,
  Pod,
  TableCell,
  TableColumnDefinition,
  TableRowCondition,
} from '../types/index.js';
import { ageCol, col, nameCol, wide } from './columns.js';
import { humanDuration, parseTime, since } from './duration.js';

/** The pod printer of `kubectl get pods` (pkg/printers printPod), cell for cell. */

/** podColumns: NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED NODE READINESS GATES. */
export function podColumns(): TableColumnDefinition[] {
  return [
    nameCol(),
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col(
      'Restarts',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    ageCol(),
    wide(col('IP', 'The IP address allocated to the pod.')),
    wide(col('Node', 'The node the pod is scheduled onto.')),
    wide(col('Nominated Node', 'The node the scheduler nominated for a preempting pod.')),
    wide(col('Readiness Gates', 'How many of the pod readiness gates hold.')),
  ];
}

const isRestartable = (c: Container | undefined): boolean => c?.restartPolicy === 'Always';
const isTerminal = (phase: string | undefined): boolean =>
  phase === 'Succeeded' || phase === 'Failed';

/** later returns whichever time is later, the terminated container's finishedAt or `current`. */
function later(current: number | undefined, s: ContainerStatus): number | undefined {
  const t = parseTime(s.lastState?.terminated?.finishedAt);
  if (t === undefined) return current;
  return current === undefined || current < t ? t : current;
}

function hasCondition(pod: Pod, type: string): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

interface PodSummary {
  ready: number;
  total: number;
  reason: string;
  restarts: number;
  lastRestart: number | undefined;
}

function summarize(pod: Pod): PodSummary {
  const spec = pod.spec;
  const status = pod.status ?? {};
  const initSpecs = new Map((spec?.initContainers ?? []).map((c) => [c.name, c]));
  let total = (spec?.containers ?? []).length;
  for (const c of initSpecs.values()) if (isRestartable(c)) total++;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  let reason: string = status.reason || status.phase || '';
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  let initializing = false;
  const inits = status.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i]!;
    restarts += c.restartCount ?? 0;
    lastRestart = later(lastRestart, c);
    const sidecar = isRestartable(initSpecs.get(c.name));
    if (sidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, c);
    }
    const term = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (sidecar && c.started === true) {
      if (c.ready) ready++;
      continue;
    }
    if (term) {
      if (!term.reason) {
        reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
      } else {
        reason = `Init:${term.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec?.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(pod, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const cs = status.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i]!;
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c);
      const term = c.state?.terminated;
      const waiting = c.state?.waiting;
      if (waiting?.reason) reason = waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    // A Completed container beside a still running one is not the pod's story.
    if (reason === 'Completed' && hasRunning) {
      reason = hasCondition(pod, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  const deleting = Boolean(pod.metadata?.deletionTimestamp);
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && !isTerminal(status.phase)) reason = 'Terminating';
  return { ready, total, reason, restarts, lastRestart };
}

/** podCells prints one pod as `kubectl get pods -o wide` does, ages measured at `now`. */
export function podCells(pod: Pod, now: number): TableCell[] {
  const s = summarize(pod);
  let restarts = String(s.restarts);
  if (s.restarts !== 0 && s.lastRestart !== undefined) {
    restarts = `${s.restarts} (${humanDuration(now - s.lastRestart)} ago)`;
  }
  const gates = pod.spec?.readinessGates ?? [];
  let readinessGates = '<none>';
  if (gates.length > 0) {
    const conds = pod.status?.conditions ?? [];
    const ok = gates.filter(
      (g) => conds.find((c) => c.type === g.conditionType)?.status === 'True',
    );
    readinessGates = `${ok.length}/${gates.length}`;
  }
  return [
    pod.metadata?.name ?? '',
    `${s.ready}/${s.total}`,
    s.reason,
    restarts,
    since(pod.metadata?.creationTimestamp, now),
    pod.status?.podIPs?.[0]?.ip || '<none>',
    pod.spec?.nodeName || '<none>',
    pod.status?.nominatedNodeName || '<none>',
    readinessGates,
  ];
}

/** podRowConditions marks finished pods `Completed`, as the server's Table rows do. */
export function podRowConditions(pod: Pod): TableRowCondition[] | undefined {
  switch (pod.status?.phase) {
    case 'Succeeded':
      return [
        {
          type: 'Completed',
          status: 'True',
          reason: 'Succeeded',
          message: 'The pod has completed successfully.',
        },
      ];
    case 'Failed':
      return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    default:
      return undefined;
  }
}
