import { podQosClass } from '../../controlplane/api/defaults/index.js';
import { Quantity } from '../../controlplane/api/quantity/index.js';
import type { Container, PodSpec, ResourceList } from '../../controlplane/api/types/index.js';
import type { LinuxContainerResources } from '../../proto/generated/tugboat/runtime/v1/LinuxContainerResources.js';
import { ContainerConfigError } from './env.js';

/** CPU_PERIOD_US is the CFS period kubelet uses (100 ms). */
export const CPU_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const MAX_SHARES = 262_144;
const MIN_QUOTA_US = 1_000;

function quantity(list: ResourceList | undefined, name: string): Quantity | undefined {
  const v = list?.[name];
  if (v === undefined) return undefined;
  try {
    return Quantity.parse(String(v));
  } catch (e) {
    throw new ContainerConfigError(`invalid quantity for ${name}: ${String(v)}`, { cause: e });
  }
}

/**
 * oomScoreAdj is kubelet's OOM score for a container by the pod's QoS
 * class: -997 for Guaranteed, 1000 for BestEffort, and for Burstable
 * `1000 - 1000·memoryRequest/nodeMemory` kept within 3…999, so that the
 * kernel kills the pods that overran their requests the most first.
 */
export function oomScoreAdj(
  spec: PodSpec | undefined,
  c: Container,
  nodeMemoryBytes: number,
): number {
  const qos = podQosClass(spec);
  if (qos === 'Guaranteed') return -997;
  if (qos === 'BestEffort') return 1000;
  const req = quantity(c.resources?.requests, 'memory')?.value() ?? 0;
  let adj = nodeMemoryBytes > 0 ? 1000 - Math.floor((1000 * req) / nodeMemoryBytes) : 1000;
  if (adj < 3) adj = 3;
  if (adj >= 1000) adj = 999;
  return adj;
}

/**
 * linuxResources turns a container's requests and limits into cgroup
 * settings as kubelet does: cpu shares from the cpu request (the limit when
 * only a limit is set; 2 without either), a CFS quota from the cpu limit
 * over a 100 ms period, the memory limit in bytes, and the QoS OOM score.
 * Throws ContainerConfigError for an unparseable quantity.
 */
export function linuxResources(
  spec: PodSpec | undefined,
  c: Container,
  nodeMemoryBytes: number,
): LinuxContainerResources {
  const cpuReq = quantity(c.resources?.requests, 'cpu');
  const cpuLim = quantity(c.resources?.limits, 'cpu');
  const memLim = quantity(c.resources?.limits, 'memory');
  const reqMilli = (cpuReq ?? cpuLim)?.milliValue() ?? 0;
  const shares =
    reqMilli === 0
      ? MIN_SHARES
      : Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor((reqMilli * 1024) / 1000)));
  const out: LinuxContainerResources = {
    cpuShares: shares,
    oomScoreAdj: oomScoreAdj(spec, c, nodeMemoryBytes),
  };
  if (cpuLim && !cpuLim.isZero()) {
    out.cpuPeriod = CPU_PERIOD_US;
    out.cpuQuota = Math.max(MIN_QUOTA_US, Math.floor((cpuLim.milliValue() * CPU_PERIOD_US) / 1000));
  }
  if (memLim && !memLim.isZero()) out.memoryLimitInBytes = memLim.value();
  return out;
}
