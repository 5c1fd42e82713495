import { describe, expect, it } from 'vitest';
import { kinds } from '../types/gvk.js';
import type { ContainerStatus, Pod, PodStatus } from '../types/index.js';
import { humanDuration, tableCells, tableRowConditions } from './index.js';

const now = Date.parse('2024-05-01T12:00:00Z');
const ago = (s: number): string => new Date(now - s * 1000).toISOString();
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration', () => {
  it.each([
    [0, '0s'],
    [-500, '0s'],
    [-2 * S, '<invalid>'],
    [5 * S, '5s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [2 * M + 3 * S, '2m3s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 4 * M, '3h4m'],
    [8 * H + 30 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [8 * D + 5 * H, '8d'],
    [45 * D, '45d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [3 * 365 * D + 12 * D, '3y12d'],
    [9 * 365 * D, '9y'],
  ])('prints %d ms as %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

function pod(status: PodStatus, extra: Partial<Pod> = {}): Pod {
  const p: Pod = {
    metadata: { name: 'web-1', namespace: 'default', creationTimestamp: ago(300) },
    spec: { containers: [{ name: 'web', image: 'nginx' }], nodeName: 'node-1' },
    status,
    ...extra,
  };
  return p;
}

const cs = (over: Partial<ContainerStatus>): ContainerStatus => ({
  name: 'web',
  ready: false,
  restartCount: 0,
  image: 'nginx',
  imageID: '',
  ...over,
});

/** row is READY STATUS RESTARTS of a pod. */
const row = (p: Pod): unknown[] => tableCells(kinds.Pod, p, now).slice(1, 4);

describe('pod STATUS, READY and RESTARTS as kubectl prints them', () => {
  const initPod = (
    initState: ContainerStatus['state'],
    extra: Partial<ContainerStatus> = {},
  ): Pod => {
    const p = pod({
      phase: 'Pending',
      initContainerStatuses: [cs({ name: 'init', state: initState, ...extra })],
      containerStatuses: [cs({ state: { waiting: { reason: 'PodInitializing' } } })],
    });
    p.spec!.initContainers = [{ name: 'init', image: 'busybox' }];
    return p;
  };
  it.each<[string, Pod, unknown[]]>([
    ['unscheduled', pod({ phase: 'Pending' }), ['0/1', 'Pending', '0']],
    [
      'creating',
      pod({
        phase: 'Pending',
        containerStatuses: [cs({ state: { waiting: { reason: 'ContainerCreating' } } })],
      }),
      ['0/1', 'ContainerCreating', '0'],
    ],
    [
      'running',
      pod({
        phase: 'Running',
        containerStatuses: [cs({ ready: true, state: { running: { startedAt: ago(60) } } })],
      }),
      ['1/1', 'Running', '0'],
    ],
    [
      'crash looping',
      pod({
        phase: 'Running',
        containerStatuses: [
          cs({
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(42) } },
          }),
        ],
      }),
      ['0/1', 'CrashLoopBackOff', '3 (42s ago)'],
    ],
    [
      'completed',
      pod({
        phase: 'Succeeded',
        containerStatuses: [cs({ state: { terminated: { exitCode: 0, reason: 'Completed' } } })],
      }),
      ['0/1', 'Completed', '0'],
    ],
    [
      'failed',
      pod({
        phase: 'Failed',
        containerStatuses: [cs({ state: { terminated: { exitCode: 1, reason: 'Error' } } })],
      }),
      ['0/1', 'Error', '0'],
    ],
    [
      'OOM killed',
      pod({
        phase: 'Running',
        containerStatuses: [cs({ state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } })],
      }),
      ['0/1', 'OOMKilled', '0'],
    ],
    [
      'killed without reason',
      pod({
        phase: 'Running',
        containerStatuses: [cs({ state: { terminated: { exitCode: 137, signal: 9 } } })],
      }),
      ['0/1', 'Signal:9', '0'],
    ],
    [
      'exited without reason',
      pod({
        phase: 'Running',
        containerStatuses: [cs({ state: { terminated: { exitCode: 2 } } })],
      }),
      ['0/1', 'ExitCode:2', '0'],
    ],
    ['initializing', initPod({ running: {} }), ['0/1', 'Init:0/1', '0']],
    [
      'init crash looping',
      initPod(
        { waiting: { reason: 'CrashLoopBackOff' } },
        { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(10) } } },
      ),
      ['0/1', 'Init:CrashLoopBackOff', '2 (10s ago)'],
    ],
    [
      'init failed',
      initPod({ terminated: { exitCode: 1, reason: 'Error' } }),
      ['0/1', 'Init:Error', '0'],
    ],
    [
      'init done, app starting',
      initPod({ terminated: { exitCode: 0, reason: 'Completed' } }),
      ['0/1', 'PodInitializing', '0'],
    ],
    [
      'terminating',
      pod(
        { phase: 'Running', containerStatuses: [cs({ ready: true, state: { running: {} } })] },
        { metadata: { name: 'web-1', creationTimestamp: ago(300), deletionTimestamp: ago(1) } },
      ),
      ['1/1', 'Terminating', '0'],
    ],
    [
      'lost with its node',
      pod(
        { phase: 'Running', reason: 'NodeLost' },
        { metadata: { name: 'web-1', deletionTimestamp: ago(1) } },
      ),
      ['0/1', 'Unknown', '0'],
    ],
    [
      'evicted',
      pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }),
      ['0/1', 'Evicted', '0'],
    ],
    [
      'scheduling gated',
      pod({
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
      }),
      ['0/1', 'SchedulingGated', '0'],
    ],
  ])('%s', (_name, p, expected) => {
    expect(row(p)).toEqual(expected);
  });

  it('counts a started sidecar and keeps a pod with a completed container Running', () => {
    const p = pod({
      phase: 'Running',
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
      initContainerStatuses: [
        cs({ name: 'proxy', started: true, ready: true, state: { running: {} } }),
      ],
      containerStatuses: [
        cs({ name: 'job', state: { terminated: { exitCode: 0, reason: 'Completed' } } }),
        cs({ name: 'web', ready: true, state: { running: {} } }),
      ],
    });
    p.spec!.initContainers = [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }];
    p.spec!.containers.push({ name: 'job', image: 'busybox' });
    expect(row(p)).toEqual(['2/3', 'Running', '0']);
  });

  it('prints the wide columns and marks finished pods', () => {
    const p = pod({
      phase: 'Succeeded',
      podIPs: [{ ip: '10.244.1.7' }],
      conditions: [{ type: 'example.com/gate', status: 'True' }],
    });
    p.spec!.readinessGates = [{ conditionType: 'example.com/gate' }, { conditionType: 'other' }];
    expect(tableCells(kinds.Pod, p, now)).toEqual([
      'web-1',
      '0/1',
      'Succeeded',
      '0',
      '5m',
      '10.244.1.7',
      'node-1',
      '<none>',
      '1/2',
    ]);
    expect(tableRowConditions(kinds.Pod, p)).toEqual([
      {
        type: 'Completed',
        status: 'True',
        reason: 'Succeeded',
        message: 'The pod has completed successfully.',
      },
    ]);
    expect(tableRowConditions(kinds.Pod, pod({ phase: 'Running' }))).toBeUndefined();
  });
});
