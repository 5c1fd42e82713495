import type { ContainerConfig__Output } from '../../proto/generated/tugboat/runtime/v1/ContainerConfig.js';
import type { LinuxContainerResources__Output } from '../../proto/generated/tugboat/runtime/v1/LinuxContainerResources.js';
import type { PodSandboxConfig__Output } from '../../proto/generated/tugboat/runtime/v1/PodSandboxConfig.js';
import type { SandboxNetworkStatus } from '../network/types.js';

/**
 * SandboxPhase is a sandbox's lifecycle step:
 * creating → ready (RunPodSandbox succeeded) → notready (StopPodSandbox) →
 * gone (RemovePodSandbox). A record left in `creating` by a crash is undone
 * at the next start (its caller never got the id).
 */
export type SandboxPhase = 'creating' | 'ready' | 'notready';

/** SandboxRecord is what the shim keeps on disk about a pod sandbox. */
export interface SandboxRecord {
  id: string;
  phase: SandboxPhase;
  /** createdAtNs is Unix nanoseconds, as a decimal string. */
  createdAtNs: string;
  /** config is the PodSandboxConfig given to RunPodSandbox, unchanged. */
  config: PodSandboxConfig__Output;
  runtimeHandler: string;
  /** hostNetwork: the pod uses the shim's network namespace (no CNI). */
  hostNetwork: boolean;
  hostname: string;
  /** network is the CNI result while the sandbox is ready. */
  network?: SandboxNetworkStatus;
  /** cgroupPath is the pod's cgroup (absolute); containers' cgroups are below it. */
  cgroupPath: string;
}

/**
 * ContainerPhase is a container's lifecycle step:
 * creating → created (CreateContainer succeeded) → running (StartContainer)
 * → exited (the monitor recorded an exit). created → exited when a created
 * container is stopped. unknown: the monitor vanished without recording an
 * exit (the exit code is lost). A record left in `creating` by a crash is
 * undone at the next start.
 */
export type ContainerPhase = 'creating' | 'created' | 'running' | 'exited' | 'unknown';

/** ContainerRecord is what the shim keeps on disk about a container. */
export interface ContainerRecord {
  id: string;
  sandboxId: string;
  phase: ContainerPhase;
  /** config is the ContainerConfig given to CreateContainer, unchanged. */
  config: ContainerConfig__Output;
  /** imageRef is the image as the caller named it; imageId is the stored image's id. */
  imageRef: string;
  imageId: string;
  createdAtNs: string;
  startedAtNs?: string;
  finishedAtNs?: string;
  exitCode?: number;
  /** reason is CRI's: Completed, Error, OOMKilled, Unknown. */
  reason?: string;
  message?: string;
  /** pid is the container's init process on the host, once created. */
  pid?: number;
  logPath: string;
  cgroupPath: string;
  /** resources are the current limits (after any UpdateContainerResources). */
  resources: LinuxContainerResources__Output;
  /** stopSignal is sent by StopContainer before SIGKILL ("TERM", from the image). */
  stopSignal: string;
}
