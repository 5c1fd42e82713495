import type { ContainerStats } from '../../proto/generated/tugboat/runtime/v1/ContainerStats.js';
import type { ListContainerStatsRequest__Output } from '../../proto/generated/tugboat/runtime/v1/ListContainerStatsRequest.js';
import { readCgroupUsage } from '../cgroups/stats.js';
import type { ContainerRecord } from '../state/records.js';
import type { Containers } from './containers.js';
import type { ShimContext } from './context.js';
import { matchesLabels } from './status.js';

interface Sample {
  cpuNs: bigint;
  atNs: bigint;
}

const u64 = (v: bigint): { value: string } => ({ value: v.toString() });

/**
 * Stats reads container usage from cgroups (v1 cpuacct/memory or v2 files).
 * usage_nano_cores needs two readings: it is the average over the window
 * since the previous reading of the same container (the first reading uses
 * the container's start as the window's beginning).
 */
export class Stats {
  private readonly last = new Map<string, Sample>();

  constructor(
    private readonly ctx: ShimContext,
    private readonly containers: Containers,
  ) {}

  /** container implements ContainerStats. */
  async container(id: string): Promise<ContainerStats> {
    return this.read(this.containers.get(id));
  }

  /** list implements ListContainerStats: the running containers matching the filter. */
  async list(req: ListContainerStatsRequest__Output): Promise<ContainerStats[]> {
    const f = req.filter;
    const recs = this.ctx.store
      .containers()
      .filter(
        (c) =>
          c.phase === 'running' &&
          (!f?.id || c.id === f.id) &&
          (!f?.podSandboxId || c.sandboxId === f.podSandboxId) &&
          matchesLabels(c.config.labels, f?.labelSelector),
      );
    // Forget samples of containers that are gone.
    const live = new Set(this.ctx.store.containers().map((c) => c.id));
    for (const id of this.last.keys()) if (!live.has(id)) this.last.delete(id);
    return Promise.all(recs.map((r) => this.read(r)));
  }

  private async read(rec: ContainerRecord): Promise<ContainerStats> {
    const atNs = BigInt(this.ctx.clock.now()) * 1_000_000n;
    const ts = atNs.toString();
    const stats: ContainerStats = {
      attributes: {
        id: rec.id,
        metadata: rec.config.metadata,
        labels: rec.config.labels,
        annotations: rec.config.annotations,
      },
    };
    const usage = await readCgroupUsage(this.ctx.layout, rec.cgroupPath);
    if (!usage) return stats;
    const prev = this.last.get(rec.id) ?? {
      cpuNs: 0n,
      atNs: BigInt(rec.startedAtNs ?? rec.createdAtNs),
    };
    const window = atNs - prev.atNs;
    const nanoCores =
      window > 0n && usage.cpuUsageNs >= prev.cpuNs
        ? ((usage.cpuUsageNs - prev.cpuNs) * 1_000_000_000n) / window
        : 0n;
    if (window > 0n) this.last.set(rec.id, { cpuNs: usage.cpuUsageNs, atNs });
    const m = usage.memory;
    stats.cpu = {
      timestamp: ts,
      usageCoreNanoSeconds: u64(usage.cpuUsageNs),
      usageNanoCores: u64(nanoCores),
    };
    stats.memory = {
      timestamp: ts,
      workingSetBytes: u64(m.workingSetBytes),
      usageBytes: u64(m.usageBytes),
      rssBytes: u64(m.rssBytes),
      pageFaults: u64(m.pageFaults),
      majorPageFaults: u64(m.majorPageFaults),
      ...(m.limitBytes !== undefined
        ? {
            availableBytes: u64(
              m.limitBytes > m.workingSetBytes ? m.limitBytes - m.workingSetBytes : 0n,
            ),
          }
        : {}),
    };
    return stats;
  }
}
