/**
 * End-to-end: container restarts on a real cluster (real agent, shim, conmon
 * and crun): a container that keeps exiting goes into CrashLoopBackOff with
 * growing back-off, and a container failing its liveness probe is killed
 * and restarted. Both pods are made up front so their timelines overlap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerStatus, StoredPod } from '../controlplane/api/types/index.js';
import { startTestCluster, type TestCluster } from '../test/helpers/cluster.js';
import { BUSYBOX, pod, watchUntil } from './fixtures.js';

/** Run is one instance of a container, as its statuses report it (timestamps have 1 s resolution). */
interface Run {
  startedAt: string;
  finishedAt?: string;
  exitCode?: number;
}

/** collectRuns records every container instance a status mentions, by container ID. */
function collectRuns(runs: Map<string, Run>, st: ContainerStatus | undefined): void {
  if (!st) return;
  const t = st.lastState?.terminated;
  if (t?.containerID && t.startedAt) {
    runs.set(t.containerID, {
      startedAt: t.startedAt,
      ...(t.finishedAt ? { finishedAt: t.finishedAt } : {}),
      exitCode: t.exitCode,
    });
  }
  const now = st.state?.terminated ?? st.state?.running;
  if (st.containerID && now?.startedAt && !runs.has(st.containerID)) {
    runs.set(st.containerID, { startedAt: now.startedAt });
  }
}

describe('container restarts on a real cluster', () => {
  let tc: TestCluster;
  let crash: StoredPod;
  let live: StoredPod;

  beforeAll(async () => {
    tc = await startTestCluster({ prefix: 'e2e-rs', nodes: 2 });
    crash = await tc.pods.create(
      pod('crash', [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', 'exit 3'] }]),
    );
    live = await tc.pods.create(
      pod('live', [
        {
          name: 'main',
          image: BUSYBOX,
          // Healthy for 3 s after each start, then the probe's file is gone.
          command: ['sh', '-c', 'touch /tmp/healthy; sleep 3; rm /tmp/healthy; sleep 3600'],
          livenessProbe: {
            exec: { command: ['cat', '/tmp/healthy'] },
            periodSeconds: 1,
            failureThreshold: 1,
          },
        },
      ]),
    );
  }, 200_000);

  afterAll(async () => {
    await tc?.down();
  }, 120_000);

  it('puts a container that keeps exiting into CrashLoopBackOff with growing delays', async () => {
    const runs = new Map<string, Run>();
    let sawBackOff = false;
    const last = await watchUntil(
      tc.pods,
      {
        fieldSelector: 'metadata.name=crash',
        resourceVersion: crash.metadata.resourceVersion,
        timeoutMs: 150_000,
        what: 'crash to restart 3 times',
      },
      (p) => {
        const st = p.status?.containerStatuses?.[0];
        collectRuns(runs, st);
        if (st?.state?.waiting?.reason === 'CrashLoopBackOff') sawBackOff = true;
        return (st?.restartCount ?? 0) >= 3 && runs.size >= 4 && sawBackOff ? p : undefined;
      },
    );
    expect(sawBackOff).toBe(true);
    const st = last.status!.containerStatuses![0]!;
    expect(st.restartCount).toBeGreaterThanOrEqual(3);
    expect(st.lastState?.terminated?.exitCode).toBe(3);
    expect(last.status?.phase).toBe('Running');
    for (const r of runs.values()) if (r.exitCode !== undefined) expect(r.exitCode).toBe(3);

    // The gaps between successive starts, from the agent's own timestamps, grow with each restart.
    const starts = [...runs.values()]
      .map((r) => Date.parse(r.startedAt) / 1000)
      .sort((a, b) => a - b);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < gaps.length; i++)
      expect(gaps[i]!, `gaps ${gaps.join(', ')} s`).toBeGreaterThan(gaps[i - 1]!);

    const { items: events } = await tc.events.list({
      fieldSelector: `involvedObject.name=crash,involvedObject.uid=${crash.metadata.uid}`,
    });
    expect(events.map((e) => e.reason)).toContain('BackOff');
  });

  it('kills and restarts a container whose liveness probe fails', async () => {
    // Every version of the pod since its creation: the first restart is the first container's.
    let firstId: string | undefined;
    const restarted = await watchUntil(
      tc.pods,
      {
        fieldSelector: 'metadata.name=live',
        resourceVersion: live.metadata.resourceVersion,
        timeoutMs: 120_000,
        what: 'live to be restarted',
      },
      (p) => {
        const st = p.status?.containerStatuses?.[0];
        firstId ??= st?.containerID;
        return (st?.restartCount ?? 0) >= 1 ? p : undefined;
      },
    );
    expect(firstId).toBeDefined();
    const st = restarted.status!.containerStatuses![0]!;
    expect(st.restartCount).toBeGreaterThanOrEqual(1);
    expect(st.lastState?.terminated?.containerID).toBe(firstId);
    expect(st.containerID).not.toBe(firstId);
    // sh ignores SIGTERM as PID 1: killed by SIGKILL after the grace period (128 + 9), or by SIGTERM.
    expect([137, 143]).toContain(st.lastState?.terminated?.exitCode);

    const { items: events } = await tc.events.list({
      fieldSelector: `involvedObject.name=live,involvedObject.uid=${live.metadata.uid}`,
    });
    const unhealthy = events.find((e) => e.reason === 'Unhealthy');
    expect(unhealthy?.type).toBe('Warning');
    expect(unhealthy?.message).toMatch(/^Liveness probe failed/);
    expect(events.map((e) => e.reason)).toContain('Killing');
  });
});
