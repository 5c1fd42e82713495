import type { LinuxContainerResources__Output } from '../../proto/generated/tugboat/runtime/v1/LinuxContainerResources.js';
import { InvalidArgumentError } from '../errors.js';
import type { CgroupMode } from '../cgroups/layout.js';
import type { OciResources } from './types.js';

/** ResourceSupport says what the host's cgroups can limit. */
export interface ResourceSupport {
  mode: CgroupMode;
  /** swapAccounting is true when memory+swap can be limited (v1 memsw, v2 memory.swap.max). */
  swapAccounting: boolean;
}

/** MIN_MEMORY_LIMIT is the smallest memory limit accepted: below it the runtime itself cannot start the container. */
export const MIN_MEMORY_LIMIT = 4 * 1024 * 1024;

/** EMPTY_RESOURCES is a LinuxContainerResources with nothing set. */
export const EMPTY_RESOURCES: LinuxContainerResources__Output = {
  cpuPeriod: '0',
  cpuQuota: '0',
  cpuShares: '0',
  memoryLimitInBytes: '0',
  oomScoreAdj: '0',
  cpusetCpus: '',
  cpusetMems: '',
  unified: {},
  memorySwapLimitInBytes: '0',
  pidsLimit: '0',
};

function int(field: string, v: string | number | undefined): number {
  const s = String(v ?? '0');
  if (!/^-?\d+$/.test(s)) throw new InvalidArgumentError(`${field}: not an integer: ${s}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${field}: out of range: ${s}`);
  return n;
}

const CPUSET = /^(\d+(-\d+)?)(,\d+(-\d+)?)*$/;

/**
 * validateResources checks CRI resource values and throws an
 * InvalidArgumentError naming the first bad field (under `prefix`). 0 means
 * "not set" everywhere.
 */
export function validateResources(
  r: LinuxContainerResources__Output,
  support: ResourceSupport,
  prefix = 'linux.resources',
): void {
  const f = (name: string): string => `${prefix}.${name}`;
  const period = int(f('cpu_period'), r.cpuPeriod);
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    throw new InvalidArgumentError(
      `${f('cpu_period')}: must be between 1000 and 1000000 µs, got ${period}`,
    );
  }
  const quota = int(f('cpu_quota'), r.cpuQuota);
  if (quota !== 0 && quota !== -1 && quota < 1000) {
    throw new InvalidArgumentError(
      `${f('cpu_quota')}: must be at least 1000 µs (or -1 for no limit), got ${quota}`,
    );
  }
  const shares = int(f('cpu_shares'), r.cpuShares);
  if (shares !== 0 && (shares < 2 || shares > 262_144)) {
    throw new InvalidArgumentError(
      `${f('cpu_shares')}: must be between 2 and 262144, got ${shares}`,
    );
  }
  const mem = int(f('memory_limit_in_bytes'), r.memoryLimitInBytes);
  if (mem !== 0 && mem < MIN_MEMORY_LIMIT) {
    throw new InvalidArgumentError(
      `${f('memory_limit_in_bytes')}: must be at least ${MIN_MEMORY_LIMIT} bytes (4 MiB), got ${mem}`,
    );
  }
  const swap = int(f('memory_swap_limit_in_bytes'), r.memorySwapLimitInBytes);
  if (swap !== 0 && swap !== -1 && (mem === 0 || swap < mem)) {
    throw new InvalidArgumentError(
      `${f('memory_swap_limit_in_bytes')}: must be -1, or at least memory_limit_in_bytes (and that must be set), got ${swap}`,
    );
  }
  const pids = int(f('pids_limit'), r.pidsLimit);
  if (pids !== 0 && pids !== -1 && pids < 1) {
    throw new InvalidArgumentError(
      `${f('pids_limit')}: must be at least 1 (or -1 for no limit), got ${pids}`,
    );
  }
  const oom = int(f('oom_score_adj'), r.oomScoreAdj);
  if (oom < -1000 || oom > 1000) {
    throw new InvalidArgumentError(
      `${f('oom_score_adj')}: must be between -1000 and 1000, got ${oom}`,
    );
  }
  if (r.cpusetCpus !== '' && !CPUSET.test(r.cpusetCpus)) {
    throw new InvalidArgumentError(
      `${f('cpuset_cpus')}: not a CPU list like "0-1,3": ${r.cpusetCpus}`,
    );
  }
  if (r.cpusetMems !== '' && !CPUSET.test(r.cpusetMems)) {
    throw new InvalidArgumentError(
      `${f('cpuset_mems')}: not a node list like "0": ${r.cpusetMems}`,
    );
  }
  if (Object.keys(r.unified ?? {}).length > 0 && support.mode !== 'v2') {
    throw new InvalidArgumentError(
      `${f('unified')}: only for cgroup v2 hosts; this host uses ${support.mode}`,
    );
  }
}

/**
 * toOciResources converts validated CRI resources to the OCI spec's
 * linux.resources (without devices). With swap accounting and no explicit
 * swap limit, swap is set equal to the memory limit (no swap), as kubelet
 * expects.
 */
export function toOciResources(
  r: LinuxContainerResources__Output,
  support: ResourceSupport,
): OciResources {
  const out: OciResources = {};
  const n = (v: string): number => Number(v);
  const cpu: NonNullable<OciResources['cpu']> = {};
  if (n(r.cpuShares) !== 0) cpu.shares = n(r.cpuShares);
  if (n(r.cpuQuota) !== 0) cpu.quota = n(r.cpuQuota);
  if (n(r.cpuPeriod) !== 0) cpu.period = n(r.cpuPeriod);
  if (r.cpusetCpus !== '') cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems !== '') cpu.mems = r.cpusetMems;
  if (Object.keys(cpu).length > 0) out.cpu = cpu;
  const mem = n(r.memoryLimitInBytes);
  if (mem !== 0) {
    out.memory = { limit: mem };
    if (support.swapAccounting) {
      const swap = n(r.memorySwapLimitInBytes);
      out.memory.swap = swap === 0 ? mem : swap;
    }
  }
  const pids = n(r.pidsLimit);
  if (pids !== 0) out.pids = { limit: pids };
  if (Object.keys(r.unified ?? {}).length > 0) out.unified = { ...r.unified };
  return out;
}

/** mergeResources overlays `update` on `current`: fields of `update` left at 0 / empty keep their current value. */
export function mergeResources(
  current: LinuxContainerResources__Output,
  update: LinuxContainerResources__Output,
): LinuxContainerResources__Output {
  const pick = (a: string, b: string): string => (b !== '0' && b !== '' ? b : a);
  return {
    cpuPeriod: pick(current.cpuPeriod, update.cpuPeriod),
    cpuQuota: pick(current.cpuQuota, update.cpuQuota),
    cpuShares: pick(current.cpuShares, update.cpuShares),
    memoryLimitInBytes: pick(current.memoryLimitInBytes, update.memoryLimitInBytes),
    oomScoreAdj: pick(current.oomScoreAdj, update.oomScoreAdj),
    cpusetCpus: pick(current.cpusetCpus, update.cpusetCpus),
    cpusetMems: pick(current.cpusetMems, update.cpusetMems),
    unified: { ...current.unified, ...update.unified },
    memorySwapLimitInBytes: pick(current.memorySwapLimitInBytes, update.memorySwapLimitInBytes),
    pidsLimit: pick(current.pidsLimit, update.pidsLimit),
  };
}
