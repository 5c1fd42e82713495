import type { Container } from '../../proto/generated/tugboat/runtime/v1/Container.js';
import type { ContainerState } from '../../proto/generated/tugboat/runtime/v1/ContainerState.js';
import type { ContainerStatus } from '../../proto/generated/tugboat/runtime/v1/ContainerStatus.js';
import type { NamespaceOption } from '../../proto/generated/tugboat/runtime/v1/NamespaceOption.js';
import type { PodSandbox } from '../../proto/generated/tugboat/runtime/v1/PodSandbox.js';
import type { PodSandboxStatus } from '../../proto/generated/tugboat/runtime/v1/PodSandboxStatus.js';
import type { ContainerPhase, ContainerRecord, SandboxRecord } from '../state/records.js';

/** containerState maps a record's phase to CRI's ContainerState. */
export function containerState(phase: ContainerPhase): ContainerState {
  switch (phase) {
    case 'creating':
    case 'created':
      return 'CONTAINER_CREATED';
    case 'running':
      return 'CONTAINER_RUNNING';
    case 'exited':
      return 'CONTAINER_EXITED';
    case 'unknown':
      return 'CONTAINER_UNKNOWN';
  }
}

/** toContainerStatus renders a container record as CRI's ContainerStatus. */
export function toContainerStatus(rec: ContainerRecord): ContainerStatus {
  return {
    id: rec.id,
    metadata: rec.config.metadata,
    state: containerState(rec.phase),
    createdAt: rec.createdAtNs,
    startedAt: rec.startedAtNs ?? '0',
    finishedAt: rec.finishedAtNs ?? '0',
    exitCode: rec.exitCode ?? 0,
    image: { image: rec.imageRef },
    imageRef: rec.imageId,
    imageId: rec.imageId,
    reason: rec.reason ?? '',
    message: rec.message ?? '',
    labels: rec.config.labels,
    annotations: rec.config.annotations,
    mounts: rec.config.mounts,
    logPath: rec.logPath,
    resources: { linux: rec.resources },
  };
}

/** toContainer renders a container record as CRI's Container (list entry). */
export function toContainer(rec: ContainerRecord): Container {
  return {
    id: rec.id,
    podSandboxId: rec.sandboxId,
    metadata: rec.config.metadata,
    image: { image: rec.imageRef },
    imageRef: rec.imageId,
    imageId: rec.imageId,
    state: containerState(rec.phase),
    createdAt: rec.createdAtNs,
    labels: rec.config.labels,
    annotations: rec.config.annotations,
  };
}

function namespaceOptions(rec: SandboxRecord): NamespaceOption {
  const ns = rec.config.linux?.securityContext?.namespaceOptions;
  return {
    network: rec.hostNetwork ? 'NODE' : 'POD',
    pid: ns?.pid === 'NODE' ? 'NODE' : 'CONTAINER',
    ipc: ns?.ipc === 'NODE' ? 'NODE' : 'CONTAINER',
  };
}

/** toSandboxStatus renders a sandbox record as CRI's PodSandboxStatus. */
export function toSandboxStatus(rec: SandboxRecord): PodSandboxStatus {
  return {
    id: rec.id,
    metadata: rec.config.metadata,
    state: rec.phase === 'ready' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
    createdAt: rec.createdAtNs,
    network: {
      ip: rec.network?.ip ?? '',
      additionalIps: (rec.network?.additionalIps ?? []).map((ip) => ({ ip })),
    },
    linux: { namespaces: { options: namespaceOptions(rec) } },
    labels: rec.config.labels,
    annotations: rec.config.annotations,
    runtimeHandler: rec.runtimeHandler,
  };
}

/** toPodSandbox renders a sandbox record as CRI's PodSandbox (list entry). */
export function toPodSandbox(rec: SandboxRecord): PodSandbox {
  return {
    id: rec.id,
    metadata: rec.config.metadata,
    state: rec.phase === 'ready' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
    createdAt: rec.createdAtNs,
    labels: rec.config.labels,
    annotations: rec.config.annotations,
    runtimeHandler: rec.runtimeHandler,
  };
}

/** matchesLabels reports whether `labels` has every entry of `selector`. */
export function matchesLabels(
  labels: Record<string, string> | undefined,
  selector: Record<string, string> | undefined,
): boolean {
  for (const [k, v] of Object.entries(selector ?? {})) {
    if (labels?.[k] !== v) return false;
  }
  return true;
}
