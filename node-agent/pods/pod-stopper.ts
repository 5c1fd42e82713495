import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PodStatus, StoredPod } from '../../controlplane/api/types/index.js';
import type { EventRecorder } from '../../controlplane/client/index.js';
import type { Logger } from '../../lib/log.js';
import type { ProbeManager } from '../probes/probe-manager.js';
import { observePod, type ObservedContainer, type PodRuntimeState } from '../runtime/pod-state.js';
import type { RuntimeService } from '../runtime/runtime.js';
import type { PodApi } from './api.js';
import { graceSeconds } from './container-config.js';
import { podRef, SyncRun } from './container-starter.js';
import type { SyncResult } from './pod-sync.js';
import type { VolumeManager } from './volumes.js';

/** isRunningish: the container holds a process (or is about to). */
export const isRunningish = (c: ObservedContainer): boolean =>
  c.state === 'running' || c.state === 'created';

/** WriteStatus computes and writes a pod's status at the end of a sync. */
export type WriteStatus = (
  run: SyncRun,
  state: PodRuntimeState,
  terminal?: boolean,
  extra?: Pick<PodStatus, 'reason' | 'message'>,
) => Promise<SyncResult>;

/** PodStopperOptions are the stopper's collaborators. */
export interface PodStopperOptions {
  runtime: RuntimeService;
  api: PodApi;
  recorder: EventRecorder;
  logger: Logger;
  probes: ProbeManager;
  volumes: VolumeManager;
  logRoot: string;
  writeStatus: WriteStatus;
  /** forget drops the agent's memory of a pod once it is gone. */
  forget: (uid: string) => void;
}

/**
 * PodStopper is the stopping half of the pod sync (kubelet's
 * SyncTerminatingPod and the cleanup of orphans): finished pods get their
 * sandbox stopped, deleted pods are stopped gracefully and deleted with
 * grace 0, and UIDs without a pod are stopped and removed with everything
 * the agent made for them.
 */
export class PodStopper {
  private readonly o: PodStopperOptions;
  private readonly writeStatus: WriteStatus;

  constructor(o: PodStopperOptions) {
    this.o = o;
    this.writeStatus = o.writeStatus;
  }

  /** finish stops the sandbox of a pod whose phase is final, keeping its containers' records. */
  async finish(pod: StoredPod, state: PodRuntimeState, signal: AbortSignal): Promise<SyncResult> {
    return this.stopPod(new SyncRun(pod, signal), state, graceSeconds(pod));
  }

  /** terminate is graceful deletion: stop everything, remove the sandbox, delete with grace 0. */
  async terminate(
    pod: StoredPod,
    state: PodRuntimeState,
    signal: AbortSignal,
  ): Promise<SyncResult> {
    const run = new SyncRun(pod, signal);
    const grace = pod.metadata.deletionGracePeriodSeconds ?? graceSeconds(pod);
    await this.stopPod(run, state, grace);
    for (const s of state.sandboxes) {
      await this.o.runtime.RemovePodSandbox({ podSandboxId: s.id }, { signal, timeoutMs: 120_000 });
    }
    await this.o.volumes.tearDown(run.uid);
    await this.o.api.deletePod(
      pod.metadata.namespace ?? 'default',
      pod.metadata.name,
      run.uid,
      signal,
    );
    this.o.logger.info('pod terminated and deleted', {
      pod: `${pod.metadata.namespace}/${pod.metadata.name}`,
    });
    return {};
  }

  /** stopPod stops all containers (with `grace`) and the sandboxes, then writes a final status. */
  async stopPod(
    run: SyncRun,
    state: PodRuntimeState,
    grace: number,
    extra?: Pick<PodStatus, 'reason' | 'message'>,
  ): Promise<SyncResult> {
    const live = state.containers.filter(isRunningish);
    this.o.probes.removePod(run.uid);
    if (live.length > 0) await this.stopContainers(run, live, grace, true);
    for (const s of state.sandboxes) {
      if (!s.ready) continue;
      await this.o.runtime.StopPodSandbox(
        { podSandboxId: s.id },
        { signal: run.signal, timeoutMs: 120_000 },
      );
      run.changed = true;
    }
    const after = run.changed ? await observePod(this.o.runtime, run.uid, run.signal) : state;
    return this.writeStatus(run, after, true, extra);
  }

  /** stopContainers stops `containers` in parallel, SIGKILL after `grace` seconds. */
  async stopContainers(
    run: SyncRun,
    containers: ObservedContainer[],
    grace: number,
    announce: boolean,
  ): Promise<void> {
    await Promise.all(
      containers.map(async (c) => {
        if (announce) {
          this.o.recorder.event(
            podRef(run.pod),
            'Normal',
            'Killing',
            `Stopping container ${c.name}`,
          );
        }
        await this.o.runtime.StopContainer(
          { containerId: c.id, timeout: grace },
          { signal: run.signal, timeoutMs: (grace + 60) * 1000 },
        );
      }),
    );
    if (containers.length > 0) run.changed = true;
  }

  /** cleanUp stops and removes everything of a UID that has no pod (an orphan, or a deleted pod). */
  async cleanUp(uid: string, state: PodRuntimeState, signal: AbortSignal): Promise<SyncResult> {
    this.o.probes.removePod(uid);
    const live = state.containers.filter(isRunningish);
    const grace = state.sandboxes[0]?.graceSeconds ?? 0;
    if (live.length > 0 || state.sandboxes.length > 0) {
      this.o.logger.info('removing containers of a pod that is gone', {
        uid,
        containers: state.containers.length,
        sandboxes: state.sandboxes.length,
      });
    }
    await Promise.all(
      live.map((c) =>
        this.o.runtime.StopContainer(
          { containerId: c.id, timeout: grace },
          { signal, timeoutMs: (grace + 60) * 1000 },
        ),
      ),
    );
    for (const s of state.sandboxes) {
      await this.o.runtime.RemovePodSandbox({ podSandboxId: s.id }, { signal, timeoutMs: 120_000 });
      if (s.name) {
        const dir = join(this.o.logRoot, `${s.namespace}_${s.name}_${uid}`);
        await rm(dir, { recursive: true, force: true });
      }
    }
    await this.o.volumes.tearDown(uid);
    this.o.forget(uid);
    return { done: true };
  }
}
