import { join } from 'node:path';
import { readTextIfExists } from '../util/fs.js';
import { controllerDir, type CgroupLayout } from './layout.js';

/** CgroupUsage is one reading of a cgroup's CPU and memory counters. */
export interface CgroupUsage {
  /** cpuUsageNs is the cumulative CPU time of all tasks, in nanoseconds. */
  cpuUsageNs: bigint;
  memory: MemoryReading;
}

/** MemoryReading holds memory counters in bytes (faults are counts). */
export interface MemoryReading {
  usageBytes: bigint;
  /** workingSetBytes is usage minus inactive file cache (never below 0), as kubelet counts it. */
  workingSetBytes: bigint;
  rssBytes: bigint;
  pageFaults: bigint;
  majorPageFaults: bigint;
  /** limitBytes is the memory limit; undefined when unlimited. */
  limitBytes?: bigint;
}

/** Values at or above this are "no limit" in cgroup v1 (the kernel prints PAGE_COUNTER_MAX × page size). */
const V1_UNLIMITED = 1n << 62n;

/** parseFlatKeyed parses `key value` lines (memory.stat, cpu.stat) into bigints. */
export function parseFlatKeyed(text: string): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v && /^\d+$/.test(v)) m.set(k, BigInt(v));
  }
  return m;
}

function num(text: string | undefined): bigint | undefined {
  const t = text?.trim();
  return t && /^\d+$/.test(t) ? BigInt(t) : undefined;
}

/** memoryFromV1 builds a MemoryReading from v1's memory.usage_in_bytes, memory.stat and memory.limit_in_bytes. */
export function memoryFromV1(
  usage: bigint,
  stat: Map<string, bigint>,
  limit?: bigint,
): MemoryReading {
  const inactive = stat.get('total_inactive_file') ?? stat.get('inactive_file') ?? 0n;
  const ws = usage > inactive ? usage - inactive : 0n;
  const r: MemoryReading = {
    usageBytes: usage,
    workingSetBytes: ws,
    rssBytes: stat.get('total_rss') ?? stat.get('rss') ?? 0n,
    pageFaults: stat.get('total_pgfault') ?? stat.get('pgfault') ?? 0n,
    majorPageFaults: stat.get('total_pgmajfault') ?? stat.get('pgmajfault') ?? 0n,
  };
  if (limit !== undefined && limit < V1_UNLIMITED) r.limitBytes = limit;
  return r;
}

/** memoryFromV2 builds a MemoryReading from v2's memory.current, memory.stat and memory.max. */
export function memoryFromV2(
  current: bigint,
  stat: Map<string, bigint>,
  max?: bigint,
): MemoryReading {
  const inactive = stat.get('inactive_file') ?? 0n;
  const r: MemoryReading = {
    usageBytes: current,
    workingSetBytes: current > inactive ? current - inactive : 0n,
    rssBytes: stat.get('anon') ?? 0n,
    pageFaults: stat.get('pgfault') ?? 0n,
    majorPageFaults: stat.get('pgmajfault') ?? 0n,
  };
  if (max !== undefined) r.limitBytes = max;
  return r;
}

/**
 * readCgroupUsage reads the CPU and memory counters of cgroup `path` (v1
 * cpuacct + memory controllers, or the v2 unified files). Undefined when the
 * cgroup does not exist (the container is gone).
 */
export async function readCgroupUsage(
  layout: CgroupLayout,
  path: string,
): Promise<CgroupUsage | undefined> {
  if (layout.mode === 'v2') {
    const dir = controllerDir(layout, 'memory', path);
    if (dir === undefined) return undefined;
    const [cpuStat, cur, stat, max] = await Promise.all([
      readTextIfExists(join(dir, 'cpu.stat')),
      readTextIfExists(join(dir, 'memory.current')),
      readTextIfExists(join(dir, 'memory.stat')),
      readTextIfExists(join(dir, 'memory.max')),
    ]);
    if (cpuStat === undefined || cur === undefined) return undefined;
    const usec = parseFlatKeyed(cpuStat).get('usage_usec') ?? 0n;
    return {
      cpuUsageNs: usec * 1000n,
      memory: memoryFromV2(num(cur) ?? 0n, parseFlatKeyed(stat ?? ''), num(max)),
    };
  }
  const cpuDir = controllerDir(layout, 'cpuacct', path);
  const memDir = controllerDir(layout, 'memory', path);
  if (cpuDir === undefined || memDir === undefined) return undefined;
  const [usage, memUsage, stat, limit] = await Promise.all([
    readTextIfExists(join(cpuDir, 'cpuacct.usage')),
    readTextIfExists(join(memDir, 'memory.usage_in_bytes')),
    readTextIfExists(join(memDir, 'memory.stat')),
    readTextIfExists(join(memDir, 'memory.limit_in_bytes')),
  ]);
  if (usage === undefined || memUsage === undefined) return undefined;
  return {
    cpuUsageNs: num(usage) ?? 0n,
    memory: memoryFromV1(num(memUsage) ?? 0n, parseFlatKeyed(stat ?? ''), num(limit)),
  };
}

/**
 * readOomKilled reports whether the kernel's OOM killer killed a task in
 * cgroup `path` (v1 memory.oom_control `oom_kill`, v2 memory.events
 * `oom_kill`). False when the cgroup is gone.
 */
export async function readOomKilled(layout: CgroupLayout, path: string): Promise<boolean> {
  const dir = controllerDir(layout, 'memory', path);
  if (dir === undefined) return false;
  const file = layout.mode === 'v2' ? 'memory.events' : 'memory.oom_control';
  const text = await readTextIfExists(join(dir, file));
  return (parseFlatKeyed(text ?? '').get('oom_kill') ?? 0n) > 0n;
}
