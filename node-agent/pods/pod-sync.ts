import { isNotFound } from '../../controlplane/api/errors.js';
import type { Container, PodStatus, StoredPod } from '../../controlplane/api/types/index.js';
import type { EventRecorder } from '../../controlplane/client/index.js';
import type { Logger } from '../../lib/log.js';
import type { Clock } from '../../lib/time.js';
import type { ProbeManager, RunningContainer } from '../probes/probe-manager.js';
import { runtimeErrorFrom } from '../runtime/errors.js';
import {
  observePod,
  type ObservedContainer,
  type ObservedSandbox,
  type PodRuntimeState,
} from '../runtime/pod-state.js';
import type { RuntimeService } from '../runtime/runtime.js';
import type { PodApi } from './api.js';
import type { RestartBackoff } from './backoff.js';
import {
  containerHash,
  graceSeconds,
  sandboxConfig,
  type DnsSettings,
} from './container-config.js';
import { ContainerStarter, podRef, SyncRun } from './container-starter.js';
import { isRunningish, PodStopper } from './pod-stopper.js';
import type { NodeResources } from './env.js';
import type { ImagePuller } from './images.js';
import { computePodStatus } from './status.js';
import type { PodStatusManager } from './status-manager.js';
import { isVolumeError, type PreparedVolume, type VolumeManager } from './volumes.js';

/** SyncResult tells the pod worker what to do after a sync. */
export interface SyncResult {
  /** requeueAfterMs asks for another sync after that long (a back-off or probe deadline). */
  requeueAfterMs?: number;
  /** done: the pod is gone from the API and the runtime; its worker can end. */
  done?: boolean;
}

/** PodSource finds the desired pod of a UID (the informer cache). */
export interface PodSource {
  byUid(uid: string): StoredPod | undefined;
}

/** NetworkReadiness says whether pods that need the pod network can start. */
export interface NetworkReadiness {
  /** notReady is undefined when ready, otherwise why not. */
  notReady(): string | undefined;
}

/** PodSyncerOptions are the syncer's collaborators. */
export interface PodSyncerOptions {
  nodeName: string;
  hostIP: string;
  node: NodeResources;
  runtime: RuntimeService;
  api: PodApi;
  pods: PodSource;
  recorder: EventRecorder;
  clock: Clock;
  logger: Logger;
  volumes: VolumeManager;
  images: ImagePuller;
  crashBackoff: RestartBackoff;
  retryBackoff: RestartBackoff;
  probes: ProbeManager;
  status: PodStatusManager;
  network: NetworkReadiness;
  logRoot: string;
  dns: DnsSettings;
}

type Policy = 'Always' | 'OnFailure' | 'Never';

const isTerminalPhase = (p: string | undefined): boolean => p === 'Succeeded' || p === 'Failed';

function shouldRestart(policy: Policy, c: ObservedContainer): boolean {
  if (policy === 'Always') return true;
  if (policy === 'Never') return false;
  return !(c.state === 'exited' && c.exitCode === 0);
}

function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

/**
 * PodSyncer is the level-triggered sync of one pod (kubelet's SyncPod /
 * SyncTerminatingPod): given the pod from the informer and what the runtime
 * holds for its UID, it takes the steps towards the spec and writes the
 * pod's status. Order: sandbox, then init containers one at a time, then
 * app containers; restarts follow restartPolicy with CrashLoopBackOff;
 * liveness and startup failures kill the container; a pod with a
 * deletionTimestamp is stopped (SIGTERM, SIGKILL after its grace period),
 * its sandbox removed, and its object deleted with grace 0; a UID with no
 * pod is stopped and removed. Running it again with nothing changed does
 * nothing but read. One sync per UID at a time (the pod workers ensure it).
 */
export class PodSyncer {
  private readonly starter: ContainerStarter;
  private readonly stopper: PodStopper;

  constructor(private readonly o: PodSyncerOptions) {
    this.starter = new ContainerStarter({
      runtime: o.runtime,
      objects: o.api,
      recorder: o.recorder,
      clock: o.clock,
      images: o.images,
      volumes: o.volumes,
      retry: o.retryBackoff,
      hostIP: o.hostIP,
      node: o.node,
      logRoot: o.logRoot,
      dns: o.dns,
    });
    this.stopper = new PodStopper({
      runtime: o.runtime,
      api: o.api,
      recorder: o.recorder,
      logger: o.logger,
      probes: o.probes,
      volumes: o.volumes,
      logRoot: o.logRoot,
      writeStatus: (run, state, terminal, extra) => this.writeStatus(run, state, terminal, extra),
      forget: (uid) => this.forget(uid),
    });
  }

  /** sync runs one sync of pod `uid`. Throws on runtime or API errors (the worker retries). */
  async sync(uid: string, signal: AbortSignal): Promise<SyncResult> {
    const pod = this.o.pods.byUid(uid);
    const state = await observePod(this.o.runtime, uid, signal);
    if (!pod || pod.spec?.nodeName !== this.o.nodeName) {
      return this.stopper.cleanUp(uid, state, signal);
    }
    if (pod.metadata.deletionTimestamp) return this.stopper.terminate(pod, state, signal);
    if (isTerminalPhase(pod.status?.phase)) return this.stopper.finish(pod, state, signal);
    return this.syncRunning(new SyncRun(pod, signal), state);
  }

  // ---- a pod that should run ----

  private async syncRunning(run: SyncRun, initial: PodRuntimeState): Promise<SyncResult> {
    const { pod, signal } = run;
    let state = initial;
    const policy: Policy = pod.spec?.restartPolicy ?? 'Always';

    if (this.deadlinePassed(run)) return this.failDeadline(run, state);

    let sandbox = state.sandboxes.find((s) => s.ready);
    let volumes: Map<string, PreparedVolume> | undefined;
    try {
      volumes = await this.o.volumes.setUp(pod, this.volumeContext(sandbox, signal));
    } catch (e) {
      if (!isVolumeError(e)) throw e;
      this.o.recorder.event(
        podRef(pod),
        'Warning',
        'FailedMount',
        `MountVolume.SetUp failed for volume "${e.volume}" : ${e.message}`,
      );
      const key = `${run.uid}/volumes`;
      this.o.retryBackoff.next(key, this.o.clock.now());
      run.requeueAfter(this.o.retryBackoff.currentMs(key));
    }

    if (!sandbox) {
      if (state.sandboxes.length > 0 && !this.needsNewSandbox(pod, state, policy)) {
        return this.writeStatus(run, state);
      }
      const why = pod.spec?.hostNetwork ? undefined : this.o.network.notReady();
      if (why) {
        this.o.recorder.event(
          podRef(pod),
          'Warning',
          'NetworkNotReady',
          `network is not ready: ${why}`,
        );
        return this.writeStatus(run, state);
      }
      if (!volumes) return this.writeStatus(run, state);
      const id = await this.createSandbox(run, state);
      state = await observePod(this.o.runtime, run.uid, signal);
      sandbox = state.sandboxes.find((s) => s.id === id);
      if (!sandbox) throw new Error(`sandbox of pod ${pod.metadata.name} vanished after creation`);
    }
    await this.removeStaleSandboxes(run, state, sandbox);

    if (await this.killUnwanted(run, state, sandbox)) {
      state = await observePod(this.o.runtime, run.uid, signal);
    }
    if (volumes) await this.startContainers(run, state, sandbox, volumes, policy);
    if (run.changed) state = await observePod(this.o.runtime, run.uid, signal);

    this.syncProbes(pod, state, sandbox);
    return this.writeStatus(run, state);
  }

  private needsNewSandbox(pod: StoredPod, state: PodRuntimeState, policy: Policy): boolean {
    if (policy !== 'Never') return true;
    // Under Never, a pod whose containers already ran does not get a second sandbox.
    const specs = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    return !specs.some((c) => state.containers.some((o) => o.name === c.name));
  }

  private async createSandbox(run: SyncRun, state: PodRuntimeState): Promise<string> {
    const { pod, signal } = run;
    const attempt = (state.sandboxes[0]?.attempt ?? -1) + 1;
    if (state.sandboxes.length > 0) {
      this.o.recorder.event(
        podRef(pod),
        'Normal',
        'SandboxChanged',
        'Pod sandbox changed, it will be killed and re-created.',
      );
      await this.stopper.stopContainers(run, state.containers.filter(isRunningish), 0, false);
    }
    try {
      const { podSandboxId } = await this.o.runtime.RunPodSandbox(
        { config: sandboxConfig(pod, attempt, this.o.logRoot, this.o.dns) },
        { signal, timeoutMs: 120_000 },
      );
      run.changed = true;
      return podSandboxId;
    } catch (e) {
      const err = runtimeErrorFrom(e);
      this.o.recorder.event(
        podRef(pod),
        'Warning',
        'FailedCreatePodSandBox',
        `Failed to create pod sandbox: ${err.message}`,
      );
      await this.writeStatus(run, state).catch(() => undefined);
      throw err;
    }
  }

  private async removeStaleSandboxes(
    run: SyncRun,
    state: PodRuntimeState,
    current: ObservedSandbox,
  ): Promise<void> {
    for (const s of state.sandboxes) {
      if (s.id === current.id) continue;
      await this.stopper.stopContainers(
        run,
        state.containers.filter((c) => c.sandboxId === s.id && isRunningish(c)),
        0,
        false,
      );
      await this.o.runtime.RemovePodSandbox(
        { podSandboxId: s.id },
        { signal: run.signal, timeoutMs: 120_000 },
      );
      run.changed = true;
    }
  }

  /** killUnwanted stops containers that failed liveness/startup, changed spec, or left the spec. */
  private async killUnwanted(
    run: SyncRun,
    state: PodRuntimeState,
    sandbox: ObservedSandbox,
  ): Promise<boolean> {
    const { pod } = run;
    let killed = false;
    for (const c of state.containers) {
      if (c.sandboxId !== sandbox.id || !isRunningish(c)) continue;
      const spec = specOf(pod, c.name);
      let why: string | undefined;
      let grace = graceSeconds(pod);
      const failure = this.o.probes.failure(c.id);
      if (!spec) why = `Container ${c.name} is not in the pod spec, it will be removed`;
      else if (c.hash && c.hash !== containerHash(spec)) {
        why = `Container ${c.name} definition changed, will be restarted`;
      } else if (failure) {
        why = `Container ${c.name} failed ${failure.probe} probe, will be restarted`;
        const probe = failure.probe === 'liveness' ? spec.livenessProbe : spec.startupProbe;
        grace = probe?.terminationGracePeriodSeconds ?? grace;
      }
      if (!why) continue;
      this.o.recorder.event(podRef(pod), 'Normal', 'Killing', why);
      await this.o.runtime.StopContainer(
        { containerId: c.id, timeout: grace },
        { signal: run.signal, timeoutMs: (grace + 60) * 1000 },
      );
      if (!spec)
        await this.o.runtime.RemoveContainer({ containerId: c.id }, { signal: run.signal });
      killed = true;
      run.changed = true;
    }
    return killed;
  }

  private async startContainers(
    run: SyncRun,
    state: PodRuntimeState,
    sandbox: ObservedSandbox,
    volumes: Map<string, PreparedVolume>,
    policy: Policy,
  ): Promise<void> {
    const { pod } = run;
    const current = (name: string): ObservedContainer | undefined =>
      state.containers.find((c) => c.sandboxId === sandbox.id && c.name === name);
    const nextAttempt = (name: string): number =>
      Math.max(-1, ...state.containers.filter((c) => c.name === name).map((c) => c.attempt)) + 1;

    for (const ic of pod.spec?.initContainers ?? []) {
      const cur = current(ic.name);
      if (cur?.state === 'exited' && cur.exitCode === 0) continue;
      if (!cur) await this.starter.start(run, ic, 'init', nextAttempt(ic.name), sandbox, volumes);
      else if (cur.state === 'created') await this.starter.startCreated(run, ic, cur.id);
      else if (cur.state !== 'running' && policy !== 'Never') {
        await this.restart(run, ic, 'init', cur, state, sandbox, volumes);
      }
      return; // init containers run one at a time, in order
    }
    for (const c of pod.spec?.containers ?? []) {
      const cur = current(c.name);
      if (!cur) await this.starter.start(run, c, 'app', nextAttempt(c.name), sandbox, volumes);
      else if (cur.state === 'created') await this.starter.startCreated(run, c, cur.id);
      else if (cur.state !== 'running' && shouldRestart(policy, cur)) {
        await this.restart(run, c, 'app', cur, state, sandbox, volumes);
      }
    }
  }

  private async restart(
    run: SyncRun,
    spec: Container,
    kind: 'init' | 'app',
    dead: ObservedContainer,
    state: PodRuntimeState,
    sandbox: ObservedSandbox,
    volumes: Map<string, PreparedVolume>,
  ): Promise<void> {
    const { pod } = run;
    const key = `${run.uid}/${spec.name}`;
    const failedAt = dead.finishedAtMs || this.o.clock.now();
    const remaining = this.o.crashBackoff.remainingMs(key, failedAt);
    if (remaining > 0) {
      const who = `${pod.metadata.name}_${pod.metadata.namespace}(${run.uid})`;
      run.waiting.set(spec.name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${fmtDuration(this.o.crashBackoff.currentMs(key))} restarting failed container=${spec.name} pod=${who}`,
      });
      this.o.recorder.event(
        podRef(pod),
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${spec.name} in pod ${who}`,
      );
      run.requeueAfter(remaining);
      return;
    }
    this.o.crashBackoff.next(key, failedAt);
    // Keep only the dead instance (it is the new one's lastState); older ones go.
    for (const old of state.containers) {
      if (old.name === spec.name && old.id !== dead.id && !isRunningish(old)) {
        await this.o.runtime.RemoveContainer({ containerId: old.id }, { signal: run.signal });
      }
    }
    await this.starter.start(run, spec, kind, dead.attempt + 1, sandbox, volumes);
  }

  private syncProbes(pod: StoredPod, state: PodRuntimeState, sandbox: ObservedSandbox): void {
    const running: RunningContainer[] = [];
    for (const c of state.containers) {
      if (c.sandboxId !== sandbox.id || c.state !== 'running') continue;
      const spec = pod.spec?.containers.find((x) => x.name === c.name);
      if (spec)
        running.push({ container: spec, id: c.id, startedAtMs: c.startedAtMs || c.createdAtMs });
    }
    this.o.probes.syncPod(pod, running, sandbox.hostNetwork ? this.o.hostIP : sandbox.ip);
  }

  private deadlinePassed(run: SyncRun): boolean {
    const secs = run.pod.spec?.activeDeadlineSeconds;
    const start = run.pod.status?.startTime;
    if (secs === undefined || !start) return false;
    const left = Date.parse(start) + secs * 1000 - this.o.clock.now();
    if (left > 0) run.requeueAfter(left);
    return left <= 0;
  }

  private async failDeadline(run: SyncRun, state: PodRuntimeState): Promise<SyncResult> {
    const message = 'Pod was active on the node longer than the specified deadline';
    this.o.recorder.event(podRef(run.pod), 'Normal', 'DeadlineExceeded', message);
    return this.stopper.stopPod(run, state, graceSeconds(run.pod), {
      reason: 'DeadlineExceeded',
      message,
    });
  }

  /** forget drops every per-pod memory (back-offs, status cache, pulls). */
  forget(uid: string): void {
    this.o.crashBackoff.forget(uid, true);
    this.o.retryBackoff.forget(uid, true);
    this.o.images.forgetPod(uid);
    this.o.status.forget(uid);
  }

  // ---- status ----

  private async writeStatus(
    run: SyncRun,
    state: PodRuntimeState,
    terminal = false,
    extra?: Pick<PodStatus, 'reason' | 'message'>,
  ): Promise<SyncResult> {
    const status = computePodStatus({
      pod: run.pod,
      state,
      waiting: run.waiting,
      probes: this.o.probes,
      hostIP: this.o.hostIP,
      now: this.o.clock.now(),
      terminal,
    });
    if (extra?.reason) status.reason = extra.reason;
    if (extra?.message) status.message = extra.message;
    if (terminal && extra) status.phase = 'Failed';
    try {
      await this.o.status.setStatus(run.pod, status, run.signal);
    } catch (e) {
      // The pod is gone: its delete event brings the final sync.
      if (!isNotFound(e)) throw e;
    }
    return run.requeue !== undefined ? { requeueAfterMs: run.requeue } : {};
  }

  private volumeContext(sandbox: ObservedSandbox | undefined, signal: AbortSignal) {
    const podIPs = sandbox?.ip ? [sandbox.ip] : [];
    return { hostIP: this.o.hostIP, podIPs, node: this.o.node, signal };
  }
}

function specOf(pod: StoredPod, name: string): Container | undefined {
  return (
    pod.spec?.containers.find((c) => c.name === name) ??
    pod.spec?.initContainers?.find((c) => c.name === name)
  );
}
