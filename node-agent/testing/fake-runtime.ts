import { createHash } from 'node:crypto';
import { realClock, type Clock } from '../../lib/time.js';
import type { ContainerConfig } from '../../proto/generated/tugboat/runtime/v1/ContainerConfig.js';
import type { ContainerEventResponse__Output } from '../../proto/generated/tugboat/runtime/v1/ContainerEventResponse.js';
import type { ContainerEventType__Output } from '../../proto/generated/tugboat/runtime/v1/ContainerEventType.js';
import type { ContainerStatus__Output } from '../../proto/generated/tugboat/runtime/v1/ContainerStatus.js';
import type { Container__Output } from '../../proto/generated/tugboat/runtime/v1/Container.js';
import type { PodSandbox__Output } from '../../proto/generated/tugboat/runtime/v1/PodSandbox.js';
import { normalizeImageName } from '../pods/image-ref.js';
import {
  containerListEntry,
  containerStatus,
  matches,
  sandboxListEntry,
  sandboxStatus,
  type FakeContainer,
  type FakeSandbox,
} from './fake-records.js';
import { FakeImages } from './fake-images.js';
import { RuntimeError, type RuntimeErrorCode } from '../runtime/errors.js';
import { EventQueue } from '../runtime/event-queue.js';
import type {
  AgentRuntime,
  ImageMethod,
  ImageService,
  RuntimeMethod,
  RuntimeService,
} from '../runtime/runtime.js';

/** FakeCall is one recorded call: the method and its request. */
export interface FakeCall {
  method: RuntimeMethod | ImageMethod;
  request: unknown;
}

/** FakeContainerBehaviour says what a started container does by itself. */
export interface FakeContainerBehaviour {
  /** exitCode makes the container exit right after it starts. */
  exitCode?: number;
  /** ignoreSigterm makes StopContainer wait its whole timeout, then SIGKILL (137). */
  ignoreSigterm?: boolean;
}

/** FakeExecResult is what ExecSync answers. */
export interface FakeExecResult {
  exitCode: number;
  stdout?: string;
  stderr?: string;
}

/** FakeRuntimeOptions configure a FakeRuntime; every field has a default. */
export interface FakeRuntimeOptions {
  /** clock drives timestamps and StopContainer's grace wait. */
  clock?: Clock;
  /** podSubnet is the first three octets pod IPs are handed out from; default `10.88.0`. */
  podSubnet?: string;
  /** images present at start (any name form); default busybox and the test webserver. */
  images?: string[];
  /** allImagesPresent makes every image name present (hollow nodes). */
  allImagesPresent?: boolean;
  /** recordCalls keeps every call in `calls` (default true; hollow nodes turn it off). */
  recordCalls?: boolean;
  /** behaviour decides what each started container does; default: runs until stopped. */
  behaviour?: (config: ContainerConfig) => FakeContainerBehaviour | undefined;
  /** exec answers ExecSync; default exit 0 with no output. */
  exec?: (containerId: string, cmd: string[]) => FakeExecResult | Promise<FakeExecResult>;
}

interface InjectedError {
  method: RuntimeMethod | ImageMethod;
  error: RuntimeError;
  times: number;
  when: ((request: unknown) => boolean) | undefined;
}

const DEFAULT_IMAGES = ['busybox', 'busybox:1.35', 'tugboat/webserver:1', 'tugboat/webserver:2'];

/**
 * FakeRuntime is an in-memory runtime shim for unit tests and hollow nodes
 * (cri-api's fake_runtime_service): it keeps sandboxes and containers,
 * hands out pod IPs, streams container events, records every call in
 * order, and fails calls on request (`injectError`). Containers run until
 * stopped, or exit when `exitContainer` or the configured behaviour says so.
 * It follows the shim's documented contract (idempotent Stop/Remove,
 * NOT_FOUND for unknown IDs and missing images, ALREADY_EXISTS for a
 * duplicate container attempt). Not safe to share between agents.
 */
export class FakeRuntime implements AgentRuntime {
  readonly calls: FakeCall[] = [];
  readonly runtime: RuntimeService;
  readonly image: ImageService;
  private readonly clock: Clock;
  private readonly sandboxes = new Map<string, FakeSandbox>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly store: FakeImages;
  private readonly injected: InjectedError[] = [];
  private readonly subscribers = new Set<{
    push: (ev: ContainerEventResponse__Output) => void;
    fail: () => void;
  }>();
  private seq = 0;
  private ipSeq = 1;
  private down = false;

  constructor(private readonly opts: FakeRuntimeOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.store = new FakeImages(
      opts.images ?? DEFAULT_IMAGES,
      opts.allImagesPresent === true,
      (m, r) => this.enter(m, r),
    );
    this.runtime = this.buildRuntime();
    this.image = this.store.service;
  }

  // ---- controls for tests ----

  /** addImage makes an image present. */
  addImage(name: string): void {
    this.store.add(name);
  }

  /**
   * injectError makes the next `times` (default 1) calls of `method` whose
   * request passes `when` fail with a RuntimeError of `code`.
   */
  injectError(
    method: RuntimeMethod | ImageMethod,
    code: RuntimeErrorCode,
    message = `injected ${code}`,
    opts: { times?: number; when?: (request: unknown) => boolean } = {},
  ): void {
    this.injected.push({
      method,
      error: new RuntimeError(code, message),
      times: opts.times ?? 1,
      when: opts.when,
    });
  }

  /** setDown makes every call fail with Unavailable (a dead shim) until set back. */
  setDown(down: boolean): void {
    this.down = down;
    if (down) for (const sub of this.subscribers) sub.fail();
  }

  /** exitContainer makes a running (or created) container exit with `exitCode`. */
  exitContainer(id: string, exitCode: number, reason?: string): void {
    const c = this.containers.get(id);
    if (!c || c.state === 'CONTAINER_EXITED') return;
    this.finish(c, exitCode, reason);
  }

  /** methods lists the recorded calls' method names, in order. */
  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  /** requestsOf returns the recorded requests of `method`, in order. */
  requestsOf<R = unknown>(method: RuntimeMethod | ImageMethod): R[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.request as R);
  }

  /** clearCalls forgets the recorded calls. */
  clearCalls(): void {
    this.calls.length = 0;
  }

  /** listContainers returns every container's status (for assertions). */
  listContainers(): ContainerStatus__Output[] {
    return [...this.containers.values()].map((c) => containerStatus(c));
  }

  /** findContainer returns the newest container of that spec name in pod `podName`. */
  findContainer(podName: string, name: string): ContainerStatus__Output | undefined {
    const found = [...this.containers.values()]
      .filter(
        (c) =>
          this.sandboxes.get(c.sandboxId)?.config.metadata?.name === podName &&
          c.config.metadata?.name === name,
      )
      .sort((a, b) => (b.config.metadata?.attempt ?? 0) - (a.config.metadata?.attempt ?? 0));
    return found[0] ? containerStatus(found[0]) : undefined;
  }

  /** sandboxCount is the number of sandboxes held (ready or not). */
  get sandboxCount(): number {
    return this.sandboxes.size;
  }

  /** runningCount is the number of running containers. */
  get runningCount(): number {
    return [...this.containers.values()].filter((c) => c.state === 'CONTAINER_RUNNING').length;
  }

  /**
   * adoptFrom copies another fake's sandboxes and containers, as if this
   * runtime were the same shim seen by a restarted agent.
   */
  adoptFrom(other: FakeRuntime): void {
    for (const [k, v] of other.sandboxes) this.sandboxes.set(k, structuredClone(v));
    for (const [k, v] of other.containers) this.containers.set(k, structuredClone(v));
    this.seq = Math.max(this.seq, other.seq);
    this.ipSeq = Math.max(this.ipSeq, other.ipSeq);
  }

  // ---- the services ----

  private buildRuntime(): RuntimeService {
    return {
      Version: async (req) => {
        this.enter('Version', req);
        return {
          version: 'v1',
          runtimeName: 'tug-shim',
          runtimeVersion: '0.1.0',
          runtimeApiVersion: 'v1',
          ociRuntime: 'fake',
        };
      },
      Status: async (req) => {
        this.enter('Status', req);
        return {
          status: {
            conditions: [
              { type: 'RuntimeReady', status: true, reason: '', message: '' },
              { type: 'NetworkReady', status: true, reason: '', message: '' },
            ],
          },
          info: {},
        };
      },
      RunPodSandbox: async (req) => {
        this.enter('RunPodSandbox', req);
        const cfg = req.config ?? {};
        const md = cfg.metadata;
        if (!md?.name || !md.namespace || !md.uid) {
          throw new RuntimeError(
            'InvalidArgument',
            'config.metadata: name, namespace and uid are required',
          );
        }
        for (const s of this.sandboxes.values()) {
          const m = s.config.metadata;
          if (
            s.ready &&
            m?.uid === md.uid &&
            m.name === md.name &&
            m.namespace === md.namespace &&
            (m.attempt ?? 0) === (md.attempt ?? 0)
          ) {
            return { podSandboxId: s.id };
          }
        }
        const hostNetwork = cfg.linux?.securityContext?.namespaceOptions?.network === 'NODE';
        const id = this.newId();
        this.sandboxes.set(id, {
          id,
          config: structuredClone(cfg),
          ready: true,
          createdNs: this.nowNs(),
          ip: hostNetwork ? '' : `${this.opts.podSubnet ?? '10.88.0'}.${++this.ipSeq}`,
          hostNetwork,
        });
        return { podSandboxId: id };
      },
      StopPodSandbox: async (req) => {
        this.enter('StopPodSandbox', req);
        const s = this.sandboxes.get(req.podSandboxId ?? '');
        if (!s) return {};
        for (const c of this.containersOf(s.id)) {
          if (c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED')
            this.finish(c, 137);
        }
        s.ready = false;
        s.ip = '';
        return {};
      },
      RemovePodSandbox: async (req) => {
        this.enter('RemovePodSandbox', req);
        const s = this.sandboxes.get(req.podSandboxId ?? '');
        if (!s) return {};
        for (const c of this.containersOf(s.id)) this.remove(c);
        this.sandboxes.delete(s.id);
        return {};
      },
      PodSandboxStatus: async (req) => {
        this.enter('PodSandboxStatus', req);
        const s = this.sandboxes.get(req.podSandboxId ?? '');
        if (!s) throw new RuntimeError('NotFound', `pod sandbox ${req.podSandboxId} not found`);
        return {
          status: sandboxStatus(s),
          info: {},
          containersStatuses: this.containersOf(s.id).map((c) => containerStatus(c)),
          timestamp: this.nowNs(),
        };
      },
      ListPodSandbox: async (req) => {
        this.enter('ListPodSandbox', req);
        const f = req.filter;
        const items: PodSandbox__Output[] = [];
        for (const s of this.sandboxes.values()) {
          if (f?.id && f.id !== s.id) continue;
          if (f?.state && (f.state.state === 'SANDBOX_READY' || f.state.state === 0) !== s.ready) {
            continue;
          }
          if (!matches(s.config.labels, f?.labelSelector)) continue;
          items.push(sandboxListEntry(s));
        }
        return { items };
      },
      CreateContainer: async (req) => {
        this.enter('CreateContainer', req);
        const s = this.sandboxes.get(req.podSandboxId ?? '');
        if (!s) throw new RuntimeError('NotFound', `pod sandbox ${req.podSandboxId} not found`);
        if (!s.ready) {
          throw new RuntimeError('FailedPrecondition', `pod sandbox ${s.id} is stopped`);
        }
        const cfg = req.config ?? {};
        const name = cfg.metadata?.name ?? '';
        if (!name) throw new RuntimeError('InvalidArgument', 'config.metadata.name: required');
        const attempt = cfg.metadata?.attempt ?? 0;
        const dup = this.containersOf(s.id).find(
          (c) => c.config.metadata?.name === name && (c.config.metadata.attempt ?? 0) === attempt,
        );
        if (dup) {
          throw new RuntimeError(
            'AlreadyExists',
            `pod sandbox ${s.id} already has container ${name} attempt ${attempt} (${dup.id}); remove it first`,
          );
        }
        const imageName = normalizeImageName(cfg.image?.image ?? '');
        const imageRef = this.store.idOf(imageName);
        if (!imageRef) {
          throw new RuntimeError(
            'NotFound',
            `image ${imageName} is not in the node's image store; import it with \`tug-shim import FILE\``,
          );
        }
        const id = this.newId();
        this.containers.set(id, {
          id,
          sandboxId: s.id,
          config: structuredClone(cfg),
          image: imageName,
          imageRef,
          state: 'CONTAINER_CREATED',
          createdNs: this.nowNs(),
          startedNs: '0',
          finishedNs: '0',
          exitCode: 0,
          reason: '',
          behaviour: this.opts.behaviour?.(cfg) ?? {},
        });
        this.publish(id, 'CONTAINER_CREATED_EVENT');
        return { containerId: id };
      },
      StartContainer: async (req) => {
        this.enter('StartContainer', req);
        const c = this.mustContainer(req.containerId);
        if (c.state !== 'CONTAINER_CREATED') {
          throw new RuntimeError('FailedPrecondition', `container ${c.id} was already started`);
        }
        c.state = 'CONTAINER_RUNNING';
        c.startedNs = this.nowNs();
        this.publish(c.id, 'CONTAINER_STARTED_EVENT');
        if (c.behaviour.exitCode !== undefined) this.finish(c, c.behaviour.exitCode);
        return {};
      },
      StopContainer: async (req) => {
        this.enter('StopContainer', req);
        const c = this.containers.get(req.containerId ?? '');
        if (!c || c.state === 'CONTAINER_EXITED') return {};
        const timeout = Number(req.timeout ?? 0);
        if (c.state === 'CONTAINER_RUNNING' && c.behaviour.ignoreSigterm && timeout > 0) {
          await this.clock.sleep(timeout * 1000);
          // The container may have exited by itself during the wait.
          if ((c.state as FakeContainer['state']) === 'CONTAINER_RUNNING') this.finish(c, 137);
        } else {
          this.finish(c, timeout > 0 ? 143 : 137);
        }
        return {};
      },
      RemoveContainer: async (req) => {
        this.enter('RemoveContainer', req);
        const c = this.containers.get(req.containerId ?? '');
        if (c) this.remove(c);
        return {};
      },
      ListContainers: async (req) => {
        this.enter('ListContainers', req);
        const f = req.filter;
        const containers: Container__Output[] = [];
        for (const c of this.containers.values()) {
          if (f?.id && f.id !== c.id) continue;
          if (f?.podSandboxId && f.podSandboxId !== c.sandboxId) continue;
          if (f?.state && f.state.state !== c.state) continue;
          if (!matches(c.config.labels, f?.labelSelector)) continue;
          containers.push(containerListEntry(c));
        }
        return { containers };
      },
      ContainerStatus: async (req) => {
        this.enter('ContainerStatus', req);
        return { status: containerStatus(this.mustContainer(req.containerId)), info: {} };
      },
      ExecSync: async (req) => {
        this.enter('ExecSync', req);
        const c = this.mustContainer(req.containerId);
        if (c.state !== 'CONTAINER_RUNNING') {
          throw new RuntimeError('FailedPrecondition', `container ${c.id} is not running`);
        }
        const r = (await this.opts.exec?.(c.id, req.cmd ?? [])) ?? { exitCode: 0 };
        return {
          exitCode: r.exitCode,
          stdout: Buffer.from(r.stdout ?? ''),
          stderr: Buffer.from(r.stderr ?? ''),
        };
      },
      containerEvents: (signal) => this.events(signal),
    };
  }

  // ---- internals ----

  private enter(method: RuntimeMethod | ImageMethod, request: unknown): void {
    if (this.opts.recordCalls !== false) {
      this.calls.push({ method, request: structuredClone(request) });
    }
    if (this.down) throw new RuntimeError('Unavailable', 'fake runtime is down');
    const i = this.injected.findIndex((e) => e.method === method && (!e.when || e.when(request)));
    const inj = this.injected[i];
    if (!inj) return;
    if (--inj.times <= 0) this.injected.splice(i, 1);
    throw inj.error;
  }

  private finish(c: FakeContainer, exitCode: number, reason?: string): void {
    c.state = 'CONTAINER_EXITED';
    c.exitCode = exitCode;
    c.finishedNs = this.nowNs();
    if (c.startedNs === '0') c.startedNs = c.finishedNs;
    c.reason = reason ?? (exitCode === 0 ? 'Completed' : 'Error');
    this.publish(c.id, 'CONTAINER_STOPPED_EVENT');
  }

  private remove(c: FakeContainer): void {
    if (c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED') this.finish(c, 137);
    this.publish(c.id, 'CONTAINER_DELETED_EVENT');
    this.containers.delete(c.id);
  }

  private mustContainer(id: string | undefined): FakeContainer {
    const c = this.containers.get(id ?? '');
    if (!c) throw new RuntimeError('NotFound', `container ${id} not found`);
    return c;
  }

  private containersOf(sandboxId: string): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.sandboxId === sandboxId);
  }

  private newId(): string {
    return createHash('sha256').update(`fake-${++this.seq}-${Math.random()}`).digest('hex');
  }

  private nowNs(): string {
    return (BigInt(Math.floor(this.clock.now())) * 1_000_000n + BigInt(this.seq)).toString();
  }

  private publish(id: string, type: ContainerEventType__Output): void {
    const c = this.containers.get(id);
    const s = c ? this.sandboxes.get(c.sandboxId) : undefined;
    if (!c || !s) return;
    const ev: ContainerEventResponse__Output = {
      containerId: id,
      containerEventType: type,
      createdAt: this.nowNs(),
      podSandboxStatus: sandboxStatus(s),
      containersStatuses: [containerStatus(c)],
    };
    for (const sub of this.subscribers) sub.push(ev);
  }

  private events(signal: AbortSignal): AsyncIterable<ContainerEventResponse__Output> {
    if (this.down) throw new RuntimeError('Unavailable', 'fake runtime is down');
    const sub = {
      push: (ev: ContainerEventResponse__Output): void => queue.push(ev),
      fail: (): void => queue.fail(new RuntimeError('Unavailable', 'fake runtime went down')),
    };
    const onAbort = (): void => queue.end();
    const queue = new EventQueue<ContainerEventResponse__Output>(() => {
      this.subscribers.delete(sub);
      signal.removeEventListener('abort', onAbort);
    });
    if (signal.aborted) queue.end();
    this.subscribers.add(sub);
    signal.addEventListener('abort', onAbort, { once: true });
    return queue;
  }
}
