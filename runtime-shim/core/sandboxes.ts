import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ListPodSandboxRequest__Output } from '../../proto/generated/tugboat/runtime/v1/ListPodSandboxRequest.js';
import type { PodSandbox } from '../../proto/generated/tugboat/runtime/v1/PodSandbox.js';
import type { PodSandboxStatusResponse } from '../../proto/generated/tugboat/runtime/v1/PodSandboxStatusResponse.js';
import type { RunPodSandboxRequest__Output } from '../../proto/generated/tugboat/runtime/v1/RunPodSandboxRequest.js';
import { removeCgroup } from '../cgroups/remove.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { SandboxRecord } from '../state/records.js';
import type { Containers } from './containers.js';
import type { ShimContext } from './context.js';
import { newId, nowNs } from './ids.js';
import {
  hostsFile,
  isEmptyDns,
  resolvConf,
  sandboxHostname,
  validateDns,
} from './sandbox-files.js';
import { matchesLabels, toContainerStatus, toPodSandbox, toSandboxStatus } from './status.js';

/** The node's files a pod on the node's network (or without DNS config) gets copies of. */
const NODE_HOSTS = '/etc/hosts';
const NODE_RESOLV = '/etc/resolv.conf';

/** sandboxFiles are the per-pod files bind-mounted into each container of the pod. */
export function sandboxFiles(dir: string): { hosts: string; resolvConf: string; hostname: string } {
  return {
    hosts: join(dir, 'hosts'),
    resolvConf: join(dir, 'resolv.conf'),
    hostname: join(dir, 'hostname'),
  };
}

/**
 * Sandboxes implements the pod sandbox verbs. A sandbox is a record, a
 * directory with the pod's hostname/hosts/resolv.conf, a pinned network
 * namespace from the SandboxNetwork, and a cgroup under the shim's parent.
 * There is no pause process: containers join the namespace by its path.
 */
export class Sandboxes {
  constructor(
    private readonly ctx: ShimContext,
    private readonly containers: Containers,
  ) {}

  /** run implements RunPodSandbox (see the proto for the contract). */
  async run(req: RunPodSandboxRequest__Output): Promise<string> {
    const cfg = req.config;
    const md = cfg?.metadata;
    if (!cfg || !md) throw new InvalidArgumentError('config.metadata: required');
    for (const f of ['name', 'namespace', 'uid'] as const) {
      if (md[f] === '') throw new InvalidArgumentError(`config.metadata.${f}: required`);
    }
    if (req.runtimeHandler !== '' && req.runtimeHandler !== this.ctx.runtime.name) {
      throw new InvalidArgumentError(
        `runtime_handler: ${JSON.stringify(req.runtimeHandler)} is not served here; this shim runs ${this.ctx.runtime.name} (leave it empty)`,
      );
    }
    const hostname = sandboxHostname(cfg.hostname, md.name);
    validateDns(cfg.dnsConfig);
    const ns = cfg.linux?.securityContext?.namespaceOptions;
    if (ns?.network === 'TARGET' || ns?.network === 'CONTAINER') {
      throw new InvalidArgumentError(
        'config.linux.security_context.namespace_options.network: only POD or NODE',
      );
    }
    const hostNetwork = ns?.network === 'NODE';
    const podKey = `pod/${md.namespace}/${md.name}/${md.uid}/${md.attempt}`;
    return this.ctx.locks.run(podKey, async () => {
      const same = this.ctx.store
        .sandboxes()
        .find(
          (s) =>
            s.phase === 'ready' &&
            s.config.metadata?.uid === md.uid &&
            s.config.metadata.name === md.name &&
            s.config.metadata.namespace === md.namespace &&
            s.config.metadata.attempt === md.attempt,
        );
      if (same) return same.id;
      const id = newId();
      return this.ctx.locks.run(`sb/${id}`, async () => {
        let rec: SandboxRecord = {
          id,
          phase: 'creating',
          createdAtNs: nowNs(this.ctx.clock),
          config: cfg,
          runtimeHandler: this.ctx.runtime.name,
          hostNetwork,
          hostname,
          cgroupPath: `${this.ctx.cgroupParent}/pod-${id}`,
        };
        await this.ctx.store.putSandbox(rec);
        // The files that do not need the pod's IP are written while CNI runs.
        const early = this.writeEarlyFiles(rec);
        early.catch(() => undefined);
        try {
          const network = hostNetwork
            ? undefined
            : await this.ctx.network.setUp({
                sandboxId: id,
                name: md.name,
                namespace: md.namespace,
                uid: md.uid,
                portMappings: cfg.portMappings.map((p) => ({
                  containerPort: p.containerPort,
                  hostPort: p.hostPort,
                  protocol: p.protocol,
                  ...(p.hostIp !== '' ? { hostIp: p.hostIp } : {}),
                })),
              });
          await early;
          await this.writeHosts(rec, network?.ip);
          rec = { ...rec, phase: 'ready', ...(network ? { network } : {}) };
          await this.ctx.store.putSandbox(rec);
          this.ctx.logger.info('sandbox ready', {
            id,
            pod: `${md.namespace}/${md.name}`,
            ip: network?.ip,
          });
          return id;
        } catch (e) {
          // Let the early writes settle first, or they could land in a directory being removed.
          await early.catch(() => undefined);
          await this.undo(rec).catch((ue: unknown) =>
            this.ctx.logger.error('undoing a failed RunPodSandbox failed', { id, err: ue }),
          );
          throw e;
        }
      });
    });
  }

  private async writeEarlyFiles(rec: SandboxRecord): Promise<void> {
    const files = sandboxFiles(this.ctx.store.sandboxDir(rec.id));
    const dns = rec.config.dnsConfig;
    await Promise.all([
      writeFile(files.hostname, rec.hostname + '\n'),
      dns && !isEmptyDns(dns)
        ? writeFile(files.resolvConf, resolvConf(dns))
        : readFile(NODE_RESOLV)
            .catch(() => Buffer.from(''))
            .then((b) => writeFile(files.resolvConf, b)),
    ]);
  }

  private async writeHosts(rec: SandboxRecord, ip: string | undefined): Promise<void> {
    const files = sandboxFiles(this.ctx.store.sandboxDir(rec.id));
    if (rec.hostNetwork) await copyFile(NODE_HOSTS, files.hosts);
    else await writeFile(files.hosts, hostsFile(rec.hostname, ip));
  }

  /** undo removes everything a sandbox made; for failed runs and recovery. Idempotent. */
  async undo(rec: SandboxRecord): Promise<void> {
    if (!rec.hostNetwork) await this.ctx.network.tearDown(rec.id);
    await removeCgroup(this.ctx.layout, rec.cgroupPath);
    await this.ctx.store.deleteSandbox(rec.id);
  }

  /** stop implements StopPodSandbox: kill every container, release the network. Idempotent. */
  async stop(id: string): Promise<void> {
    await this.ctx.locks.run(`sb/${id}`, () => this.stopLocked(id));
  }

  private async stopLocked(id: string): Promise<void> {
    const rec = this.ctx.store.sandbox(id);
    if (!rec || rec.phase === 'creating') return;
    await Promise.all(this.ctx.store.containersOf(id).map((c) => this.containers.stop(c.id, 0)));
    if (rec.phase === 'notready') return;
    // No process of the pod is left in the namespace now, so removing its pin frees it.
    if (!rec.hostNetwork) await this.ctx.network.tearDown(id);
    const next: SandboxRecord = { ...rec, phase: 'notready' };
    delete next.network;
    await this.ctx.store.putSandbox(next);
    this.ctx.logger.info('sandbox stopped', { id });
  }

  /** remove implements RemovePodSandbox: stop, remove containers, cgroup, files and record. Idempotent. */
  async remove(id: string): Promise<void> {
    await this.ctx.locks.run(`sb/${id}`, async () => {
      const rec = this.ctx.store.sandbox(id);
      if (!rec || rec.phase === 'creating') return;
      await this.stopLocked(id);
      for (const c of this.ctx.store.containersOf(id)) await this.containers.remove(c.id);
      await removeCgroup(this.ctx.layout, rec.cgroupPath);
      await this.ctx.store.deleteSandbox(id);
      this.ctx.logger.info('sandbox removed', { id });
    });
  }

  /** get returns a visible sandbox record or throws NotFoundError. */
  get(id: string): SandboxRecord {
    const rec = this.ctx.store.sandbox(id);
    if (!rec || rec.phase === 'creating') throw new NotFoundError(`pod sandbox ${id} not found`);
    return rec;
  }

  /** requireReady returns the sandbox if it is ready, for CreateContainer. */
  requireReady(id: string): SandboxRecord {
    const rec = this.get(id);
    if (rec.phase !== 'ready') {
      throw new FailedPreconditionError(
        `pod sandbox ${id} is stopped; containers can only be created in a ready sandbox`,
      );
    }
    return rec;
  }

  /** status implements PodSandboxStatus. */
  status(id: string, verbose: boolean): PodSandboxStatusResponse {
    const rec = this.get(id);
    const info: Record<string, string> = {};
    if (verbose) {
      info['netns'] = JSON.stringify(rec.network?.netnsPath ?? '');
      info['cgroup'] = JSON.stringify(rec.cgroupPath);
      info['dir'] = JSON.stringify(this.ctx.store.sandboxDir(id));
    }
    return {
      status: toSandboxStatus(rec),
      info,
      containersStatuses: this.ctx.store
        .containersOf(id)
        .filter((c) => c.phase !== 'creating')
        .map(toContainerStatus),
      timestamp: nowNs(this.ctx.clock),
    };
  }

  /** list implements ListPodSandbox. */
  list(req: ListPodSandboxRequest__Output): PodSandbox[] {
    const f = req.filter;
    return this.ctx.store
      .sandboxes()
      .filter((s) => s.phase !== 'creating')
      .map(toPodSandbox)
      .filter(
        (s) =>
          (!f?.id || s.id === f.id) &&
          (!f?.state || s.state === f.state.state) &&
          matchesLabels(s.labels, f?.labelSelector),
      )
      .sort((a, b) => compareNs(a.createdAt, b.createdAt));
  }
}

function compareNs(a: unknown, b: unknown): number {
  const x = BigInt(String(a ?? 0));
  const y = BigInt(String(b ?? 0));
  return x < y ? -1 : x > y ? 1 : 0;
}
