import { setMaxListeners } from 'node:events';
import { mkdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { findResource } from '../controlplane/api/resources.js';
import type { Lease, Node, Pod, StoredNode, StoredPod } from '../controlplane/api/types/index.js';
import {
  ApiEventRecorder,
  SharedInformer,
  listerWatcherFor,
  type EventRecorder,
  type RestClient,
} from '../controlplane/client/index.js';
import { nopLogger, type Logger } from '../lib/log.js';
import { realClock, type Clock } from '../lib/time.js';
import { AgentMetrics } from './metrics.js';
import { defaultNodeIP, readMachineInfo, type MachineInfo } from './node/machine.js';
import { NodeLease } from './node/lease.js';
import { NodeNetwork } from './node/network.js';
import { PodRoutes } from './node/routes.js';
import { NodeReporter } from './node/node-reporter.js';
import {
  cpuMilliOf,
  defaultNodeLabels,
  memoryBytesOf,
  type NodeConfig,
  type NodeHealth,
} from './node/node-status.js';
import { restPodApi, type PodApi } from './pods/api.js';
import { RestartBackoff } from './pods/backoff.js';
import { cachedObjects } from './pods/object-cache.js';
import { ImagePuller } from './pods/images.js';
import { PodSyncer } from './pods/pod-sync.js';
import { PodWorkers } from './pods/pod-workers.js';
import { PodStatusManager } from './pods/status-manager.js';
import { VolumeManager } from './pods/volumes.js';
import { ProbeManager } from './probes/probe-manager.js';
import { AgentProbeRunner, type ProbeRunner } from './probes/prober.js';
import { runtimeErrorFrom } from './runtime/errors.js';
import { Pleg } from './runtime/pleg.js';
import type { AgentRuntime } from './runtime/runtime.js';

/** AgentTimings are the agent's periods and back-offs; defaults are kubelet's. */
export interface AgentTimings {
  leaseRenewMs: number;
  leaseDurationSeconds: number;
  nodeStatusUpdateMs: number;
  nodeStatusReportMs: number;
  runtimeCheckMs: number;
  relistMs: number;
  crashBackoffInitialMs: number;
  crashBackoffMaxMs: number;
  imageBackoffInitialMs: number;
  imageBackoffMaxMs: number;
  /** objectCacheTtlMs: ConfigMaps and Secrets are re-read after this long. */
  objectCacheTtlMs: number;
}

/** DEFAULT_TIMINGS: lease every 10 s (40 s long), status every 10 s, relist every 10 s, back-off 10 s → 5 min. */
export const DEFAULT_TIMINGS: AgentTimings = {
  leaseRenewMs: 10_000,
  leaseDurationSeconds: 40,
  nodeStatusUpdateMs: 10_000,
  nodeStatusReportMs: 10_000,
  runtimeCheckMs: 10_000,
  relistMs: 10_000,
  crashBackoffInitialMs: 10_000,
  crashBackoffMaxMs: 300_000,
  imageBackoffInitialMs: 10_000,
  imageBackoffMaxMs: 300_000,
  objectCacheTtlMs: 10_000,
};

/** NodeAgentOptions are everything an agent is made of; only four are required. */
export interface NodeAgentOptions {
  nodeName: string;
  rest: RestClient;
  runtime: AgentRuntime;
  /** rootDir holds pod volumes (`<rootDir>/pods/<uid>`) and the CNI IPAM dir. */
  rootDir: string;
  /** podLogDir is where container logs go (`<podLogDir>/<ns>_<name>_<uid>/<ctr>/<n>.log`); default `<rootDir>/logs`. */
  podLogDir?: string;
  /** nodeIP is the InternalIP (and the pods' hostIP); default the host's first IPv4. */
  nodeIP?: string;
  maxPods?: number;
  /** cpu and memory override the machine's capacity (quantities). */
  cpu?: string;
  memory?: string;
  nodeLabels?: Record<string, string>;
  cniConfDir?: string;
  cniBridge?: string;
  cniNetworkName?: string;
  podCidr?: string;
  /** clusterCidr is the whole pod network (no masquerading inside it). */
  clusterCidr?: string;
  /** managePodRoutes keeps a route to every other node's pod CIDR (nodes on one L2 network). */
  managePodRoutes?: boolean;
  clusterDNS?: string[];
  clusterDomain?: string;
  /** daemonPort is reported as the node's kubelet endpoint port. */
  daemonPort?: number;
  /** machine replaces reading the host (hollow nodes, tests). */
  machine?: MachineInfo;
  clock?: Clock;
  logger?: Logger;
  registry?: Registry;
  recorder?: EventRecorder;
  probeRunner?: ProbeRunner;
  /** podApi replaces the REST-backed pod API (tests). */
  podApi?: PodApi;
  timings?: Partial<AgentTimings>;
}

const podsInfo = findResource('', 'v1', 'pods')!;
const nodesInfo = findResource('', 'v1', 'nodes')!;
const leasesInfo = findResource('coordination.k8s.io', 'v1', 'leases')!;

/**
 * NodeAgent is Tugboat's kubelet: it registers its Node and keeps its
 * status and Lease current, watches the pods bound to it, and runs them on
 * the runtime it is given through one worker per pod UID. Everything it
 * uses is injected, so several agents can run in one process against one
 * API server (hollow nodes on FakeRuntimes). `run` returns once `signal`
 * aborted and everything stopped; stopping leaves the pods' containers
 * running, and the next agent on the same runtime adopts them.
 */
export class NodeAgent {
  readonly metrics: AgentMetrics;
  readonly registry: Registry;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly t: AgentTimings;
  private health: NodeHealth = {
    runtimeVersion: '',
    notReady: 'container runtime status check may not have completed yet',
  };
  private runtimeOk = false;
  private runtimeProblem: string | undefined;
  private reporter: NodeReporter | undefined;
  private workers: PodWorkers | undefined;
  private podInformer: SharedInformer<StoredPod> | undefined;
  private started = false;

  constructor(private readonly opts: NodeAgentOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? nopLogger).with({ node: opts.nodeName });
    this.t = { ...DEFAULT_TIMINGS, ...opts.timings };
    this.registry = opts.registry ?? new Registry();
    this.metrics = new AgentMetrics(this.registry);
  }

  /** nodeName is the Node this agent runs. */
  get nodeName(): string {
    return this.opts.nodeName;
  }

  /** podWorkerCount is the number of live pod workers (0 before run). */
  get podWorkerCount(): number {
    return this.workers?.size ?? 0;
  }

  /** pod reads a pod bound to this node from the agent's cache (undefined before run, or unknown). */
  pod(namespace: string, name: string): StoredPod | undefined {
    return this.podInformer?.lister().get(namespace, name);
  }

  /** podByUid reads a pod bound to this node by UID from the agent's cache. */
  podByUid(uid: string): StoredPod | undefined {
    return this.podInformer?.indexer.byIndex('uid', uid)[0];
  }

  /** healthy asks the runtime for its version (2 s deadline): /healthz. */
  async healthy(): Promise<boolean> {
    try {
      await this.opts.runtime.runtime.Version({ version: 'v1' }, { timeoutMs: 2000 });
      return true;
    } catch {
      return false;
    }
  }

  /** run runs the agent until `signal` aborts. Runs once. */
  async run(outer: AbortSignal): Promise<void> {
    if (this.started) throw new Error('node agent already started');
    this.started = true;
    // Every loop of the agent listens on this one signal; the caller's sees one listener.
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    const signal = stop.signal;
    const onAbort = (): void => stop.abort(outer.reason);
    if (outer.aborted) onAbort();
    else outer.addEventListener('abort', onAbort, { once: true });
    try {
      await this.runUntil(signal);
    } finally {
      outer.removeEventListener('abort', onAbort);
    }
  }

  private async runUntil(signal: AbortSignal): Promise<void> {
    const o = this.opts;
    const machine = o.machine ?? (await readMachineInfo());
    await mkdir(o.rootDir, { recursive: true });
    const logRoot = o.podLogDir ?? join(o.rootDir, 'logs');
    const config: NodeConfig = {
      nodeName: o.nodeName,
      nodeIP: o.nodeIP ?? defaultNodeIP(),
      machine,
      ...(o.cpu ? { cpu: o.cpu } : {}),
      ...(o.memory ? { memory: o.memory } : {}),
      maxPods: o.maxPods ?? 110,
      ...(await storageBytes(o.rootDir)),
      labels: { ...defaultNodeLabels(o.nodeName, machine.architecture), ...o.nodeLabels },
      daemonPort: o.daemonPort ?? 0,
    };
    const recorder =
      o.recorder ??
      new ApiEventRecorder(o.rest, {
        component: 'kubelet',
        host: o.nodeName,
        clock: this.clock,
        logger: this.log,
      });
    const api = cachedObjects(o.podApi ?? restPodApi(o.rest), this.clock, this.t.objectCacheTtlMs);

    // Pods bound to this node, indexed by UID for the workers.
    const pods = new SharedInformer<StoredPod>(
      listerWatcherFor(o.rest.resource<Pod>(podsInfo), {
        fieldSelector: `spec.nodeName=${o.nodeName}`,
      }),
      {
        name: 'pods',
        clock: this.clock,
        logger: this.log,
        indexers: { uid: (p) => [p.metadata.uid] },
      },
    );
    this.podInformer = pods;
    const ownNode = new SharedInformer<StoredNode>(
      listerWatcherFor(o.rest.resource<Node>(nodesInfo), {
        fieldSelector: `metadata.name=${o.nodeName}`,
      }),
      { name: 'node', clock: this.clock, logger: this.log },
    );

    const probes = new ProbeManager({
      runner: o.probeRunner ?? new AgentProbeRunner(o.runtime.runtime),
      clock: this.clock,
      logger: this.log,
      recorder,
      onChange: (uid) => this.workers?.update(uid),
    });
    const network = new NodeNetwork({
      ...(o.cniConfDir ? { cniConfDir: o.cniConfDir } : {}),
      bridge: o.cniBridge ?? 'tug0',
      networkName: o.cniNetworkName ?? 'tugboat',
      dataDir: join(o.rootDir, 'cni-ipam'),
      ...(o.podCidr ? { podCidr: o.podCidr } : {}),
      ...(o.clusterCidr ? { clusterCidr: o.clusterCidr } : {}),
      logger: this.log,
      onChange: () => {
        this.refreshHealth(network);
        this.workers?.updateAll();
      },
    });
    const syncer = new PodSyncer({
      nodeName: o.nodeName,
      hostIP: config.nodeIP,
      node: { cpuMilli: cpuMilliOf(config), memoryBytes: memoryBytesOf(config) },
      runtime: o.runtime.runtime,
      api,
      pods: { byUid: (uid) => pods.indexer.byIndex('uid', uid)[0] },
      recorder,
      clock: this.clock,
      logger: this.log,
      volumes: new VolumeManager(o.rootDir, api),
      images: new ImagePuller(
        o.runtime.image,
        recorder,
        new RestartBackoff({
          clock: this.clock,
          initialMs: this.t.imageBackoffInitialMs,
          maxMs: this.t.imageBackoffMaxMs,
        }),
        this.clock,
      ),
      crashBackoff: new RestartBackoff({
        clock: this.clock,
        initialMs: this.t.crashBackoffInitialMs,
        maxMs: this.t.crashBackoffMaxMs,
      }),
      retryBackoff: new RestartBackoff({ clock: this.clock, initialMs: 1000, maxMs: 60_000 }),
      probes,
      status: new PodStatusManager(api),
      network,
      logRoot,
      dns: { clusterDNS: o.clusterDNS ?? [], clusterDomain: o.clusterDomain ?? 'cluster.local' },
    });
    const workers = new PodWorkers({
      sync: (uid, s) => syncer.sync(uid, s),
      clock: this.clock,
      logger: this.log,
      observe: (seconds, failed) => {
        this.metrics.syncDuration.observe(seconds);
        if (failed) this.metrics.syncErrors.inc();
      },
      onSize: (n) => this.metrics.podWorkers.set(n),
    });
    this.workers = workers;
    const onPod = (p: StoredPod): void => workers.update(p.metadata.uid);
    pods.addEventHandler({ onAdd: onPod, onUpdate: (_, p) => onPod(p), onDelete: onPod });

    const reporter = new NodeReporter({
      nodes: o.rest.resource<Node>(nodesInfo),
      config,
      health: () => this.health,
      images: async () => {
        const { images } = await o.runtime.image.ListImages({}, { timeoutMs: 10_000 });
        return images
          .sort((a, b) => Number(b.size) - Number(a.size))
          .slice(0, 50)
          .map((i) => ({ names: [...i.repoTags, ...i.repoDigests], sizeBytes: Number(i.size) }));
      },
      clock: this.clock,
      logger: this.log,
      updateFrequencyMs: this.t.nodeStatusUpdateMs,
      reportFrequencyMs: this.t.nodeStatusReportMs,
      onWrite: (ok) => this.metrics.nodeStatusWrites.inc({ result: ok ? 'ok' : 'error' }),
    });
    this.reporter = reporter;
    ownNode.addEventHandler({
      onAdd: (n) => this.onNode(n, reporter, network),
      onUpdate: (_, n) => this.onNode(n, reporter, network),
    });
    const lease = new NodeLease({
      leases: o.rest.resource<Lease>(leasesInfo),
      nodeName: o.nodeName,
      nodeUid: () => reporter.node?.metadata.uid,
      clock: this.clock,
      logger: this.log,
      renewIntervalMs: this.t.leaseRenewMs,
      durationSeconds: this.t.leaseDurationSeconds,
      onRenew: (ok) => this.metrics.leaseRenewals.inc({ result: ok ? 'ok' : 'error' }),
    });
    const pleg = new Pleg({
      runtime: o.runtime.runtime,
      clock: this.clock,
      logger: this.log,
      relistPeriodMs: this.t.relistMs,
      onPod: (uid) => workers.update(uid),
      onRelist: (r) => {
        this.metrics.relistDuration.observe(r.seconds);
        this.metrics.runningContainers.set(r.runningContainers);
        this.metrics.runtimePods.set(r.pods);
      },
    });

    await this.checkRuntime(network, signal);
    try {
      const node = await reporter.register(signal);
      await network.observe(node);
    } catch (err) {
      // Stopped while registering: nothing of ours runs yet, pods already running keep running.
      if (!signal.aborted) throw err;
      this.log.info('node agent stopped; containers keep running');
      return;
    }
    this.log.info('node agent running', {
      nodeIP: config.nodeIP,
      runtime: this.health.runtimeVersion,
    });
    const tasks: Promise<unknown>[] = [
      pods.run(signal),
      ownNode.run(signal),
      ...(o.managePodRoutes ? [this.runPodRoutes(o, signal)] : []),
      probes.run(signal),
      lease.run(signal),
      reporter.run(signal),
      this.runtimeLoop(network, signal),
      (async () => {
        // Orphan cleanup and syncs must see every pod of the node first.
        if (!(await pods.waitForSync(signal))) return;
        await Promise.all([workers.run(signal), pleg.run(signal)]);
      })(),
    ];
    await Promise.all(tasks);
    this.log.info('node agent stopped; containers keep running');
  }

  private onNode(node: StoredNode, reporter: NodeReporter, network: NodeNetwork): void {
    reporter.observe(node);
    void network.observe(node);
  }

  private async runtimeLoop(network: NodeNetwork, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.clock.sleep(this.t.runtimeCheckMs, signal).catch(() => {});
      if (!signal.aborted) await this.checkRuntime(network, signal);
    }
  }

  /** checkRuntime asks the runtime for its version and status and updates the node's health. */
  /** runPodRoutes follows every Node and keeps this node's routes to their pod CIDRs. */
  private async runPodRoutes(o: NodeAgentOptions, signal: AbortSignal): Promise<void> {
    const routes = new PodRoutes({ nodeName: o.nodeName, logger: this.log });
    const nodes = new SharedInformer<StoredNode>(
      listerWatcherFor(o.rest.resource<Node>(nodesInfo)),
      { name: 'all-nodes', clock: this.clock, logger: this.log },
    );
    const sync = (): void => void routes.observe(nodes.lister().list());
    nodes.addEventHandler({ onAdd: sync, onUpdate: sync, onDelete: sync });
    await nodes.run(signal);
  }

  private async checkRuntime(network: NodeNetwork, signal: AbortSignal): Promise<void> {
    const rt = this.opts.runtime.runtime;
    let runtimeProblem: string | undefined;
    try {
      const opts = { timeoutMs: 5000, signal };
      if (!this.health.runtimeVersion) {
        const v = await rt.Version({ version: 'v1' }, opts);
        this.health = { ...this.health, runtimeVersion: `${v.runtimeName}://${v.runtimeVersion}` };
      }
      const st = await rt.Status({}, opts);
      for (const c of st.status?.conditions ?? []) {
        if (!c.status) {
          runtimeProblem = `container runtime ${c.type === 'NetworkReady' ? 'network ' : ''}not ready: ${c.type}=false reason:${c.reason} message:${c.message}`;
          break;
        }
      }
      this.runtimeOk = true;
    } catch (err) {
      if (signal.aborted) return;
      this.runtimeOk = false;
      runtimeProblem = `container runtime is down: ${runtimeErrorFrom(err).message}`;
    }
    this.metrics.runtimeUp.set(this.runtimeOk ? 1 : 0);
    this.runtimeProblem = runtimeProblem;
    this.refreshHealth(network);
  }

  /** refreshHealth recomputes Ready's reason and wakes the node status loop if it changed. */
  private refreshHealth(network: NodeNetwork): void {
    const notReady = this.runtimeProblem ?? network.notReady();
    if (notReady !== this.health.notReady) {
      this.health = { ...this.health, notReady };
      this.log.info(notReady ? 'node not ready' : 'node ready', notReady ? { why: notReady } : {});
      this.reporter?.kick();
    }
  }
}

async function storageBytes(dir: string): Promise<{ ephemeralStorageBytes?: number }> {
  try {
    const s = await statfs(dir);
    return { ephemeralStorageBytes: s.blocks * s.bsize };
  } catch {
    return {};
  }
}
