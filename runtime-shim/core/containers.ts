import { writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Container } from '../../proto/generated/tugboat/runtime/v1/Container.js';
import type { ContainerEventType } from '../../proto/generated/tugboat/runtime/v1/ContainerEventType.js';
import type { ContainerStatusResponse } from '../../proto/generated/tugboat/runtime/v1/ContainerStatusResponse.js';
import type { CreateContainerRequest__Output } from '../../proto/generated/tugboat/runtime/v1/CreateContainerRequest.js';
import type { ListContainersRequest__Output } from '../../proto/generated/tugboat/runtime/v1/ListContainersRequest.js';
import type { UpdateContainerResourcesRequest__Output } from '../../proto/generated/tugboat/runtime/v1/UpdateContainerResourcesRequest.js';
import { readOomKilled } from '../cgroups/stats.js';
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from '../errors.js';
import {
  EMPTY_RESOURCES,
  mergeResources,
  toOciResources,
  validateResources,
} from '../oci/resources.js';
import type { PendingCreate } from '../monitor/conmon.js';
import { buildSpec } from '../oci/spec.js';
import type { ContainerRecord } from '../state/records.js';
import { writeFileAtomic } from '../util/fs.js';
import { composeSpecInput, normalizeSignal } from './container-spec.js';
import type { ShimContext } from './context.js';
import { newId, nowNs } from './ids.js';
import { sandboxFiles } from './sandboxes.js';
import { matchesLabels, toContainer, toContainerStatus, toSandboxStatus } from './status.js';

/** KILL_WAIT_MS bounds the wait for an exit after SIGKILL (the kernel needs only moments). */
const KILL_WAIT_MS = 30_000;

/** maxNs is the later of two Unix-ns times, as a decimal string. */
const maxNs = (a: bigint, b: string): string => (a > BigInt(b) ? a : BigInt(b)).toString();

/** isLive reports whether a container may still have a process. */
const isLive = (rec: ContainerRecord): boolean =>
  rec.phase === 'created' || rec.phase === 'running';

/**
 * Containers implements the container verbs. The monitor (conmon) creates
 * each container and records its exit; `onExit` (called by the exit
 * watcher) turns that record into the container's exited state. Exits are
 * event-driven: nothing polls.
 */
export class Containers {
  private readonly exitWaiters = new Map<string, Set<() => void>>();

  constructor(private readonly ctx: ShimContext) {}

  /** create implements CreateContainer (see the proto for the contract). */
  async create(req: CreateContainerRequest__Output): Promise<string> {
    const cfg = req.config;
    if (!cfg) throw new InvalidArgumentError('config: required');
    const name = cfg.metadata?.name ?? '';
    if (name === '') throw new InvalidArgumentError('config.metadata.name: required');
    const imageRef = cfg.image?.image ?? '';
    if (imageRef === '') throw new InvalidArgumentError('config.image.image: required');
    if (cfg.tty || cfg.stdin || cfg.stdinOnce) {
      throw new InvalidArgumentError(
        'config.tty, config.stdin: interactive containers are not supported yet',
      );
    }
    const resources = { ...EMPTY_RESOURCES, ...(cfg.linux?.resources ?? {}) };
    validateResources(resources, this.ctx.resourceSupport, 'config.linux.resources');
    if (req.podSandboxId === '') throw new InvalidArgumentError('pod_sandbox_id: required');

    return this.ctx.locks.run(`sb/${req.podSandboxId}`, async () => {
      const sb = this.ctx.store.sandbox(req.podSandboxId);
      if (!sb || sb.phase === 'creating') {
        throw new NotFoundError(`pod sandbox ${req.podSandboxId} not found`);
      }
      if (sb.phase !== 'ready') {
        throw new FailedPreconditionError(
          `pod sandbox ${sb.id} is stopped; containers can only be created in a ready sandbox`,
        );
      }
      const attempt = cfg.metadata?.attempt ?? 0;
      const dup = this.ctx.store
        .containersOf(sb.id)
        .find((c) => c.config.metadata?.name === name && c.config.metadata.attempt === attempt);
      if (dup) {
        throw new AlreadyExistsError(
          `pod sandbox ${sb.id} already has container ${name} attempt ${attempt} (${dup.id}); remove it first`,
        );
      }
      const image = await this.ctx.images.get(imageRef);
      if (!image) {
        throw new NotFoundError(
          `image ${imageRef} is not in the node's image store; import it with \`tug-shim import FILE\` (a docker save or OCI archive) or the ImportImage RPC`,
        );
      }
      const id = newId();
      const dir = this.ctx.store.containerDir(id);
      const logPath = this.logPathFor(cfg.logPath, sb.config.logDirectory, dir);
      let rec: ContainerRecord = {
        id,
        sandboxId: sb.id,
        phase: 'creating',
        config: cfg,
        imageRef,
        imageId: image.id,
        createdAtNs: nowNs(this.ctx.clock),
        logPath,
        cgroupPath: `${sb.cgroupPath}/${id}`,
        resources,
        stopSignal: normalizeSignal(image.config.stopSignal),
      };
      await this.ctx.store.putContainer(rec);
      let pending: PendingCreate | undefined;
      try {
        // conmon loads while the root filesystem is mounted and the bundle written.
        pending = await this.ctx.monitor.prepare({
          id,
          name: `${sb.config.metadata?.namespace}_${sb.config.metadata?.name}_${name}`,
          bundleDir: dir,
          logPath,
        });
        const rootfs = await this.ctx.images.mountRootfs(id, image);
        const input = await composeSpecInput({
          config: cfg,
          image: image.config,
          imageName: imageRef,
          rootfs,
          resources,
          support: this.ctx.resourceSupport,
          available: this.ctx.capabilities,
          hostname: sb.hostname,
          hostNetwork: sb.hostNetwork,
          ...(sb.network ? { netnsPath: sb.network.netnsPath } : {}),
          sandboxFiles: sandboxFiles(this.ctx.store.sandboxDir(sb.id)),
          sysctls: sb.config.linux?.sysctls ?? {},
          cgroupsPath: rec.cgroupPath,
          cgroupNamespace: this.ctx.layout.mode === 'v2',
        });
        await writeFile(join(dir, 'config.json'), JSON.stringify(buildSpec(input)));
        const { pid } = await pending.start();
        rec = { ...rec, phase: 'created', pid };
        await this.ctx.store.putContainer(rec);
      } catch (e) {
        pending?.abort();
        await this.destroy(rec).catch((ue: unknown) =>
          this.ctx.logger.error('undoing a failed CreateContainer failed', { id, err: ue }),
        );
        throw e;
      }
      this.publish(rec, 'CONTAINER_CREATED_EVENT');
      this.ctx.logger.info('container created', { id, sandbox: sb.id, name });
      return id;
    });
  }

  private logPathFor(logPath: string, logDirectory: string, dir: string): string {
    if (logPath === '') return join(dir, 'console.log');
    if (isAbsolute(logPath)) return logPath;
    if (logDirectory === '') {
      throw new InvalidArgumentError(
        'config.log_path: relative, but the sandbox has no log_directory to resolve it against',
      );
    }
    return resolve(logDirectory, logPath);
  }

  /** start implements StartContainer. */
  async start(id: string): Promise<void> {
    await this.ctx.locks.run(`c/${id}`, async () => {
      const rec = this.get(id);
      if (rec.phase !== 'created') {
        throw new FailedPreconditionError(
          `container ${id} is ${rec.phase}; only a created container can be started`,
        );
      }
      // The process begins during `start`: take the time before, so a quick exit never precedes it.
      const startedAtNs = nowNs(this.ctx.clock);
      await this.ctx.runtime.start(id);
      const next: ContainerRecord = { ...rec, phase: 'running', startedAtNs };
      await this.ctx.store.putContainer(next);
      this.publish(next, 'CONTAINER_STARTED_EVENT');
    });
  }

  /**
   * stop implements StopContainer: the stop signal, up to `timeoutSec` for
   * the exit, then SIGKILL. Resolves once the exit is recorded. Idempotent.
   */
  async stop(id: string, timeoutSec: number): Promise<void> {
    const rec = this.ctx.store.container(id);
    if (!rec || !isLive(rec)) return;
    if (timeoutSec > 0 && rec.phase === 'running') {
      await this.ctx.runtime.kill(id, rec.stopSignal);
      if (await this.waitExit(id, timeoutSec * 1000)) return;
      this.ctx.logger.info('container ignored its stop signal; killing', { id, timeoutSec });
    }
    await this.ctx.runtime.kill(id, 'KILL');
    if (!(await this.waitExit(id, KILL_WAIT_MS))) {
      throw new Error(`container ${id} did not exit within ${KILL_WAIT_MS} ms of SIGKILL`);
    }
  }

  /**
   * waitExit resolves true once container `id` has left the running states
   * (or is gone), false after `ms`. Driven by onExit; at the deadline the
   * exit file is read once directly, in case a watch event was lost.
   */
  waitExit(id: string, ms: number): Promise<boolean> {
    const done = (): boolean => {
      const rec = this.ctx.store.container(id);
      return !rec || !isLive(rec);
    };
    if (done()) return Promise.resolve(true);
    return new Promise<boolean>((resolveWait) => {
      let waiters = this.exitWaiters.get(id);
      if (!waiters) this.exitWaiters.set(id, (waiters = new Set()));
      const set = waiters;
      const wake = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        set.delete(wake);
        resolveWait(true);
      };
      const timer = setTimeout(() => {
        set.delete(wake);
        void this.handleExit(id)
          .catch(() => undefined)
          .then(() => resolveWait(done()));
      }, ms);
      timer.unref();
      set.add(wake);
    });
  }

  /** onExit is the exit watcher's callback: it records the exit of container `id`. */
  readonly onExit = (id: string): void => {
    this.handleExit(id).catch((e: unknown) =>
      this.ctx.logger.error('recording a container exit failed', { id, err: e }),
    );
  };

  /** handleExit records the monitor's exit file into the record (idempotent). */
  async handleExit(id: string): Promise<void> {
    await this.ctx.locks.run(`c/${id}`, async () => {
      const rec = this.ctx.store.container(id);
      if (!rec || !isLive(rec)) return;
      const exit = await this.ctx.monitor.readExit(id);
      if (!exit) return;
      const oom =
        exit.exitCode !== 0 &&
        ((await this.ctx.monitor.oomKilled(this.ctx.store.containerDir(id))) ||
          (await readOomKilled(this.ctx.layout, rec.cgroupPath)));
      const next: ContainerRecord = {
        ...rec,
        phase: 'exited',
        exitCode: exit.exitCode,
        finishedAtNs: maxNs(exit.finishedAtNs, rec.startedAtNs ?? '0'),
        reason: oom ? 'OOMKilled' : exit.exitCode === 0 ? 'Completed' : 'Error',
      };
      await this.ctx.store.putContainer(next);
      this.ctx.logger.info('container exited', {
        id,
        exitCode: exit.exitCode,
        reason: next.reason,
      });
      this.publish(next, 'CONTAINER_STOPPED_EVENT');
    });
    for (const wake of [...(this.exitWaiters.get(id) ?? [])]) wake();
    if (this.exitWaiters.get(id)?.size === 0) this.exitWaiters.delete(id);
  }

  /** remove implements RemoveContainer: kill if needed, then delete everything. Idempotent. */
  async remove(id: string): Promise<void> {
    const rec = this.ctx.store.container(id);
    if (!rec) return;
    if (isLive(rec)) await this.stop(id, 0);
    await this.ctx.locks.run(`c/${id}`, async () => {
      const cur = this.ctx.store.container(id);
      if (!cur) return;
      await this.destroy(cur);
      this.publish(cur, 'CONTAINER_DELETED_EVENT');
      this.ctx.logger.info('container removed', { id });
    });
  }

  /**
   * destroy removes a container from the runtime, its monitor, root
   * filesystem, exit file and record. It kills what is still running.
   * Idempotent; used by remove, failed creates and recovery.
   */
  async destroy(rec: ContainerRecord): Promise<void> {
    const dir = this.ctx.store.containerDir(rec.id);
    await this.ctx.runtime.delete(rec.id, true);
    await this.ctx.monitor.killConmon(dir);
    await this.ctx.images.unmountRootfs(rec.id);
    await this.ctx.monitor.forget(rec.id);
    await this.ctx.store.deleteContainer(rec.id);
  }

  /** get returns a visible container record or throws NotFoundError. */
  get(id: string): ContainerRecord {
    const rec = this.ctx.store.container(id);
    if (!rec || rec.phase === 'creating') throw new NotFoundError(`container ${id} not found`);
    return rec;
  }

  /** status implements ContainerStatus. */
  status(id: string, verbose: boolean): ContainerStatusResponse {
    const rec = this.get(id);
    const info: Record<string, string> = {};
    if (verbose) {
      info['pid'] = JSON.stringify(rec.pid ?? 0);
      info['bundle'] = JSON.stringify(this.ctx.store.containerDir(id));
      info['cgroup'] = JSON.stringify(rec.cgroupPath);
    }
    return { status: toContainerStatus(rec), info };
  }

  /** list implements ListContainers. */
  list(req: ListContainersRequest__Output): Container[] {
    const f = req.filter;
    return this.ctx.store
      .containers()
      .filter((c) => c.phase !== 'creating')
      .map(toContainer)
      .filter(
        (c) =>
          (!f?.id || c.id === f.id) &&
          (!f?.podSandboxId || c.podSandboxId === f.podSandboxId) &&
          (!f?.state || c.state === f.state.state) &&
          matchesLabels(c.labels, f?.labelSelector),
      )
      .sort((a, b) => (BigInt(String(a.createdAt)) < BigInt(String(b.createdAt)) ? -1 : 1));
  }

  /** update implements UpdateContainerResources. */
  async update(req: UpdateContainerResourcesRequest__Output): Promise<void> {
    await this.ctx.locks.run(`c/${req.containerId}`, async () => {
      const rec = this.get(req.containerId);
      if (!isLive(rec)) {
        throw new FailedPreconditionError(
          `container ${rec.id} has exited; its resources cannot change`,
        );
      }
      const merged = mergeResources(rec.resources, { ...EMPTY_RESOURCES, ...(req.linux ?? {}) });
      validateResources(merged, this.ctx.resourceSupport, 'linux');
      const file = join(this.ctx.store.containerDir(rec.id), 'resources.json');
      await writeFileAtomic(file, JSON.stringify(toOciResources(merged, this.ctx.resourceSupport)));
      await this.ctx.runtime.update(rec.id, file);
      await this.ctx.store.putContainer({ ...rec, resources: merged });
    });
  }

  private publish(rec: ContainerRecord, type: ContainerEventType): void {
    const sb = this.ctx.store.sandbox(rec.sandboxId);
    this.ctx.events.publish({
      containerId: rec.id,
      containerEventType: type,
      createdAt: nowNs(this.ctx.clock),
      ...(sb ? { podSandboxStatus: toSandboxStatus(sb) } : {}),
      containersStatuses: [toContainerStatus(rec)],
    });
  }
}
