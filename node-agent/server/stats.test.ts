import { describe, expect, it } from 'vitest';
import type { StoredPod } from '../../controlplane/api/types/index.js';
import { nopLogger } from '../../lib/log.js';
import { FakeClock } from '../../lib/time.js';
import type { ContainerStats__Output } from '../../proto/generated/tugboat/runtime/v1/ContainerStats.js';
import { parseMeminfo, parseProcStat, type HostSample } from './host-stats.js';
import { StatsCollector, buildSummary, type StatsSample } from './stats.js';

const host = (cpuNs: number): HostSample => ({
  cpuNs,
  memTotalBytes: 8 * 1024 ** 3,
  memFreeBytes: 5 * 1024 ** 3,
  memAvailableBytes: 6 * 1024 ** 3,
  bootTimeMs: Date.UTC(2024, 0, 1),
});

const u = (v: number): { value: string } => ({ value: String(v) });

function ctr(pod: string, uid: string, name: string, nanoCores: number, ws: number) {
  return {
    attributes: {
      id: `${uid}-${name}`,
      metadata: { name, attempt: 0 },
      labels: {
        'io.kubernetes.pod.name': pod,
        'io.kubernetes.pod.namespace': 'default',
        'io.kubernetes.pod.uid': uid,
        'io.kubernetes.container.name': name,
      },
      annotations: {},
    },
    cpu: { timestamp: '0', usageNanoCores: u(nanoCores), usageCoreNanoSeconds: u(nanoCores * 10) },
    memory: {
      timestamp: '0',
      workingSetBytes: u(ws),
      usageBytes: u(ws + 4096),
      rssBytes: u(ws / 2),
      pageFaults: u(1),
      majorPageFaults: u(0),
      availableBytes: null,
    },
    writableLayer: null,
  } as unknown as ContainerStats__Output;
}

const t0 = Date.UTC(2024, 4, 1, 10, 0, 0);

describe('buildSummary', () => {
  it('gives node cpu as a rate over the sample window and working set as total − available', () => {
    const prev: StatsSample = { atMs: t0, host: host(1e9), containers: [] };
    const cur: StatsSample = { atMs: t0 + 10_000, host: host(6e9), containers: [] };
    const s = buildSummary('n1', prev, cur, () => undefined);
    // 5 s of cpu in 10 s: half a core.
    expect(s.node.cpu).toEqual({
      time: '2024-05-01T10:00:10Z',
      usageCoreNanoSeconds: 6e9,
      usageNanoCores: 500_000_000,
    });
    expect(s.node.memory?.workingSetBytes).toBe(2 * 1024 ** 3);
    expect(s.node.startTime).toBe('2024-01-01T00:00:00Z');
    expect(buildSummary('n1', undefined, cur, () => undefined).node.cpu?.usageNanoCores).toBe(
      undefined,
    );
  });

  it('groups containers by pod and sums them', () => {
    const cur: StatsSample = {
      atMs: t0,
      host: host(0),
      containers: [
        ctr('web', 'u1', 'b', 2_000_000, 8192),
        ctr('web', 'u1', 'a', 1_000_000, 4096),
        ctr('db', 'u2', 'main', 5, 1024),
      ],
    };
    const pod = {
      metadata: { name: 'web', namespace: 'default', uid: 'u1' },
      status: {
        startTime: '2024-05-01T09:00:00Z',
        containerStatuses: [
          { name: 'a', state: { running: { startedAt: '2024-05-01T09:00:01Z' } } },
        ],
      },
    } as unknown as StoredPod;
    const s = buildSummary('n1', undefined, cur, (uid) => (uid === 'u1' ? pod : undefined));
    expect(s.pods.map((p) => p.podRef)).toEqual([
      { name: 'web', namespace: 'default', uid: 'u1' },
      { name: 'db', namespace: 'default', uid: 'u2' },
    ]);
    const web = s.pods[0]!;
    expect(web.startTime).toBe('2024-05-01T09:00:00Z');
    expect(web.containers.map((c) => [c.name, c.startTime, c.cpu?.usageNanoCores])).toEqual([
      ['a', '2024-05-01T09:00:01Z', 1_000_000],
      ['b', '2024-05-01T10:00:00Z', 2_000_000],
    ]);
    expect(web.cpu?.usageNanoCores).toBe(3_000_000);
    expect(web.memory?.workingSetBytes).toBe(12288);
  });
});

describe('host readings', () => {
  it('reads busy cpu ticks and boot time from /proc/stat', () => {
    const s = parseProcStat('cpu  100 1 50 9000 20 3 4 2 0 0\ncpu0 1 2 3\nbtime 1700000000\n');
    expect(s.cpuNs).toBe((100 + 1 + 50 + 3 + 4 + 2) * 10_000_000);
    expect(s.bootTimeMs).toBe(1_700_000_000_000);
  });

  it('reads memory in bytes from /proc/meminfo', () => {
    expect(parseMeminfo('MemTotal:  1000 kB\nMemFree:   200 kB\nMemAvailable:   600 kB\n')).toEqual(
      { memTotalBytes: 1024000, memFreeBytes: 204800, memAvailableBytes: 614400 },
    );
  });
});

describe('StatsCollector', () => {
  it('samples on demand when it has nothing recent, and rates between samples', async () => {
    const clock = new FakeClock(t0);
    let cpu = 0;
    let lists = 0;
    const c = new StatsCollector({
      nodeName: 'n1',
      runtime: {
        ListContainerStats: async () => {
          lists++;
          return { stats: [] };
        },
      },
      readHost: async () => host(cpu),
      pod: () => undefined,
      clock,
      logger: nopLogger,
      intervalMs: 10_000,
    });
    expect((await c.summary()).node.cpu?.usageNanoCores).toBeUndefined();
    expect(lists).toBe(1);
    cpu = 2e10;
    clock.advance(10_000);
    await c.sample();
    // Two cores busy over the 10 s window.
    expect((await c.summary()).node.cpu?.usageNanoCores).toBe(2e9);
    expect(lists).toBe(2);
  });
});
