import { describe, expect, it } from 'vitest';
import { isBadRequest, isNotFound } from '../../controlplane/api/errors.js';
import type { ContainerStatus, StoredPod } from '../../controlplane/api/types/index.js';
import { parseExecQuery, parseLogQuery } from './requests.js';
import { execContainerId, findPod, logContainerId } from './targets.js';

const pod = (st: Partial<ContainerStatus>): StoredPod =>
  ({
    metadata: {
      name: 'p',
      namespace: 'default',
      uid: 'u',
      resourceVersion: '1',
      creationTimestamp: '',
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: {
      containerStatuses: [
        { name: 'c', ready: false, restartCount: 0, image: '', imageID: '', ...st },
      ],
    },
  }) as StoredPod;

const msg = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(isBadRequest(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('did not throw');
};

describe('which container a request means', () => {
  const running = pod({
    containerID: 'tug-shim://new',
    state: { running: { startedAt: 'x' } },
    lastState: { terminated: { exitCode: 1, containerID: 'tug-shim://old' } },
  });

  it('logs: the running instance, or the last dead one for previous', () => {
    expect(logContainerId(running, 'c', false)).toBe('new');
    expect(logContainerId(running, 'c', true)).toBe('old');
  });

  it('logs: the dead instance of a crash-looping container', () => {
    const p = pod({
      containerID: 'tug-shim://old',
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, containerID: 'tug-shim://old' } },
    });
    expect(logContainerId(p, 'c', false)).toBe('old');
  });

  it("logs: kubelet's messages when there is nothing to read", () => {
    expect(
      msg(() =>
        logContainerId(pod({ state: { waiting: { reason: 'ContainerCreating' } } }), 'c', false),
      ),
    ).toBe('container "c" in pod "p" is waiting to start: ContainerCreating');
    expect(
      msg(() => logContainerId(running, 'c', true) && logContainerId(pod({}), 'c', true)),
    ).toBe('previous terminated container "c" in pod "p" not found');
    expect(msg(() => logContainerId(running, 'nope', false))).toBe(
      'container nope is not valid for pod p',
    );
  });

  it('exec: only a running instance', () => {
    expect(execContainerId(running, 'c')).toBe('new');
    expect(
      msg(() => execContainerId(pod({ state: { waiting: { reason: 'CrashLoopBackOff' } } }), 'c')),
    ).toBe('container "c" in pod "p" is not running (CrashLoopBackOff)');
  });

  it('a pod not on this node is NotFound', () => {
    try {
      findPod(() => undefined, 'default', 'x');
      expect.unreachable();
    } catch (e) {
      expect(isNotFound(e)).toBe(true);
    }
  });
});

describe('query parsing', () => {
  const q = (s: string) => new URLSearchParams(s);

  it('reads log options with their limits', () => {
    expect(parseLogQuery(q('follow=true&tailLines=5&timestamps=1&limitBytes=10'), 0)).toEqual({
      follow: true,
      previous: false,
      timestamps: true,
      tailLines: 5,
      limitBytes: 10,
    });
    expect(parseLogQuery(q('sinceSeconds=10'), 20_000).since).toEqual({ seconds: 10, nanos: 0 });
    expect(msg(() => parseLogQuery(q('tailLines=-1'), 0))).toContain('greater than or equal to 0');
    expect(msg(() => parseLogQuery(q('limitBytes=0'), 0))).toContain('greater than or equal to 1');
    expect(
      msg(() => parseLogQuery(q('sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z'), 0)),
    ).toContain('at most one');
    expect(msg(() => parseLogQuery(q('follow=maybe'), 0))).toContain('follow');
  });

  it('reads exec options: a command and at least one stream', () => {
    expect(parseExecQuery(q('command=sh&command=-c&command=echo hi&stdout=true'))).toEqual({
      command: ['sh', '-c', 'echo hi'],
      stdin: false,
      stdout: true,
      stderr: false,
      tty: false,
    });
    expect(msg(() => parseExecQuery(q('stdout=true')))).toContain('command');
    expect(msg(() => parseExecQuery(q('command=ls')))).toContain('stdin, stdout, stderr');
  });
});
