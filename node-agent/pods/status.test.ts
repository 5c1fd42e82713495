import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../controlplane/api/types/index.js';
import type { ObservedContainer, ObservedSandbox, PodRuntimeState } from '../runtime/pod-state.js';
import { storedPod } from '../testing/fake-pod-api.js';
import { computePodStatus, rfc3339, type ProbeView, type WaitingReason } from './status.js';

const NOW = Date.parse('2024-05-01T10:00:00Z');
const T = (s: number): number => NOW - s * 1000;

const allReady: ProbeView = { ready: () => true, started: () => true };

function pod(
  containers: string[],
  extra: Partial<NonNullable<Pod['spec']>> = {},
  status: Pod['status'] = {},
) {
  const spec = (name: string): Container => ({ name, image: 'busybox' });
  return storedPod({
    metadata: { name: 'p', namespace: 'default', uid: 'u1' },
    spec: { nodeName: 'n1', containers: containers.map(spec), ...extra },
    status: { phase: 'Pending', qosClass: 'BestEffort', ...status },
  });
}

const sandbox: ObservedSandbox = {
  id: 'sb1',
  name: 'p',
  namespace: 'default',
  attempt: 0,
  ready: true,
  createdAtMs: T(60),
  ip: '10.88.0.5',
  hostNetwork: false,
  graceSeconds: 30,
};

function ctr(name: string, attempt: number, over: Partial<ObservedContainer>): ObservedContainer {
  return {
    id: `${name}-${attempt}`,
    sandboxId: 'sb1',
    name,
    attempt,
    state: 'running',
    createdAtMs: T(50),
    startedAtMs: T(50),
    finishedAtMs: 0,
    exitCode: 0,
    reason: '',
    message: '',
    image: 'docker.io/library/busybox:latest',
    imageRef: 'sha256:abc',
    hash: '',
    kind: 'app',
    ...over,
  };
}

function state(containers: ObservedContainer[], sandboxes = [sandbox]): PodRuntimeState {
  return {
    uid: 'u1',
    sandboxes,
    containers: [...containers].sort((a, b) => b.attempt - a.attempt),
  };
}

function status(
  p: ReturnType<typeof pod>,
  s: PodRuntimeState,
  waiting: Record<string, WaitingReason> = {},
  probes = allReady,
  terminal = false,
) {
  return computePodStatus({
    pod: p,
    state: s,
    waiting: new Map(Object.entries(waiting)),
    probes,
    hostIP: '192.168.1.2',
    now: NOW,
    terminal,
  });
}

const condOf = (st: ReturnType<typeof status>, type: string) =>
  st.conditions?.find((c) => c.type === type);

describe('computePodStatus', () => {
  it('a new pod without sandbox: Pending, ContainerCreating, not ready', () => {
    const st = status(pod(['web']), state([], []));
    expect(st.phase).toBe('Pending');
    expect(st.containerStatuses?.[0]).toEqual({
      name: 'web',
      state: { waiting: { reason: 'ContainerCreating' } },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: 'busybox',
      imageID: '',
      started: false,
    });
    expect(st.podIP).toBeUndefined();
    expect(condOf(st, 'PodReadyToStartContainers')?.status).toBe('False');
    expect(condOf(st, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [web]',
    });
    expect(st.startTime).toBe(rfc3339(NOW));
    expect(st.hostIP).toBe('192.168.1.2');
    expect(st.hostIPs).toEqual([{ ip: '192.168.1.2' }]);
    expect(st.qosClass).toBe('BestEffort');
    expect(st.conditions?.map((c) => c.type)).toEqual([
      'PodReadyToStartContainers',
      'Initialized',
      'Ready',
      'ContainersReady',
      'PodScheduled',
    ]);
  });

  it('all running and ready: Running, Ready, pod IPs, container IDs', () => {
    const st = status(pod(['a', 'b']), state([ctr('a', 0, {}), ctr('b', 0, {})]));
    expect(st.phase).toBe('Running');
    expect(st.podIP).toBe('10.88.0.5');
    expect(st.podIPs).toEqual([{ ip: '10.88.0.5' }]);
    expect(condOf(st, 'Ready')).toMatchObject({ status: 'True' });
    expect(condOf(st, 'Ready')).not.toHaveProperty('reason');
    expect(st.containerStatuses?.[0]).toMatchObject({
      name: 'a',
      ready: true,
      started: true,
      state: { running: { startedAt: rfc3339(T(50)) } },
      containerID: 'tug-shim://a-0',
      image: 'docker.io/library/busybox:latest',
      imageID: 'sha256:abc',
    });
  });

  it('a running container failing readiness keeps the pod Running but not Ready', () => {
    const probes: ProbeView = { ready: (id) => id !== 'b-0', started: () => true };
    const st = status(pod(['a', 'b']), state([ctr('a', 0, {}), ctr('b', 0, {})]), {}, probes);
    expect(st.phase).toBe('Running');
    expect(condOf(st, 'Ready')).toMatchObject({
      status: 'False',
      message: 'containers with unready status: [b]',
    });
    expect(st.containerStatuses?.map((c) => c.ready)).toEqual([true, false]);
  });

  it('a probe without a result yet keeps the readiness last reported for that same container', () => {
    const pending: ProbeView = { ready: () => undefined, started: () => undefined };
    const old = {
      containerStatuses: [
        {
          name: 'a',
          ready: true,
          started: true,
          restartCount: 0,
          image: '',
          imageID: '',
          containerID: 'tug-shim://a-0',
        },
      ],
    };
    const adopted = status(pod(['a'], {}, old), state([ctr('a', 0, {})]), {}, pending);
    expect(adopted.containerStatuses?.[0]).toMatchObject({ ready: true, started: true });
    const replaced = status(pod(['a'], {}, old), state([ctr('a', 1, {})]), {}, pending);
    expect(replaced.containerStatuses?.[0]).toMatchObject({ ready: false, started: false });
  });

  it('CrashLoopBackOff: waiting with the back-off message, lastState terminated, still Running', () => {
    const dead = ctr('web', 3, {
      state: 'exited',
      exitCode: 1,
      reason: 'Error',
      startedAtMs: T(12),
      finishedAtMs: T(11),
    });
    const older = ctr('web', 2, {
      state: 'exited',
      exitCode: 1,
      reason: 'Error',
      finishedAtMs: T(40),
    });
    const msg = 'back-off 40s restarting failed container=web pod=p_default(u1)';
    const st = status(pod(['web']), state([dead, older]), {
      web: { reason: 'CrashLoopBackOff', message: msg },
    });
    expect(st.phase).toBe('Running');
    expect(st.containerStatuses?.[0]).toMatchObject({
      restartCount: 3,
      ready: false,
      started: false,
      state: { waiting: { reason: 'CrashLoopBackOff', message: msg } },
      lastState: {
        terminated: {
          exitCode: 1,
          reason: 'Error',
          startedAt: rfc3339(T(12)),
          finishedAt: rfc3339(T(11)),
          containerID: 'tug-shim://web-3',
        },
      },
    });
  });

  it('restarted and running: lastState is the previous run', () => {
    const st = status(
      pod(['web']),
      state([
        ctr('web', 1, {}),
        ctr('web', 0, { state: 'exited', exitCode: 137, reason: 'Error' }),
      ]),
    );
    expect(st.containerStatuses?.[0]?.restartCount).toBe(1);
    expect(st.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(137);
    expect(st.containerStatuses?.[0]?.state?.running).toBeDefined();
  });

  it('restartPolicy Never: Succeeded when all exit 0, Failed when one fails', () => {
    const done = (name: string, code: number) =>
      ctr(name, 0, {
        state: 'exited',
        exitCode: code,
        reason: code ? 'Error' : 'Completed',
        finishedAtMs: T(1),
      });
    const ok = status(
      pod(['a', 'b'], { restartPolicy: 'Never' }),
      state([done('a', 0), done('b', 0)]),
    );
    expect(ok.phase).toBe('Succeeded');
    expect(condOf(ok, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(ok.containerStatuses?.[0]?.state?.terminated?.reason).toBe('Completed');
    const bad = status(
      pod(['a', 'b'], { restartPolicy: 'Never' }),
      state([done('a', 0), done('b', 2)]),
    );
    expect(bad.phase).toBe('Failed');
    const partial = status(
      pod(['a', 'b'], { restartPolicy: 'Never' }),
      state([done('a', 0), ctr('b', 0, {})]),
    );
    expect(partial.phase).toBe('Running');
    const onFailure = status(pod(['a'], { restartPolicy: 'OnFailure' }), state([done('a', 1)]));
    expect(onFailure.phase).toBe('Running');
  });

  it('init containers: Pending with Init reasons until all complete', () => {
    const p = pod(['app'], {
      initContainers: [
        { name: 'i1', image: 'busybox' },
        { name: 'i2', image: 'busybox' },
      ],
    });
    const running = status(p, state([ctr('i1', 0, { kind: 'init' })]));
    expect(running.phase).toBe('Pending');
    expect(condOf(running, 'Initialized')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [i1 i2]',
    });
    expect(running.initContainerStatuses?.map((s) => Object.keys(s.state ?? {})[0])).toEqual([
      'running',
      'waiting',
    ]);
    expect(running.initContainerStatuses?.[1]?.state?.waiting?.reason).toBe('PodInitializing');
    expect(running.containerStatuses?.[0]?.state?.waiting?.reason).toBe('PodInitializing');

    const finished = (n: string) =>
      ctr(n, 0, {
        kind: 'init',
        state: 'exited',
        exitCode: 0,
        reason: 'Completed',
        finishedAtMs: T(5),
      });
    const done = status(p, state([finished('i1'), finished('i2'), ctr('app', 0, {})]));
    expect(done.phase).toBe('Running');
    expect(condOf(done, 'Initialized')?.status).toBe('True');
    expect(done.initContainerStatuses?.map((s) => s.ready)).toEqual([true, true]);

    const failedNever = status(
      pod(['app'], { restartPolicy: 'Never', initContainers: [{ name: 'i1', image: 'busybox' }] }),
      state([ctr('i1', 0, { kind: 'init', state: 'exited', exitCode: 3, reason: 'Error' })]),
    );
    expect(failedNever.phase).toBe('Failed');
  });

  it('image pull errors show as the waiting reason with the runtime message', () => {
    const st = status(pod(['web']), state([]), {
      web: {
        reason: 'ErrImagePull',
        message: 'image x is not in the store; import it with `tug-shim import FILE`',
      },
    });
    expect(st.phase).toBe('Pending');
    expect(st.containerStatuses?.[0]?.state?.waiting).toEqual({
      reason: 'ErrImagePull',
      message: 'image x is not in the store; import it with `tug-shim import FILE`',
    });
  });

  it('keeps lastTransitionTime of unchanged conditions and the scheduler’s PodScheduled', () => {
    const scheduled = {
      type: 'PodScheduled',
      status: 'True' as const,
      lastProbeTime: null,
      lastTransitionTime: '2024-05-01T09:00:00Z',
    };
    const old = {
      phase: 'Running' as const,
      startTime: '2024-05-01T09:00:01Z',
      conditions: [
        scheduled,
        { type: 'Ready', status: 'True' as const, lastTransitionTime: '2024-05-01T09:30:00Z' },
        { type: 'DisruptionTarget', status: 'True' as const, reason: 'EvictionByEvictionAPI' },
      ],
    };
    const st = status(pod(['web'], {}, old), state([ctr('web', 0, {})]));
    expect(condOf(st, 'Ready')?.lastTransitionTime).toBe('2024-05-01T09:30:00Z');
    expect(condOf(st, 'ContainersReady')?.lastTransitionTime).toBe(rfc3339(NOW));
    expect(condOf(st, 'PodScheduled')).toEqual(scheduled);
    expect(condOf(st, 'DisruptionTarget')?.reason).toBe('EvictionByEvictionAPI');
    expect(st.startTime).toBe('2024-05-01T09:00:01Z');
  });

  it('a terminal phase never changes and a stopped sandbox keeps the old pod IP', () => {
    const st = status(
      pod(['web'], {}, { phase: 'Succeeded', podIP: '10.88.0.9', podIPs: [{ ip: '10.88.0.9' }] }),
      state(
        [ctr('web', 0, { state: 'exited', exitCode: 0, reason: 'Completed' })],
        [{ ...sandbox, ready: false, ip: '' }],
      ),
    );
    expect(st.phase).toBe('Succeeded');
    expect(st.podIP).toBe('10.88.0.9');
  });

  it('a deleted pod whose containers were stopped ends Failed (SIGTERM is not success)', () => {
    const st = status(
      pod(['web']),
      state([ctr('web', 0, { state: 'exited', exitCode: 143, reason: 'Error' })], []),
      {},
      allReady,
      true,
    );
    expect(st.phase).toBe('Failed');
  });

  it('host-network pods report the node IP as pod IP', () => {
    const st = status(
      pod(['web'], { hostNetwork: true }),
      state([ctr('web', 0, {})], [{ ...sandbox, ip: '', hostNetwork: true }]),
    );
    expect(st.podIP).toBe('192.168.1.2');
  });

  it('a container the shim lost track of is terminated ContainerStatusUnknown', () => {
    const st = status(
      pod(['web'], { restartPolicy: 'Never' }),
      state([ctr('web', 0, { state: 'unknown' })]),
    );
    expect(st.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 137,
      reason: 'ContainerStatusUnknown',
    });
  });
});
