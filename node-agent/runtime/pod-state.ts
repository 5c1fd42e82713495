import type { ContainerStatus__Output } from '../../proto/generated/tugboat/runtime/v1/ContainerStatus.js';
import type { PodSandbox__Output } from '../../proto/generated/tugboat/runtime/v1/PodSandbox.js';
import type { PodSandboxStatus__Output } from '../../proto/generated/tugboat/runtime/v1/PodSandboxStatus.js';
import { isRuntimeNotFound } from './errors.js';
import {
  CONTAINER_HASH_ANNOTATION,
  CONTAINER_KIND_ANNOTATION,
  CONTAINER_NAME_LABEL,
  GRACE_ANNOTATION,
} from './labels.js';
import type { RuntimeService } from './runtime.js';

/** ObservedSandbox is one sandbox of a pod as the runtime reports it. */
export interface ObservedSandbox {
  id: string;
  /** name and namespace of the pod, from the sandbox metadata. */
  name: string;
  namespace: string;
  attempt: number;
  ready: boolean;
  createdAtMs: number;
  /** ip is the pod IP; empty on the node's network and once stopped. */
  ip: string;
  hostNetwork: boolean;
  /** graceSeconds is the pod's grace period when the sandbox was made, if recorded. */
  graceSeconds: number | undefined;
}

/**
 * ContainerRunState is the runtime's state of a container: created →
 * running → exited; unknown when the shim lost its monitor.
 */
export type ContainerRunState = 'created' | 'running' | 'exited' | 'unknown';

/** ObservedContainer is one container of a pod as the runtime reports it. */
export interface ObservedContainer {
  id: string;
  sandboxId: string;
  /** name is the container's name in the pod spec. */
  name: string;
  /** attempt is the restart count: 0 for the first run of that container. */
  attempt: number;
  state: ContainerRunState;
  createdAtMs: number;
  startedAtMs: number;
  finishedAtMs: number;
  exitCode: number;
  reason: string;
  message: string;
  /** image is the image name as the runtime resolved it; imageRef its ID. */
  image: string;
  imageRef: string;
  /** hash is the container spec hash the agent recorded at creation. */
  hash: string;
  kind: 'init' | 'app' | '';
}

/** PodRuntimeState is everything the runtime holds for one pod UID, newest first. */
export interface PodRuntimeState {
  uid: string;
  sandboxes: ObservedSandbox[];
  containers: ObservedContainer[];
}

/** nsToMs converts the shim's int64 nanoseconds (a decimal string) to milliseconds. */
export function nsToMs(ns: string | number | undefined): number {
  if (ns === undefined || ns === '' || ns === '0' || ns === 0) return 0;
  return Number(BigInt(ns) / 1_000_000n);
}

function sandboxFrom(s: PodSandboxStatus__Output): ObservedSandbox {
  const grace = s.annotations?.[GRACE_ANNOTATION];
  return {
    id: s.id,
    name: s.metadata?.name ?? '',
    namespace: s.metadata?.namespace ?? '',
    attempt: s.metadata?.attempt ?? 0,
    ready: s.state === 'SANDBOX_READY',
    createdAtMs: nsToMs(s.createdAt),
    ip: s.network?.ip ?? '',
    hostNetwork: s.linux?.namespaces?.options?.network === 'NODE',
    graceSeconds: grace !== undefined && /^\d+$/.test(grace) ? Number(grace) : undefined,
  };
}

/** containerFrom converts a runtime ContainerStatus of sandbox `sandboxId`. */
export function containerFrom(c: ContainerStatus__Output, sandboxId: string): ObservedContainer {
  const state: ContainerRunState =
    c.state === 'CONTAINER_RUNNING'
      ? 'running'
      : c.state === 'CONTAINER_EXITED'
        ? 'exited'
        : c.state === 'CONTAINER_UNKNOWN'
          ? 'unknown'
          : 'created';
  const kind = c.annotations?.[CONTAINER_KIND_ANNOTATION];
  return {
    id: c.id,
    sandboxId,
    name: c.labels?.[CONTAINER_NAME_LABEL] ?? c.metadata?.name ?? '',
    attempt: c.metadata?.attempt ?? 0,
    state,
    createdAtMs: nsToMs(c.createdAt),
    startedAtMs: nsToMs(c.startedAt),
    finishedAtMs: nsToMs(c.finishedAt),
    exitCode: c.exitCode ?? 0,
    reason: c.reason ?? '',
    message: c.message ?? '',
    image: c.image?.image ?? '',
    imageRef: c.imageRef ?? '',
    hash: c.annotations?.[CONTAINER_HASH_ANNOTATION] ?? '',
    kind: kind === 'init' || kind === 'app' ? kind : '',
  };
}

const newestFirst = <T extends { attempt: number; createdAtMs: number }>(a: T, b: T): number =>
  b.attempt - a.attempt || b.createdAtMs - a.createdAtMs;

/**
 * observePod reads what the runtime holds for pod `uid`: its sandboxes
 * (matched by metadata uid, so sandboxes made by anything are seen) and
 * each one's containers, newest first. Objects removed while it reads are
 * skipped. Read-only; safe to call concurrently.
 */
export async function observePod(
  runtime: RuntimeService,
  uid: string,
  signal?: AbortSignal,
): Promise<PodRuntimeState> {
  const opts = { timeoutMs: 30_000, ...(signal ? { signal } : {}) };
  const { items } = await runtime.ListPodSandbox({}, opts);
  return observeSandboxes(
    runtime,
    uid,
    items.filter((s) => s.metadata?.uid === uid),
    signal,
  );
}

/** observeSandboxes is observePod for an already listed set of sandboxes. */
export async function observeSandboxes(
  runtime: RuntimeService,
  uid: string,
  listed: PodSandbox__Output[],
  signal?: AbortSignal,
): Promise<PodRuntimeState> {
  const opts = { timeoutMs: 30_000, ...(signal ? { signal } : {}) };
  const sandboxes: ObservedSandbox[] = [];
  const containers: ObservedContainer[] = [];
  for (const s of listed) {
    try {
      const st = await runtime.PodSandboxStatus({ podSandboxId: s.id }, opts);
      if (!st.status) continue;
      sandboxes.push(sandboxFrom(st.status));
      for (const c of st.containersStatuses ?? []) containers.push(containerFrom(c, s.id));
    } catch (e) {
      if (!isRuntimeNotFound(e)) throw e;
    }
  }
  sandboxes.sort(newestFirst);
  containers.sort(newestFirst);
  return { uid, sandboxes, containers };
}
