import { readFile } from 'node:fs/promises';

/** HostSample is the whole machine's cpu counter and memory at one instant. */
export interface HostSample {
  /** cpuNs is the cumulative busy cpu time of all cores, in nanoseconds. */
  cpuNs: number;
  memTotalBytes: number;
  memFreeBytes: number;
  memAvailableBytes: number;
  /** bootTimeMs is when the machine started (ms since the epoch). */
  bootTimeMs: number;
}

/** USER_HZ is the unit of /proc/stat's counters on Linux (always 100 ticks a second). */
const NS_PER_TICK = 10_000_000;

/** parseProcStat reads busy cpu time (user nice system irq softirq steal) and btime from /proc/stat. */
export function parseProcStat(text: string): { cpuNs: number; bootTimeMs: number } {
  let cpuNs = 0;
  let bootTimeMs = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'cpu') {
      const [user, nice, system, , , irq, softirq, steal] = f.slice(1).map(Number);
      cpuNs = [user, nice, system, irq, softirq, steal].reduce<number>((a, v) => a + (v ?? 0), 0);
      cpuNs *= NS_PER_TICK;
    } else if (f[0] === 'btime') {
      bootTimeMs = Number(f[1]) * 1000;
    }
  }
  return { cpuNs, bootTimeMs };
}

/** parseMeminfo reads MemTotal, MemFree and MemAvailable (kB in the file) as bytes. */
export function parseMeminfo(text: string): {
  memTotalBytes: number;
  memFreeBytes: number;
  memAvailableBytes: number;
} {
  const kb = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return {
    memTotalBytes: kb('MemTotal'),
    memFreeBytes: kb('MemFree'),
    memAvailableBytes: kb('MemAvailable'),
  };
}

/**
 * readHostSample reads /proc/stat and /proc/meminfo: the machine's figures,
 * which is what kubelet reports for its node (the root cgroup). Node hosts
 * that are network namespaces of one machine all report that machine.
 */
export async function readHostSample(): Promise<HostSample> {
  const [stat, mem] = await Promise.all([
    readFile('/proc/stat', 'utf8'),
    readFile('/proc/meminfo', 'utf8'),
  ]);
  return { ...parseProcStat(stat), ...parseMeminfo(mem) };
}
