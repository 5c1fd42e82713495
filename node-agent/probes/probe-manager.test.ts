import { describe, expect, it } from 'vitest';
import type { Container, Pod, Probe } from '../../controlplane/api/types/index.js';
import type { StopContainerRequest } from '../../proto/generated/tugboat/runtime/v1/StopContainerRequest.js';
import { newSyncFixture, type SyncFixture } from '../testing/sync-fixture.js';

const probe = (extra: Partial<Probe> = {}): Probe => ({
  exec: { command: ['true'] },
  periodSeconds: 10,
  failureThreshold: 3,
  successThreshold: 1,
  timeoutSeconds: 1,
  ...extra,
});

function podWith(name: string, container: Partial<Container>): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      nodeName: 'node-1',
      containers: [
        { name: 'main', image: 'busybox', imagePullPolicy: 'IfNotPresent', ...container },
      ],
    },
    status: { phase: 'Pending' },
  };
}

const cond = (f: SyncFixture, pod: string, type: string) =>
  f.api.pod(pod)?.status?.conditions?.find((c) => c.type === type);

describe('probes', () => {
  it('readiness: not ready until the probe passes, unready after failureThreshold failures', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(podWith('ready', { readinessProbe: probe() }));
    await f.sync('ready');
    expect(f.api.pod('ready')?.status?.containerStatuses?.[0]?.ready).toBe(false);
    expect(cond(f, 'ready', 'Ready')?.status).toBe('False');
    await f.settle(); // the first probe runs at once and passes
    expect(f.changed).toContain('uid-ready');
    await f.sync('ready');
    expect(f.api.pod('ready')?.status?.containerStatuses?.[0]?.ready).toBe(true);
    expect(cond(f, 'ready', 'Ready')?.status).toBe('True');
    expect(cond(f, 'ready', 'ContainersReady')?.status).toBe('True');

    f.prober.set('main', 'readiness', false, 'HTTP probe failed with statuscode: 503');
    f.changed.length = 0;
    for (let i = 0; i < 2; i++) {
      f.clock.advance(10_000);
      await f.settle();
    }
    expect(f.changed).toEqual([]); // two failures: below the threshold
    f.clock.advance(10_000);
    await f.settle();
    expect(f.changed).toEqual(['uid-ready']);
    await f.sync('ready');
    expect(cond(f, 'ready', 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [main]',
    });
    expect(f.recorder.events.filter((e) => e.reason === 'Unhealthy')[0]?.message).toBe(
      'Readiness probe failed: HTTP probe failed with statuscode: 503',
    );
  });

  it('liveness: a failing probe kills the container, which is then restarted', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(
      podWith('live', { livenessProbe: probe({ periodSeconds: 5, initialDelaySeconds: 3 }) }),
    );
    f.prober.set('main', 'liveness', false, 'boom');
    await f.sync('live');
    await f.settle();
    expect(f.prober.runs).toEqual([]); // initialDelaySeconds not over
    f.clock.advance(3000);
    await f.settle();
    f.clock.advance(5000);
    await f.settle();
    expect(f.prober.runs).toHaveLength(2);
    f.clock.advance(5000);
    await f.settle();
    expect(f.prober.runs).toHaveLength(3);
    expect(f.changed).toContain('uid-live');
    await f.sync('live');
    const stops = f.runtime.requestsOf<StopContainerRequest>('StopContainer');
    expect(stops).toHaveLength(1);
    expect(Number(stops[0]?.timeout)).toBe(30);
    expect(f.recorder.events.filter((e) => e.reason === 'Killing').map((e) => e.message)).toEqual([
      'Container main failed liveness probe, will be restarted',
    ]);
    expect(f.recorder.events.filter((e) => e.reason === 'Unhealthy')).toHaveLength(3);
    const st = f.api.pod('live')!.status!.containerStatuses![0]!;
    expect(st.restartCount).toBe(1);
    expect(st.lastState?.terminated?.exitCode).toBe(143);
    expect(st.state?.running).toBeDefined();
  });

  it('startup: liveness and readiness wait for the startup probe', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(
      podWith('slow', {
        startupProbe: probe({ periodSeconds: 1, failureThreshold: 30 }),
        livenessProbe: probe(),
        readinessProbe: probe(),
      }),
    );
    f.prober.set('main', 'startup', false);
    await f.sync('slow');
    await f.settle();
    f.clock.advance(1000);
    await f.settle();
    expect(f.prober.runs.every((r) => r === 'main/startup')).toBe(true);
    expect(f.api.pod('slow')?.status?.containerStatuses?.[0]?.started).toBe(false);
    f.prober.set('main', 'startup', true);
    f.clock.advance(1000);
    await f.settle();
    await f.sync('slow');
    expect(f.api.pod('slow')?.status?.containerStatuses?.[0]?.started).toBe(true);
    f.clock.advance(10_000);
    await f.settle();
    expect(f.prober.runs).toContain('main/liveness');
    expect(f.prober.runs).toContain('main/readiness');
    await f.sync('slow');
    expect(f.api.pod('slow')?.status?.containerStatuses?.[0]?.ready).toBe(true);
  });

  it('a startup probe that never passes kills the container', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(
      podWith('stuck', { startupProbe: probe({ periodSeconds: 1, failureThreshold: 2 }) }),
    );
    f.prober.set('main', 'startup', false, 'not yet');
    await f.sync('stuck');
    await f.settle();
    f.clock.advance(1000);
    await f.settle();
    await f.sync('stuck');
    expect(f.recorder.events.find((e) => e.reason === 'Killing')?.message).toBe(
      'Container main failed startup probe, will be restarted',
    );
    expect(f.api.pod('stuck')!.status!.containerStatuses![0]!.restartCount).toBe(1);
  });
});
