import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Probe } from '../../controlplane/api/types/index.js';
import { FakeEventRecorder } from '../../controlplane/client/index.js';
import { nopLogger } from '../../lib/log.js';
import { FakeClock } from '../../lib/time.js';
import { RestartBackoff } from '../pods/backoff.js';
import { ImagePuller } from '../pods/images.js';
import { PodSyncer, type SyncResult } from '../pods/pod-sync.js';
import { PodStatusManager } from '../pods/status-manager.js';
import { VolumeManager } from '../pods/volumes.js';
import { ProbeManager } from '../probes/probe-manager.js';
import type { ProbeOutcome, ProbeRunner, ProbeTarget } from '../probes/prober.js';
import { FakePodApi } from './fake-pod-api.js';
import { FakeRuntime, type FakeRuntimeOptions } from './fake-runtime.js';

/**
 * FakeProbeRunner answers probes from a table keyed `container/type`
 * (`web/liveness`); unknown keys succeed. It records every probe run.
 */
export class FakeProbeRunner implements ProbeRunner {
  readonly results = new Map<string, ProbeOutcome>();
  readonly runs: string[] = [];

  set(
    container: string,
    type: 'liveness' | 'readiness' | 'startup',
    ok: boolean,
    output = '',
  ): void {
    this.results.set(`${container}/${type}`, { result: ok ? 'success' : 'failure', output });
  }

  async run(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
    const c = target.container;
    const type =
      probe === c.livenessProbe ? 'liveness' : probe === c.readinessProbe ? 'readiness' : 'startup';
    const key = `${c.name}/${type}`;
    this.runs.push(key);
    return this.results.get(key) ?? { result: 'success', output: '' };
  }
}

/** SyncFixture is a PodSyncer wired to fakes, plus the fakes themselves. */
export interface SyncFixture extends AsyncDisposable {
  clock: FakeClock;
  runtime: FakeRuntime;
  api: FakePodApi;
  recorder: FakeEventRecorder;
  probes: ProbeManager;
  prober: FakeProbeRunner;
  syncer: PodSyncer;
  rootDir: string;
  /** changed lists the UIDs the probe manager asked to re-sync. */
  changed: string[];
  /** sync syncs a pod by name. */
  sync(name: string): Promise<SyncResult>;
  /** syncUid syncs a pod UID (also one with no pod). */
  syncUid(uid: string): Promise<SyncResult>;
  /** settle lets pending promise callbacks (probe workers, timers) run. */
  settle(): Promise<void>;
}

/** newSyncFixture builds a SyncFixture with a temp root directory and a fake clock. */
export async function newSyncFixture(runtimeOpts: FakeRuntimeOptions = {}): Promise<SyncFixture> {
  const clock = new FakeClock();
  const runtime = new FakeRuntime({ clock, ...runtimeOpts });
  const api = new FakePodApi();
  const recorder = new FakeEventRecorder();
  const prober = new FakeProbeRunner();
  const changed: string[] = [];
  const ac = new AbortController();
  const probes = new ProbeManager({
    runner: prober,
    clock,
    logger: nopLogger,
    recorder,
    onChange: (uid) => changed.push(uid),
  });
  const probesDone = probes.run(ac.signal);
  const rootDir = await mkdtemp(join(tmpdir(), 'tug-agent-sync-'));
  const syncer = new PodSyncer({
    nodeName: 'node-1',
    hostIP: '192.168.0.10',
    node: { cpuMilli: 4000, memoryBytes: 8 * 1024 ** 3 },
    runtime: runtime.runtime,
    api,
    pods: api,
    recorder,
    clock,
    logger: nopLogger,
    volumes: new VolumeManager(rootDir, api),
    images: new ImagePuller(runtime.image, recorder, new RestartBackoff({ clock }), clock),
    crashBackoff: new RestartBackoff({ clock }),
    retryBackoff: new RestartBackoff({ clock, initialMs: 1000, maxMs: 60_000 }),
    probes,
    status: new PodStatusManager(api),
    network: { notReady: () => undefined },
    logRoot: join(rootDir, 'logs'),
    dns: { clusterDNS: [], clusterDomain: 'cluster.local' },
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  return {
    clock,
    runtime,
    api,
    recorder,
    probes,
    prober,
    syncer,
    rootDir,
    changed,
    settle,
    async sync(name) {
      const pod = api.pod(name);
      if (!pod) throw new Error(`no pod ${name}`);
      return syncer.sync(pod.metadata.uid, ac.signal);
    },
    syncUid: (uid) => syncer.sync(uid, ac.signal),
    async [Symbol.asyncDispose]() {
      ac.abort();
      await probesDone;
      await rm(rootDir, { recursive: true, force: true });
    },
  };
}
