import type { Container, StoredPod } from '../../controlplane/api/types/index.js';
import type { EventRecorder } from '../../controlplane/client/index.js';
import type { Clock } from '../../lib/time.js';
import { runtimeErrorFrom } from '../runtime/errors.js';
import type { ObservedSandbox } from '../runtime/pod-state.js';
import type { RuntimeService } from '../runtime/runtime.js';
import type { PodApi } from './api.js';
import type { RestartBackoff } from './backoff.js';
import { containerConfig, sandboxConfig, type DnsSettings } from './container-config.js';
import { containerEnv, isContainerConfigError, type NodeResources } from './env.js';
import type { ImagePuller } from './images.js';
import type { WaitingReason } from './status.js';
import type { PreparedVolume, VolumeManager } from './volumes.js';

/** SyncRun is the state of one sync of one pod: what it found and wants next. */
export class SyncRun {
  /** waiting collects each container's waiting reason found in this sync. */
  readonly waiting = new Map<string, WaitingReason>();
  /** changed is set when the sync changed something in the runtime. */
  changed = false;
  private requeueMs: number | undefined;

  constructor(
    readonly pod: StoredPod,
    readonly signal: AbortSignal,
  ) {}

  get uid(): string {
    return this.pod.metadata.uid;
  }

  /** requeueAfter asks for another sync within `ms` (the earliest request wins). */
  requeueAfter(ms: number): void {
    const v = Math.max(0, Math.ceil(ms));
    this.requeueMs = this.requeueMs === undefined ? v : Math.min(this.requeueMs, v);
  }

  /** requeue is the earliest requested delay, if any. */
  get requeue(): number | undefined {
    return this.requeueMs;
  }
}

/** ContainerStarterOptions are the starter's collaborators. */
export interface ContainerStarterOptions {
  runtime: RuntimeService;
  objects: Pick<PodApi, 'getConfigMap' | 'getSecret'>;
  recorder: EventRecorder;
  clock: Clock;
  images: ImagePuller;
  volumes: VolumeManager;
  /** retry backs off container configuration and creation errors. */
  retry: RestartBackoff;
  hostIP: string;
  node: NodeResources;
  logRoot: string;
  dns: DnsSettings;
}

/** podRef is the subject of a pod's events. */
export const podRef = (pod: StoredPod) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: pod.metadata,
});

/**
 * ContainerStarter creates and starts one container attempt the way
 * kubelet's startContainer does: image per pull policy, environment,
 * mounts, CreateContainer, StartContainer, with the events Created,
 * Started and Failed. Anything that keeps the container from starting
 * becomes its waiting reason in the SyncRun (ErrImagePull,
 * CreateContainerConfigError, CreateContainerError, RunContainerError) and
 * a requeue after a growing delay, never an exception; only a lost runtime
 * throws.
 */
export class ContainerStarter {
  constructor(private readonly o: ContainerStarterOptions) {}

  /** start creates and starts attempt `attempt` of `spec`; true when it runs. */
  async start(
    run: SyncRun,
    spec: Container,
    kind: 'init' | 'app',
    attempt: number,
    sandbox: ObservedSandbox,
    volumes: Map<string, PreparedVolume>,
  ): Promise<boolean> {
    const { pod, signal } = run;
    const retryKey = `${run.uid}/${spec.name}/start`;
    const fail = (reason: string, message: string): false => {
      run.waiting.set(spec.name, { reason, message });
      this.o.recorder.event(podRef(pod), 'Warning', 'Failed', `Error: ${message}`);
      this.o.retry.next(retryKey, this.o.clock.now());
      run.requeueAfter(this.o.retry.currentMs(retryKey));
      return false;
    };
    const img = await this.o.images.ensure(pod, spec, signal);
    if (!img.ok) {
      run.waiting.set(spec.name, { reason: img.reason, message: img.message });
      if (img.retryAfterMs !== undefined) run.requeueAfter(img.retryAfterMs);
      return false;
    }
    const podIPs = sandbox.ip ? [sandbox.ip] : sandbox.hostNetwork ? [this.o.hostIP] : [];
    let config;
    try {
      const env = await containerEnv(spec, {
        pod,
        hostIP: this.o.hostIP,
        podIPs,
        node: this.o.node,
        objects: this.o.objects,
        signal,
      });
      const mounts = await this.o.volumes.mounts(spec, volumes);
      config = containerConfig({
        pod,
        container: spec,
        kind,
        attempt,
        env,
        mounts,
        image: img.user,
        nodeMemoryBytes: this.o.node.memoryBytes,
      });
    } catch (e) {
      if (!isContainerConfigError(e)) throw e;
      return fail('CreateContainerConfigError', e.message);
    }
    let containerId: string;
    try {
      ({ containerId } = await this.o.runtime.CreateContainer(
        {
          podSandboxId: sandbox.id,
          config,
          sandboxConfig: sandboxConfig(pod, sandbox.attempt, this.o.logRoot, this.o.dns),
        },
        { signal, timeoutMs: 120_000 },
      ));
    } catch (e) {
      const err = runtimeErrorFrom(e);
      if (err.code === 'Unavailable' || err.code === 'Cancelled') throw err;
      run.changed = true;
      return fail('CreateContainerError', err.message);
    }
    run.changed = true;
    this.o.recorder.event(podRef(pod), 'Normal', 'Created', `Created container ${spec.name}`);
    try {
      await this.o.runtime.StartContainer({ containerId }, { signal, timeoutMs: 120_000 });
    } catch (e) {
      const err = runtimeErrorFrom(e);
      if (err.code === 'Unavailable' || err.code === 'Cancelled') throw err;
      // A container that could not start is removed, so the next try makes a fresh one.
      await this.o.runtime
        .RemoveContainer({ containerId }, { signal, timeoutMs: 60_000 })
        .catch(() => {});
      return fail('RunContainerError', `failed to start container "${spec.name}": ${err.message}`);
    }
    this.o.retry.forget(retryKey);
    run.waiting.delete(spec.name);
    this.o.recorder.event(podRef(pod), 'Normal', 'Started', `Started container ${spec.name}`);
    return true;
  }

  /** startCreated starts a container found created but never started (e.g. after an agent crash). */
  async startCreated(run: SyncRun, spec: Container, containerId: string): Promise<void> {
    run.changed = true;
    try {
      await this.o.runtime.StartContainer(
        { containerId },
        { signal: run.signal, timeoutMs: 120_000 },
      );
      this.o.recorder.event(podRef(run.pod), 'Normal', 'Started', `Started container ${spec.name}`);
    } catch (e) {
      const err = runtimeErrorFrom(e);
      if (err.code === 'Unavailable' || err.code === 'Cancelled') throw err;
      // FailedPrecondition: it was started meanwhile; the next sync sees it run.
      if (err.code === 'FailedPrecondition') return;
      await this.o.runtime
        .RemoveContainer({ containerId }, { signal: run.signal, timeoutMs: 60_000 })
        .catch(() => {});
    }
  }
}
