import { Quantity } from '../../controlplane/api/quantity/index.js';
import type {
  ContainerImage,
  Node,
  NodeCondition,
  NodeStatus,
  ResourceList,
} from '../../controlplane/api/types/index.js';
import type { MachineInfo } from './machine.js';

/** KUBELET_VERSION is what the agent reports as nodeInfo.kubeletVersion. */
export const KUBELET_VERSION = 'v1.32.0-tugboat';

/** EVICTION_RESERVE_BYTES is kept out of allocatable memory (kubelet's memory.available<100Mi). */
export const EVICTION_RESERVE_BYTES = 100 * 1024 * 1024;

/** NodeConfig is the fixed part of what a node reports. */
export interface NodeConfig {
  nodeName: string;
  nodeIP: string;
  machine: MachineInfo;
  /** cpu and memory override the machine's (quantities, e.g. `4`, `8Gi`). */
  cpu?: string;
  memory?: string;
  maxPods: number;
  /** ephemeralStorageBytes is the size of the agent's root filesystem, if known. */
  ephemeralStorageBytes?: number;
  labels: Record<string, string>;
  daemonPort: number;
}

/** NodeHealth is the changing part: whether the runtime and the pod network work. */
export interface NodeHealth {
  /** runtimeVersion is `tug-shim://x.y.z`, or '' while unknown. */
  runtimeVersion: string;
  /** notReady is undefined when the node can run pods, otherwise why it cannot. */
  notReady: string | undefined;
}

/** ki renders bytes as a canonical quantity (the API server stores quantities canonical). */
const ki = (bytes: number): string => Quantity.parse(`${Math.floor(bytes / 1024)}Ki`).toString();

/** capacityOf is the node's capacity: cpu cores, memory, pods and ephemeral storage. */
export function capacityOf(cfg: NodeConfig): ResourceList {
  const cpu = cfg.cpu ? Quantity.parse(cfg.cpu).toString() : String(cfg.machine.cpuCores);
  const memory = cfg.memory ? Quantity.parse(cfg.memory).toString() : ki(cfg.machine.memoryBytes);
  const out: ResourceList = { cpu, memory, pods: String(cfg.maxPods) };
  if (cfg.ephemeralStorageBytes) out['ephemeral-storage'] = ki(cfg.ephemeralStorageBytes);
  return out;
}

/**
 * allocatableOf is capacity minus kubelet's default eviction reserves: 100 Mi
 * of memory and 10 % of ephemeral storage. No cpu is reserved.
 */
export function allocatableOf(cfg: NodeConfig): ResourceList {
  const cap = capacityOf(cfg);
  const mem = Quantity.parse(cap['memory'] ?? '0').value();
  const out: ResourceList = {
    ...cap,
    memory: ki(Math.max(0, mem - EVICTION_RESERVE_BYTES)),
  };
  if (cfg.ephemeralStorageBytes) {
    out['ephemeral-storage'] = Quantity.parse(
      String(Math.floor(cfg.ephemeralStorageBytes * 0.9)),
    ).toString();
  }
  return out;
}

/** memoryBytesOf is the node's memory capacity in bytes (after overrides). */
export function memoryBytesOf(cfg: NodeConfig): number {
  return Quantity.parse(capacityOf(cfg)['memory'] ?? '0').value();
}

/** cpuMilliOf is the node's cpu capacity in millicores (after overrides). */
export function cpuMilliOf(cfg: NodeConfig): number {
  return Quantity.parse(capacityOf(cfg)['cpu'] ?? '0').milliValue();
}

/** defaultNodeLabels are the well-known labels kubelet sets on its Node. */
export function defaultNodeLabels(nodeName: string, arch: string): Record<string, string> {
  return {
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': arch,
  };
}

function cond(
  type: string,
  ok: boolean,
  reason: string,
  message: string,
  old: NodeCondition[] | undefined,
  now: string,
): NodeCondition {
  const status = ok ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  return {
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime:
      prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now,
    reason,
    message,
  };
}

/**
 * nodeStatus is the status the agent reports: capacity and allocatable,
 * the conditions kubelet keeps (MemoryPressure, DiskPressure, PIDPressure
 * always False; Ready from `health`), addresses (InternalIP, Hostname),
 * nodeInfo, the daemon endpoint and the images. lastTransitionTime is kept
 * from `old` while a condition's status is unchanged. Pure.
 */
export function nodeStatus(
  cfg: NodeConfig,
  health: NodeHealth,
  old: NodeStatus | undefined,
  now: string,
  images: ContainerImage[] | undefined,
): NodeStatus {
  const oc = old?.conditions;
  const m = cfg.machine;
  const status: NodeStatus = {
    capacity: capacityOf(cfg),
    allocatable: allocatableOf(cfg),
    conditions: [
      cond(
        'MemoryPressure',
        false,
        'KubeletHasSufficientMemory',
        'kubelet has sufficient memory available',
        oc,
        now,
      ),
      cond(
        'DiskPressure',
        false,
        'KubeletHasNoDiskPressure',
        'kubelet has no disk pressure',
        oc,
        now,
      ),
      cond(
        'PIDPressure',
        false,
        'KubeletHasSufficientPID',
        'kubelet has sufficient PID available',
        oc,
        now,
      ),
      health.notReady === undefined
        ? cond('Ready', true, 'KubeletReady', 'kubelet is posting ready status', oc, now)
        : cond('Ready', false, 'KubeletNotReady', health.notReady, oc, now),
    ],
    addresses: [
      { type: 'InternalIP', address: cfg.nodeIP },
      { type: 'Hostname', address: cfg.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: cfg.daemonPort } },
    nodeInfo: {
      machineID: m.machineID,
      systemUUID: m.systemUUID,
      bootID: m.bootID,
      kernelVersion: m.kernelVersion,
      osImage: m.osImage,
      containerRuntimeVersion:
        health.runtimeVersion || old?.nodeInfo?.containerRuntimeVersion || '',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: m.architecture,
    },
  };
  if (images && images.length > 0) status.images = images;
  else if (old?.images) status.images = old.images;
  return status;
}

/** registrationObject is the Node the agent creates when it first registers. */
export function registrationObject(cfg: NodeConfig, health: NodeHealth, now: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: cfg.nodeName,
      labels: { ...cfg.labels },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: {},
    status: nodeStatus(cfg, health, undefined, now, undefined),
  };
}

/** withoutHeartbeats strips lastHeartbeatTime, so statuses compare by content. */
export function withoutHeartbeats(s: NodeStatus | undefined): NodeStatus {
  return {
    ...(s ?? {}),
    conditions: (s?.conditions ?? []).map(({ lastHeartbeatTime: _h, ...c }) => c),
  };
}
