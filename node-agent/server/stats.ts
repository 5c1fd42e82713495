import type {
  ContainerStats,
  PodStats,
  StoredPod,
  Summary,
} from '../../controlplane/api/types/index.js';
import type { Clock } from '../../lib/time.js';
import type { Logger } from '../../lib/log.js';
import type { ContainerStats__Output } from '../../proto/generated/tugboat/runtime/v1/ContainerStats.js';
import {
  CONTAINER_NAME_LABEL,
  POD_NAME_LABEL,
  POD_NAMESPACE_LABEL,
  POD_UID_LABEL,
} from '../runtime/labels.js';
import type { HostSample } from './host-stats.js';
import type { StreamingRuntime } from './streaming-runtime.js';

/** STATS_INTERVAL_MS is how often the agent samples usage (cadvisor's housekeeping is 10–15 s). */
export const STATS_INTERVAL_MS = 10_000;

/** StatsSample is one reading of the node and its running containers. */
export interface StatsSample {
  atMs: number;
  host: HostSample;
  containers: ContainerStats__Output[];
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const num = (v: { value: string } | null | undefined): number | undefined =>
  v ? Number(v.value) : undefined;

/**
 * buildSummary renders kubelet's Summary from the latest sample `cur`: the
 * node's cpu rate over the window since `prev` (none without one) and
 * memory (working set = total − available), and per pod its running
 * containers' cpu and memory as the runtime measured them, summed per pod.
 * Containers are tied to pods by kubelet's labels; `pod` supplies start
 * times when the pod is known. Pure.
 */
export function buildSummary(
  nodeName: string,
  prev: StatsSample | undefined,
  cur: StatsSample,
  pod: (uid: string) => StoredPod | undefined,
): Summary {
  const time = rfc3339(cur.atMs);
  const h = cur.host;
  const windowNs = prev ? (cur.atMs - prev.atMs) * 1e6 : 0;
  const nodeCpuRate =
    prev && windowNs > 0
      ? Math.max(0, Math.round(((h.cpuNs - prev.host.cpuNs) / windowNs) * 1e9))
      : undefined;
  const pods = new Map<string, PodStats>();
  for (const s of cur.containers) {
    const labels = s.attributes?.labels ?? {};
    const uid = labels[POD_UID_LABEL];
    const name = labels[CONTAINER_NAME_LABEL] ?? s.attributes?.metadata?.name;
    if (!uid || !name) continue;
    let p = pods.get(uid);
    if (!p) {
      const known = pod(uid);
      p = {
        podRef: {
          name: labels[POD_NAME_LABEL] ?? known?.metadata.name ?? '',
          namespace: labels[POD_NAMESPACE_LABEL] ?? known?.metadata.namespace ?? '',
          uid,
        },
        ...(known?.status?.startTime ? { startTime: known.status.startTime } : {}),
        containers: [],
        cpu: { time, usageNanoCores: 0, usageCoreNanoSeconds: 0 },
        memory: { time, workingSetBytes: 0, usageBytes: 0, rssBytes: 0 },
      };
      pods.set(uid, p);
    }
    const started = pod(uid)?.status?.containerStatuses?.find((c) => c.name === name)?.state
      ?.running?.startedAt;
    const c: ContainerStats = { name, startTime: started ?? time };
    if (s.cpu) {
      c.cpu = {
        time,
        usageNanoCores: num(s.cpu.usageNanoCores) ?? 0,
        usageCoreNanoSeconds: num(s.cpu.usageCoreNanoSeconds) ?? 0,
      };
      p.cpu!.usageNanoCores! += c.cpu.usageNanoCores!;
      p.cpu!.usageCoreNanoSeconds! += c.cpu.usageCoreNanoSeconds!;
    }
    if (s.memory) {
      const m = s.memory;
      c.memory = {
        time,
        workingSetBytes: num(m.workingSetBytes) ?? 0,
        usageBytes: num(m.usageBytes) ?? 0,
        rssBytes: num(m.rssBytes) ?? 0,
        pageFaults: num(m.pageFaults) ?? 0,
        majorPageFaults: num(m.majorPageFaults) ?? 0,
        ...(m.availableBytes ? { availableBytes: num(m.availableBytes)! } : {}),
      };
      p.memory!.workingSetBytes! += c.memory.workingSetBytes!;
      p.memory!.usageBytes! += c.memory.usageBytes!;
      p.memory!.rssBytes! += c.memory.rssBytes!;
    }
    p.containers.push(c);
  }
  for (const p of pods.values()) p.containers.sort((a, b) => a.name.localeCompare(b.name));
  return {
    node: {
      nodeName,
      startTime: rfc3339(h.bootTimeMs),
      cpu: {
        time,
        usageCoreNanoSeconds: h.cpuNs,
        ...(nodeCpuRate !== undefined ? { usageNanoCores: nodeCpuRate } : {}),
      },
      memory: {
        time,
        availableBytes: h.memAvailableBytes,
        usageBytes: h.memTotalBytes - h.memFreeBytes,
        workingSetBytes: h.memTotalBytes - h.memAvailableBytes,
      },
    },
    pods: [...pods.values()],
  };
}

/** StatsCollectorOptions: where samples come from. */
export interface StatsCollectorOptions {
  nodeName: string;
  runtime: Pick<StreamingRuntime, 'ListContainerStats'>;
  readHost: () => Promise<HostSample>;
  pod: (uid: string) => StoredPod | undefined;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
}

/**
 * StatsCollector samples the node and its containers every interval (the
 * runtime's cpu rates are averages since the previous reading, so steady
 * readings make steady windows) and answers Summaries from the last two
 * samples. `run` samples until its signal aborts.
 */
export class StatsCollector {
  private prev: StatsSample | undefined;
  private cur: StatsSample | undefined;
  private inflight: Promise<StatsSample> | undefined;

  constructor(private readonly o: StatsCollectorOptions) {}

  private get intervalMs(): number {
    return this.o.intervalMs ?? STATS_INTERVAL_MS;
  }

  /** run samples every interval until `signal` aborts; a failed reading is logged and retried next time. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.sample().catch((err: unknown) =>
        this.o.logger.warn('stats sample failed', { err }),
      );
      await this.o.clock.sleep(this.intervalMs, signal).catch(() => undefined);
    }
  }

  /** sample takes one reading now (concurrent callers share it). */
  sample(): Promise<StatsSample> {
    this.inflight ??= (async () => {
      try {
        const [host, { stats }] = await Promise.all([
          this.o.readHost(),
          this.o.runtime.ListContainerStats({}, { timeoutMs: 10_000 }),
        ]);
        const s: StatsSample = { atMs: this.o.clock.now(), host, containers: stats };
        this.prev = this.cur;
        this.cur = s;
        return s;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  /** summary answers from the latest sample, reading one first if there is none or it is stale. */
  async summary(): Promise<Summary> {
    const stale = !this.cur || this.o.clock.now() - this.cur.atMs > 3 * this.intervalMs;
    if (stale) await this.sample();
    return buildSummary(this.o.nodeName, this.prev, this.cur!, this.o.pod);
  }
}
