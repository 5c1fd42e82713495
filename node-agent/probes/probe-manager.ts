import type { Container, Probe, StoredPod } from '../../controlplane/api/types/index.js';
import type { EventRecorder } from '../../controlplane/client/index.js';
import type { Logger } from '../../lib/log.js';
import type { Clock } from '../../lib/time.js';
import type { ProbeOutcome, ProbeRunner } from './prober.js';

/** ProbeType names the three probes of a container. */
export type ProbeType = 'liveness' | 'readiness' | 'startup';

/** RunningContainer is a running container the probes look at. */
export interface RunningContainer {
  container: Container;
  id: string;
  startedAtMs: number;
}

/** ProbeFailure says that a liveness or startup probe failed for good, and why. */
export interface ProbeFailure {
  probe: 'liveness' | 'startup';
  output: string;
}

interface Worker {
  uid: string;
  pod: StoredPod;
  type: ProbeType;
  probe: Probe;
  target: RunningContainer;
  podIP: string;
  result: 'success' | 'failure' | undefined;
  lastOutput: string;
  successes: number;
  failures: number;
  ac: AbortController;
}

const label: Record<ProbeType, string> = {
  liveness: 'Liveness',
  readiness: 'Readiness',
  startup: 'Startup',
};

/** ProbeManagerOptions are the manager's collaborators. */
export interface ProbeManagerOptions {
  runner: ProbeRunner;
  clock: Clock;
  logger: Logger;
  recorder: EventRecorder;
  /** onChange is called with a pod UID when a probe result of that pod changes. */
  onChange: (uid: string) => void;
}

/**
 * ProbeManager runs one worker per running container and probe type
 * (kubelet's prober manager). A worker waits initialDelaySeconds after the
 * container started, then probes every periodSeconds with timeoutSeconds;
 * a result flips after successThreshold successes or failureThreshold
 * failures in a row, and each flip re-triggers the pod's worker through
 * `onChange`. Liveness starts as success, readiness and startup without a
 * result (the pod status then keeps what it last said of that container);
 * liveness and readiness wait until the startup probe (if any) has passed;
 * a passed startup probe stops. Every failed probe records an Unhealthy
 * event.
 * Results are keyed by container ID, so a restarted container starts over.
 */
export class ProbeManager {
  private readonly workers = new Map<string, Worker>();
  private signal: AbortSignal | undefined;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly opts: ProbeManagerOptions) {}

  /** run enables workers until `signal` aborts, then waits for them to stop. */
  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    if (!signal.aborted) {
      await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
    }
    for (const w of this.workers.values()) w.ac.abort();
    await Promise.all([...this.running]);
  }

  /**
   * syncPod makes the workers of `pod` match its running containers: new
   * workers for new containers, none for containers gone or stopped.
   * Does nothing before `run`.
   */
  syncPod(pod: StoredPod, running: RunningContainer[], podIP: string): void {
    const uid = pod.metadata.uid;
    const keep = new Set<string>();
    for (const rc of running) {
      const probes: [ProbeType, Probe | undefined][] = [
        ['startup', rc.container.startupProbe],
        ['liveness', rc.container.livenessProbe],
        ['readiness', rc.container.readinessProbe],
      ];
      for (const [type, probe] of probes) {
        if (!probe) continue;
        if (type === 'startup' && this.passedStartup.has(rc.id)) continue;
        const key = `${rc.id}/${type}`;
        keep.add(key);
        const w = this.workers.get(key);
        if (w) {
          w.pod = pod;
          w.podIP = podIP;
          continue;
        }
        this.start(key, { uid, pod, type, probe, target: rc, podIP });
      }
    }
    for (const [key, w] of this.workers) if (w.uid === uid && !keep.has(key)) this.stop(key);
    const ids = new Set(running.map((r) => r.id));
    for (const [id, owner] of this.passedStartup) {
      if (owner === uid && !ids.has(id)) this.passedStartup.delete(id);
    }
  }

  /** removePod stops every worker of pod `uid` and forgets its results. */
  removePod(uid: string): void {
    for (const [key, w] of this.workers) if (w.uid === uid) this.stop(key);
    for (const [id, owner] of this.passedStartup) if (owner === uid) this.passedStartup.delete(id);
  }

  /**
   * ready: the container passed its readiness probe, or has none;
   * undefined until the probe has a result.
   */
  ready(containerId: string, container: Container): boolean | undefined {
    if (!container.readinessProbe) return true;
    const r = this.workers.get(`${containerId}/readiness`)?.result;
    return r === undefined ? undefined : r === 'success';
  }

  /**
   * started: the container passed its startup probe, or has none;
   * undefined until the probe has a result.
   */
  started(containerId: string, container: Container): boolean | undefined {
    if (!container.startupProbe) return true;
    if (this.passedStartup.has(containerId)) return true;
    const r = this.workers.get(`${containerId}/startup`)?.result;
    return r === undefined ? undefined : r === 'success';
  }

  /** failure reports a liveness or startup probe that failed for good. */
  failure(containerId: string): ProbeFailure | undefined {
    for (const type of ['startup', 'liveness'] as const) {
      const w = this.workers.get(`${containerId}/${type}`);
      if (w?.result === 'failure') return { probe: type, output: w.lastOutput };
    }
    return undefined;
  }

  /** size is the number of probe workers. */
  get size(): number {
    return this.workers.size;
  }

  /** passedStartup maps the IDs of containers whose startup probe passed to their pod UID. */
  private readonly passedStartup = new Map<string, string>();

  private start(
    key: string,
    init: Pick<Worker, 'uid' | 'pod' | 'type' | 'probe' | 'target' | 'podIP'>,
  ): void {
    if (!this.signal || this.signal.aborted) return;
    const w: Worker = {
      ...init,
      result:
        init.type === 'liveness' ? 'success' : init.type === 'readiness' ? 'failure' : undefined,
      lastOutput: '',
      successes: 0,
      failures: 0,
      ac: new AbortController(),
    };
    this.workers.set(key, w);
    const p = this.loop(w, AbortSignal.any([this.signal, w.ac.signal]))
      .catch((err: unknown) => this.opts.logger.warn('probe worker failed', { err, key }))
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  private stop(key: string): void {
    const w = this.workers.get(key);
    if (!w) return;
    w.ac.abort();
    this.workers.delete(key);
  }

  private async loop(w: Worker, signal: AbortSignal): Promise<void> {
    const { clock } = this.opts;
    const period = Math.max(1, w.probe.periodSeconds ?? 10) * 1000;
    const delay = w.target.startedAtMs + (w.probe.initialDelaySeconds ?? 0) * 1000 - clock.now();
    if (delay > 0) await clock.sleep(delay, signal);
    while (!signal.aborted) {
      const gated = w.type !== 'startup' && this.started(w.target.id, w.target.container) !== true;
      if (!gated) {
        const outcome = await this.opts.runner.run(
          w.probe,
          { containerId: w.target.id, container: w.target.container, podIP: w.podIP },
          signal,
        );
        if (signal.aborted) return;
        this.record(w, outcome);
        if (w.type === 'startup' && w.result === 'success') {
          this.passedStartup.set(w.target.id, w.uid);
          this.workers.delete(`${w.target.id}/startup`);
          this.opts.onChange(w.uid);
          return;
        }
        // A failed liveness or startup probe ends here: the container is killed and restarted.
        if (w.type !== 'readiness' && w.result === 'failure') return;
      }
      await clock.sleep(period, signal);
    }
  }

  private record(w: Worker, o: ProbeOutcome): void {
    if (o.result === 'unknown') return;
    const before = w.result;
    if (o.result === 'success') {
      w.successes++;
      w.failures = 0;
      const threshold = w.type === 'readiness' ? Math.max(1, w.probe.successThreshold ?? 1) : 1;
      if (w.successes >= threshold) w.result = 'success';
    } else {
      w.failures++;
      w.successes = 0;
      w.lastOutput = o.output;
      this.opts.recorder.event(
        { apiVersion: 'v1', kind: 'Pod', metadata: w.pod.metadata },
        'Warning',
        'Unhealthy',
        `${label[w.type]} probe failed: ${o.output}`,
      );
      if (w.failures >= Math.max(1, w.probe.failureThreshold ?? 3)) w.result = 'failure';
    }
    if (w.result !== before) {
      this.opts.logger.debug('probe result changed', {
        pod: w.pod.metadata.name,
        container: w.target.container.name,
        probe: w.type,
        result: w.result,
      });
      this.opts.onChange(w.uid);
    }
  }
}
