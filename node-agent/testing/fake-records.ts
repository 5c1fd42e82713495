/**
 * The FakeRuntime's records and how they are rendered as the shim's
 * generated output types (every field filled in, as proto-loader's
 * `defaults: true` delivers them).
 */
import type { ContainerConfig } from '../../proto/generated/tugboat/runtime/v1/ContainerConfig.js';
import type { ContainerStatus__Output } from '../../proto/generated/tugboat/runtime/v1/ContainerStatus.js';
import type { Container__Output } from '../../proto/generated/tugboat/runtime/v1/Container.js';
import type { Image__Output } from '../../proto/generated/tugboat/runtime/v1/Image.js';
import type { PodSandboxConfig } from '../../proto/generated/tugboat/runtime/v1/PodSandboxConfig.js';
import type { PodSandboxStatus__Output } from '../../proto/generated/tugboat/runtime/v1/PodSandboxStatus.js';
import type { PodSandbox__Output } from '../../proto/generated/tugboat/runtime/v1/PodSandbox.js';
import type { FakeContainerBehaviour } from './fake-runtime.js';

/** FakeSandbox is a sandbox record of the FakeRuntime. */
export interface FakeSandbox {
  id: string;
  config: PodSandboxConfig;
  ready: boolean;
  createdNs: string;
  ip: string;
  hostNetwork: boolean;
}

/** FakeContainer is a container record of the FakeRuntime. */
export interface FakeContainer {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  image: string;
  imageRef: string;
  state: 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
  createdNs: string;
  startedNs: string;
  finishedNs: string;
  exitCode: number;
  reason: string;
  behaviour: FakeContainerBehaviour;
}

export function sandboxStatus(s: FakeSandbox): PodSandboxStatus__Output {
  return {
    id: s.id,
    metadata: sandboxMetadata(s.config),
    state: s.ready ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
    createdAt: s.createdNs,
    network: { ip: s.ip, additionalIps: [] },
    linux: {
      namespaces: {
        options: {
          network: s.hostNetwork ? 'NODE' : 'POD',
          pid: 'CONTAINER',
          ipc: 'CONTAINER',
          targetId: '',
        },
      },
    },
    labels: { ...(s.config.labels ?? {}) },
    annotations: { ...(s.config.annotations ?? {}) },
    runtimeHandler: '',
  };
}

export function sandboxListEntry(s: FakeSandbox): PodSandbox__Output {
  const st = sandboxStatus(s);
  return {
    id: st.id,
    metadata: st.metadata,
    state: st.state,
    createdAt: st.createdAt,
    labels: st.labels,
    annotations: st.annotations,
    runtimeHandler: '',
  };
}

export function containerStatus(c: FakeContainer): ContainerStatus__Output {
  return {
    id: c.id,
    metadata: { name: c.config.metadata?.name ?? '', attempt: c.config.metadata?.attempt ?? 0 },
    state: c.state,
    createdAt: c.createdNs,
    startedAt: c.startedNs,
    finishedAt: c.finishedNs,
    exitCode: c.exitCode,
    image: { image: c.image, annotations: {}, userSpecifiedImage: '' },
    imageRef: c.imageRef,
    reason: c.reason,
    message: '',
    labels: { ...(c.config.labels ?? {}) },
    annotations: { ...(c.config.annotations ?? {}) },
    mounts: (c.config.mounts ?? []).map((m) => ({
      containerPath: m.containerPath ?? '',
      hostPath: m.hostPath ?? '',
      readonly: m.readonly ?? false,
      selinuxRelabel: false,
      propagation: 'PROPAGATION_PRIVATE',
    })),
    logPath: c.config.logPath ?? '',
    resources: null,
    imageId: c.imageRef,
  };
}

export function containerListEntry(c: FakeContainer): Container__Output {
  const st = containerStatus(c);
  return {
    id: c.id,
    podSandboxId: c.sandboxId,
    metadata: st.metadata,
    image: st.image,
    imageRef: c.imageRef,
    state: c.state,
    createdAt: c.createdNs,
    labels: st.labels,
    annotations: st.annotations,
    imageId: c.imageRef,
  };
}

function sandboxMetadata(cfg: PodSandboxConfig): PodSandboxStatus__Output['metadata'] {
  const md = cfg.metadata ?? {};
  return {
    name: md.name ?? '',
    uid: md.uid ?? '',
    namespace: md.namespace ?? '',
    attempt: md.attempt ?? 0,
  };
}

/** imageOut renders a stored image as the ImageService reports it. */
export function imageOut(name: string, id: string): Image__Output {
  return {
    id,
    repoTags: [name],
    repoDigests: [],
    size: '1024',
    uid: null,
    username: '',
    spec: { image: name, annotations: {}, userSpecifiedImage: '' },
    pinned: false,
  };
}

/** matches: `labels` has every entry of `selector`. */
export function matches(
  labels: Record<string, string> | undefined,
  selector: Record<string, string> | undefined,
): boolean {
  for (const [k, v] of Object.entries(selector ?? {})) if (labels?.[k] !== v) return false;
  return true;
}
