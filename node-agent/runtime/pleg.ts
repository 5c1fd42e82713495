import { Backoff } from '../../controlplane/client/index.js';
import type { Logger } from '../../lib/log.js';
import type { Clock } from '../../lib/time.js';
import { POD_UID_LABEL } from './labels.js';
import type { RuntimeService } from './runtime.js';

/** PlegOptions configure the pod lifecycle event generator. */
export interface PlegOptions {
  runtime: RuntimeService;
  clock: Clock;
  logger: Logger;
  /** onPod is called with the UID of every pod whose runtime state changed. */
  onPod: (uid: string) => void;
  /** relistPeriodMs is the fallback relist period (default 10 s). */
  relistPeriodMs?: number;
  /** onRelist is told each relist's duration and counts (metrics). */
  onRelist?: (r: RelistStats) => void;
}

/** RelistStats describe one relist. */
export interface RelistStats {
  seconds: number;
  pods: number;
  runningContainers: number;
}

/**
 * Pleg is kubelet's pod lifecycle event generator, evented flavour: it
 * follows the shim's container event stream and tells the pod workers which
 * pod changed; a relist (ListPodSandbox + ListContainers, compared with the
 * previous one) runs at start, after every reconnect of the stream, and
 * every relistPeriod as a fallback for anything the stream missed. UIDs the
 * runtime holds but the agent has no pod for are reported too, so their
 * workers remove them. Start it only once the pod informer has synced.
 */
export class Pleg {
  private fingerprints = new Map<string, string>();
  private running = 0;

  constructor(private readonly o: PlegOptions) {}

  /** runningContainers is the count of running containers at the last relist. */
  get runningContainers(): number {
    return this.running;
  }

  /** run follows events and relists until `signal` aborts. Never throws for runtime errors. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.follow(signal), this.relistLoop(signal)]);
  }

  private async follow(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000, jitter: 0.2 });
    while (!signal.aborted) {
      try {
        const stream = this.o.runtime.containerEvents(signal);
        // Events before the subscription are not replayed: relist once it is open.
        await this.safeRelist(signal);
        for await (const ev of stream) {
          backoff.reset();
          const uid =
            ev.podSandboxStatus?.metadata?.uid ||
            ev.containersStatuses?.[0]?.labels?.[POD_UID_LABEL];
          if (uid) this.o.onPod(uid);
        }
        if (signal.aborted) return;
        this.o.logger.info('runtime event stream ended; reconnecting');
      } catch (err) {
        if (signal.aborted) return;
        this.o.logger.warn('runtime event stream failed; reconnecting', { err });
        // Relist anyway: the pods must learn that the runtime is gone or back.
        await this.safeRelist(signal);
      }
      await this.o.clock.sleep(backoff.next(), signal).catch(() => {});
    }
  }

  private async relistLoop(signal: AbortSignal): Promise<void> {
    const period = this.o.relistPeriodMs ?? 10_000;
    while (!signal.aborted) {
      await this.o.clock.sleep(period, signal).catch(() => {});
      if (!signal.aborted) await this.safeRelist(signal);
    }
  }

  private async safeRelist(signal: AbortSignal): Promise<void> {
    try {
      await this.relist(signal);
    } catch (err) {
      if (!signal.aborted) this.o.logger.warn('runtime relist failed', { err });
    }
  }

  /**
   * relist lists the runtime once and reports every UID whose sandboxes or
   * containers changed (including UIDs that appeared or disappeared).
   */
  async relist(signal?: AbortSignal): Promise<void> {
    const started = performance.now();
    const opts = { timeoutMs: 30_000, ...(signal ? { signal } : {}) };
    const [{ items }, { containers }] = await Promise.all([
      this.o.runtime.ListPodSandbox({}, opts),
      this.o.runtime.ListContainers({}, opts),
    ]);
    const uidOfSandbox = new Map<string, string>();
    const parts = new Map<string, string[]>();
    const add = (uid: string, part: string): void => {
      const list = parts.get(uid) ?? [];
      list.push(part);
      parts.set(uid, list);
    };
    for (const s of items) {
      const uid = s.metadata?.uid ?? '';
      if (!uid) continue;
      uidOfSandbox.set(s.id, uid);
      add(uid, `s:${s.id}:${s.state}`);
    }
    let running = 0;
    for (const c of containers) {
      if (c.state === 'CONTAINER_RUNNING') running++;
      const uid = uidOfSandbox.get(c.podSandboxId) ?? c.labels?.[POD_UID_LABEL];
      if (uid) add(uid, `c:${c.id}:${c.state}`);
    }
    const next = new Map<string, string>();
    for (const [uid, list] of parts) next.set(uid, list.sort().join(','));
    const changed: string[] = [];
    for (const [uid, fp] of next) if (this.fingerprints.get(uid) !== fp) changed.push(uid);
    for (const uid of this.fingerprints.keys()) if (!next.has(uid)) changed.push(uid);
    this.fingerprints = next;
    this.running = running;
    this.o.onRelist?.({
      seconds: (performance.now() - started) / 1000,
      pods: next.size,
      runningContainers: running,
    });
    for (const uid of changed) this.o.onPod(uid);
  }
}
