import { readdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { nopLogger, type Logger } from '../../lib/log.js';
import { loadNetworkConfig, pluginStdin, type NetworkConfigList } from './conf.js';
import { CniError, type CniCommand } from './errors.js';
import { execPlugin, findPlugin } from './invoke.js';
import { KeyedMutex } from './keyed-mutex.js';
import { createPinnedNetns, isPinnedNetns, removePinnedNetns } from './netns.js';
import {
  cniArgs,
  isSandboxId,
  portMappingsArg,
  validateNetworkRequest,
  validateSandboxId,
} from './request.js';
import { parseCniResult, podAddresses, type CniResult } from './result.js';
import { SandboxStateStore, type SandboxRecord } from './state.js';
import type { SandboxNetwork, SandboxNetworkRequest, SandboxNetworkStatus } from './types.js';

/** CniNetworkOptions configure a CniNetwork. */
export interface CniNetworkOptions {
  /** confDir holds the network configuration (see loadNetworkConfig); it is read at every setUp. */
  confDir: string;
  /** binDir is CNI_PATH; `/usr/lib/cni` (Debian's containernetworking-plugins) by default. */
  binDir?: string;
  /** stateDir, absolute and under the shim's root, holds the netns pins (`netns/`) and records (`sandboxes/`). */
  stateDir: string;
  logger?: Logger;
  /** pluginTimeoutMs bounds each plugin call (default 30 s); the plugin is killed past it. */
  pluginTimeoutMs?: number;
  /** ifName is the pod's interface (CNI_IFNAME), `eth0` by default. */
  ifName?: string;
  /**
   * hostNetns runs every plugin inside this network namespace (a path,
   * through `nsenter --net=`) instead of the caller's. The bridge, veth host
   * ends, routes and iptables rules then live there. Unneeded when the shim
   * itself was started in its host netns (the deployment shape); useful for
   * tests and for one process that serves several netns "hosts".
   */
  hostNetns?: string;
}

// lo is brought up by the loopback plugin as a network of its own, as containerd and CRI-O do.
const loopback = { type: 'loopback' } as const;

/**
 * CniNetwork implements SandboxNetwork with the real CNI plugins. Each
 * sandbox gets a network namespace pinned at `<stateDir>/netns/<sandboxId>`,
 * `lo` brought up by the loopback plugin, and the configured plugin chain run
 * for ADD (and in reverse for DEL) with prevResult chaining. A record per
 * sandbox in `<stateDir>/sandboxes/` (config used, ADD result) makes status,
 * tearDown and reconcile work after a restart.
 *
 * Concurrency: calls for different sandboxes run in parallel; calls for one
 * sandbox id are serialised. One CniNetwork per stateDir at a time.
 *
 * tearDown expects the sandbox's processes to be gone: a process still in
 * the namespace keeps it alive after its pin is removed.
 */
export class CniNetwork implements SandboxNetwork {
  private readonly confDir: string;
  private readonly binDir: string;
  private readonly netnsDir: string;
  private readonly store: SandboxStateStore;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly ifName: string;
  private readonly hostNetns: string | undefined;
  private readonly locks = new KeyedMutex();

  constructor(opts: CniNetworkOptions) {
    if (!isAbsolute(opts.stateDir)) throw new TypeError('CniNetwork: stateDir must be absolute');
    this.confDir = opts.confDir;
    this.binDir = resolve(opts.binDir ?? '/usr/lib/cni');
    this.netnsDir = join(opts.stateDir, 'netns');
    this.store = new SandboxStateStore(join(opts.stateDir, 'sandboxes'));
    this.log = (opts.logger ?? nopLogger).with({ component: 'cni-network' });
    this.timeoutMs = opts.pluginTimeoutMs ?? 30_000;
    this.ifName = opts.ifName ?? 'eth0';
    this.hostNetns = opts.hostNetns;
  }

  /** netnsPath is where the sandbox's namespace is pinned (whether or not it exists). */
  netnsPath(sandboxId: string): string {
    validateSandboxId(sandboxId);
    return join(this.netnsDir, sandboxId);
  }

  /**
   * setUp creates the sandbox's pinned netns and runs CNI ADD. Idempotent: a
   * sandbox already set up returns its recorded status (the request is not
   * compared). A half-made or stale network (crash, reboot) is torn down and
   * made anew. On failure everything made so far is torn down before the
   * error (InvalidNetworkRequestError, CniConfigError, CniError, NetnsError)
   * is thrown; if that cleanup fails too, the record stays for reconcile.
   */
  async setUp(req: SandboxNetworkRequest): Promise<SandboxNetworkStatus> {
    validateNetworkRequest(req);
    const id = req.sandboxId;
    return this.locks.run(id, async () => {
      const existing = await this.readRecord(id);
      if (
        existing?.phase === 'ready' &&
        existing.status &&
        (await isPinnedNetns(existing.netnsPath))
      ) {
        return existing.status;
      }
      if (existing)
        this.log.info('replacing stale sandbox network', { sandboxId: id, phase: existing.phase });
      await this.tearDownLocked(id, existing);

      const network = await loadNetworkConfig(this.confDir);
      await findPlugin(this.binDir, loopback.type);
      for (const p of network.plugins) await findPlugin(this.binDir, p.type);

      const started = Date.now();
      const rec: SandboxRecord = {
        version: 1,
        sandboxId: id,
        phase: 'creating',
        netnsPath: this.netnsPath(id),
        request: req,
        network,
        updatedAt: new Date().toISOString(),
      };
      await this.store.write(rec);
      try {
        await createPinnedNetns(rec.netnsPath);
        const loNet = { name: 'cni-loopback', cniVersion: network.cniVersion };
        // lo and eth0 don't depend on each other: bring them up at the same time.
        const [, result] = await Promise.all([
          this.call(rec, 'ADD', loopback.type, pluginStdin(loNet, loopback, undefined, {}), 'lo'),
          this.addChain(rec),
        ]);
        const addrs = podAddresses(result, this.ifName);
        if (!addrs) {
          const last = network.plugins[network.plugins.length - 1]?.type ?? '';
          throw new CniError({
            plugin: last,
            command: 'ADD',
            msg: `result has no address on ${this.ifName}`,
          });
        }
        const status: SandboxNetworkStatus = {
          netnsPath: rec.netnsPath,
          interfaceName: this.ifName,
          ...addrs,
        };
        await this.store.write({
          ...rec,
          phase: 'ready',
          result,
          status,
          updatedAt: new Date().toISOString(),
        });
        this.log.info('sandbox network up', {
          sandboxId: id,
          ip: status.ip,
          ms: Date.now() - started,
        });
        return status;
      } catch (e) {
        try {
          await this.tearDownLocked(id, rec);
        } catch (cleanupErr) {
          this.log.error('cleanup after failed setUp failed; reconcile retries it', {
            sandboxId: id,
            err: cleanupErr,
          });
        }
        throw e;
      }
    });
  }

  /**
   * tearDown runs CNI DEL (reverse order, the ADD result as prevResult, the
   * config ADD used), then unmounts and deletes the pin and the record.
   * Idempotent, also for ids it never saw. If a plugin's DEL fails, the pin
   * and record are kept (so a retry can finish) and the CniError is thrown.
   * Stop the sandbox's processes first (see the class comment).
   */
  async tearDown(sandboxId: string): Promise<void> {
    validateSandboxId(sandboxId);
    await this.locks.run(sandboxId, async () => {
      await this.tearDownLocked(sandboxId, await this.readRecord(sandboxId));
    });
  }

  /** status reports the recorded network of a sandbox that is up (pin still live), else undefined. */
  async status(sandboxId: string): Promise<SandboxNetworkStatus | undefined> {
    validateSandboxId(sandboxId);
    const rec = await this.readRecord(sandboxId);
    if (rec?.phase !== 'ready' || !rec.status) return undefined;
    return (await isPinnedNetns(rec.netnsPath)) ? rec.status : undefined;
  }

  /** list returns the ids of every sandbox this shim has network state for (records or pins). */
  async list(): Promise<string[]> {
    const ids = new Set((await this.store.list()).filter(isSandboxId));
    try {
      for (const n of await readdir(this.netnsDir)) if (isSandboxId(n)) ids.add(n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return [...ids].sort();
  }

  /**
   * reconcile tears down every sandbox network of this shim whose id is not
   * in `keep` (crash leftovers, sandboxes removed while the shim was down).
   * It tries them all; failures are thrown together as an AggregateError.
   */
  async reconcile(keep: ReadonlySet<string>): Promise<void> {
    const stale = (await this.list()).filter((id) => !keep.has(id));
    const errors: unknown[] = [];
    await Promise.all(
      stale.map((id) =>
        this.tearDown(id).then(
          () => this.log.info('removed stale sandbox network', { sandboxId: id }),
          (e: unknown) => errors.push(e),
        ),
      ),
    );
    if (errors.length > 0) {
      throw new AggregateError(
        errors,
        `reconcile: ${errors.length} of ${stale.length} stale networks not removed`,
      );
    }
  }

  private async addChain(rec: SandboxRecord): Promise<CniResult> {
    const caps = { portMappings: portMappingsArg(rec.request) };
    let prev: CniResult | undefined;
    for (const p of rec.network.plugins) {
      if (idle(p, caps)) continue;
      const out = await this.call(rec, 'ADD', p.type, pluginStdin(rec.network, p, prev, caps));
      prev = parseCniResult(out, p.type, 'ADD');
    }
    // The config list is never empty (parseNetworkConfig), so prev is set.
    return prev as CniResult;
  }

  private async tearDownLocked(id: string, rec: SandboxRecord | undefined): Promise<void> {
    const path = rec?.netnsPath ?? this.netnsPath(id);
    if (rec) await this.delChain(rec);
    await removePinnedNetns(path);
    await this.store.remove(id);
  }

  private async delChain(rec: SandboxRecord): Promise<void> {
    const net: NetworkConfigList = rec.network;
    const caps = { portMappings: portMappingsArg(rec.request) };
    // libcni passes the cached result as prevResult on DEL from spec 0.4.0 on.
    const prev = net.cniVersion === '0.3.0' || net.cniVersion === '0.3.1' ? undefined : rec.result;
    let first: unknown;
    for (const p of [...net.plugins].reverse()) {
      if (idle(p, caps)) continue;
      try {
        await this.call(rec, 'DEL', p.type, pluginStdin(net, p, prev, caps));
      } catch (e) {
        // Go on with the others so that one failing plugin leaves as little as possible behind.
        this.log.warn('CNI DEL failed', { sandboxId: rec.sandboxId, plugin: p.type, err: e });
        first ??= e;
      }
    }
    if (first !== undefined) throw first;
  }

  private async call(
    rec: SandboxRecord,
    command: CniCommand,
    plugin: string,
    stdin: string,
    ifName = this.ifName,
  ): Promise<string> {
    const t0 = Date.now();
    const out = await execPlugin({
      binDir: this.binDir,
      plugin,
      command,
      containerId: rec.sandboxId,
      // A pin that is not live (after a reboot: a plain file) would make plugins fail to open it; '' tells them it is gone.
      netns: (await isPinnedNetns(rec.netnsPath)) ? rec.netnsPath : '',
      ifName,
      args: cniArgs(rec.request),
      stdin,
      timeoutMs: this.timeoutMs,
      ...(this.hostNetns ? { hostNetns: this.hostNetns } : {}),
    });
    this.log.debug('CNI plugin call', {
      sandboxId: rec.sandboxId,
      plugin,
      command,
      ms: Date.now() - t0,
    });
    return out;
  }

  private async readRecord(id: string): Promise<SandboxRecord | undefined> {
    try {
      return await this.store.read(id);
    } catch (e) {
      // Writes are atomic, so this is disk damage or a foreign file: clean up what can be without the record.
      this.log.error('unreadable sandbox record; removing the netns without CNI DEL', {
        sandboxId: id,
        err: e,
      });
      return undefined;
    }
  }
}

/**
 * idle tells whether a plugin would do nothing for this sandbox: portmap,
 * when the sandbox maps no host port (it returns at once then, on ADD and on
 * DEL). Skipping it saves a plugin process on both.
 */
function idle(p: NetworkConfigList['plugins'][number], caps: { portMappings: unknown[] }): boolean {
  return p.type === 'portmap' && caps.portMappings.length === 0;
}
