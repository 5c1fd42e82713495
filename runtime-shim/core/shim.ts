import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../../lib/log.js';
import { realClock, type Clock } from '../../lib/time.js';
import {
  applyHybridFix,
  controllerDir,
  readCgroupLayout,
  type CgroupLayout,
} from '../cgroups/layout.js';
import { removeCgroupIfEmpty } from '../cgroups/remove.js';
import type { ImageStore } from '../images/types.js';
import { ConmonMonitor } from '../monitor/conmon.js';
import { ExitWatcher } from '../monitor/exit-watcher.js';
import type { SandboxNetwork } from '../network/types.js';
import type { ResourceSupport } from '../oci/resources.js';
import type { OciRuntime } from '../oci/runtime.js';
import { ALL_CAPABILITIES, capabilitiesFromMask } from '../oci/security.js';
import { StateStore } from '../state/store.js';
import { pathExists } from '../util/fs.js';
import { KeyedMutex } from '../util/keyed-mutex.js';
import { Containers } from './containers.js';
import type { ShimContext } from './context.js';
import { EventBus } from './events.js';
import { Exec } from './exec.js';
import { ImageOps } from './image-ops.js';
import { recover } from './recovery.js';
import { Sandboxes } from './sandboxes.js';
import { Stats } from './stats.js';

/** ShimOptions configure a Shim. */
export interface ShimOptions {
  /** root is the shim's state directory (absolute, private to this shim). */
  root: string;
  runtime: OciRuntime;
  images: ImageStore;
  network: SandboxNetwork;
  /** cgroupParent defaults to defaultCgroupParent(root). */
  cgroupParent?: string;
  /** conmonPath is the monitor binary; "conmon" on PATH by default. */
  conmonPath?: string;
  /** layout skips cgroup detection (tests); detected and hybrid-fixed otherwise. */
  layout?: CgroupLayout;
  logger: Logger;
  clock?: Clock;
}

/**
 * defaultCgroupParent is `/tug-<12 hex of sha256(root)>`: distinct for every
 * shim root, so several shims on one machine never share pod cgroups.
 */
export function defaultCgroupParent(root: string): string {
  return `/tug-${createHash('sha256').update(resolve(root)).digest('hex').slice(0, 12)}`;
}

/** runtimeRoot is where the OCI runtime keeps its state for a shim rooted at `root`. */
export function runtimeRoot(root: string): string {
  return join(root, 'runtime');
}

async function resourceSupport(layout: CgroupLayout): Promise<ResourceSupport> {
  if (layout.mode === 'v2') return { mode: 'v2', swapAccounting: false };
  const mem = controllerDir(layout, 'memory', '/');
  return {
    mode: layout.mode,
    swapAccounting:
      mem !== undefined && (await pathExists(join(mem, 'memory.memsw.limit_in_bytes'))),
  };
}

/** boundingCapabilities reads the shim's own capability bounding set. */
async function boundingCapabilities(): Promise<ReadonlySet<string>> {
  const text = await readFile('/proc/self/status', 'utf8');
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(text)?.[1];
  return new Set(hex ? capabilitiesFromMask(BigInt(`0x${hex}`)) : ALL_CAPABILITIES);
}

/**
 * Shim is the runtime shim's core, independent of gRPC: sandboxes,
 * containers, exec, stats, events and images over the injected runtime,
 * image store and pod network. `start` detects cgroups (applying the hybrid
 * fix), loads the on-disk state, starts watching for container exits and
 * reconciles what a previous run left; only then is the shim ready.
 */
export class Shim implements AsyncDisposable {
  readonly ctx: ShimContext;
  readonly sandboxes: Sandboxes;
  readonly containers: Containers;
  readonly exec: Exec;
  readonly stats: Stats;
  readonly images: ImageOps;
  private readonly stop = new AbortController();
  private watching: Promise<void> | undefined;
  private ready = false;

  private constructor(ctx: ShimContext) {
    this.ctx = ctx;
    this.containers = new Containers(ctx);
    this.sandboxes = new Sandboxes(ctx, this.containers);
    this.exec = new Exec(ctx, this.containers);
    this.stats = new Stats(ctx, this.containers);
    this.images = new ImageOps(ctx);
  }

  /**
   * open builds a Shim and makes it ready (see the class comment). `signal`
   * ends the exit watch; disposing does too.
   */
  static async open(opts: ShimOptions, signal?: AbortSignal): Promise<Shim> {
    const root = resolve(opts.root);
    const logger = opts.logger;
    const layout = opts.layout ?? (await applyHybridFix(await readCgroupLayout(), logger));
    const monitor = new ConmonMonitor({
      ...(opts.conmonPath ? { path: opts.conmonPath } : {}),
      runtime: opts.runtime,
      exitDir: join(root, 'exits'),
    });
    await mkdir(opts.runtime.root, { recursive: true });
    const shim = new Shim({
      root,
      cgroupParent: opts.cgroupParent ?? defaultCgroupParent(root),
      layout,
      resourceSupport: await resourceSupport(layout),
      capabilities: await boundingCapabilities(),
      runtime: opts.runtime,
      monitor,
      images: opts.images,
      network: opts.network,
      store: new StateStore(root, logger),
      events: new EventBus(),
      locks: new KeyedMutex(),
      logger,
      clock: opts.clock ?? realClock,
    });
    signal?.addEventListener('abort', () => shim.stop.abort(), { once: true });
    try {
      await shim.start();
    } catch (e) {
      await shim[Symbol.asyncDispose]();
      throw e;
    }
    return shim;
  }

  private async start(): Promise<void> {
    const orphans = await this.ctx.store.load();
    const watcher = new ExitWatcher(
      this.ctx.monitor.exitDir,
      this.containers.onExit,
      this.ctx.logger,
    );
    this.watching = watcher.run(this.stop.signal).catch((e: unknown) => {
      this.ctx.logger.error('container exit watch ended', { err: e });
    });
    await recover(this.ctx, this.containers, this.sandboxes, orphans);
    this.ready = true;
    this.ctx.logger.info('shim ready', {
      root: this.ctx.root,
      runtime: this.ctx.runtime.name,
      cgroups: this.ctx.layout.mode,
      cgroupParent: this.ctx.cgroupParent,
      sandboxes: this.ctx.store.sandboxes().length,
      containers: this.ctx.store.containers().length,
    });
  }

  /** isReady reports whether recovery finished and the exit watch runs. */
  isReady(): boolean {
    return this.ready && !this.stop.signal.aborted;
  }

  /**
   * [Symbol.asyncDispose] stops watching exits. Containers and sandboxes are
   * left as they are (they outlive the shim by design); the shim's cgroup
   * parent is removed if no pod is left in it. Idempotent.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.ready = false;
    this.stop.abort();
    await this.watching;
    await removeCgroupIfEmpty(this.ctx.layout, this.ctx.cgroupParent).catch(() => undefined);
  }
}
