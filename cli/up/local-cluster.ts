import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { findResource } from '../../controlplane/api/resources.js';
import type { Node } from '../../controlplane/api/types/index.js';
import { RestClient } from '../../controlplane/client/index.js';
import { connectRuntime } from '../../proto/loader.js';
import { importFile } from '../../runtime-shim/import-client.js';
import { LocalImageStore } from '../../runtime-shim/images/index.js';
import { applyOne } from '../commands/apply.js';
import { lockStore } from '../image/store-lock.js';
import { parseManifests, resolveManifest } from '../manifests/index.js';
import { objectName } from '../printers/objects.js';
import { waitFor } from '../../lib/wait.js';
import {
  loadOrCreateConfig,
  releaseIndex,
  type ClusterConfig,
  type ComponentName,
} from './config.js';
import {
  cgroupParent,
  controlPlane,
  nodeComponents,
  Paths,
  repoRoot,
  type Component,
} from './components.js';
import {
  planHostNetwork,
  run as sh,
  setUpHostNetwork,
  tearDownHostNetwork,
  type HostNetwork,
} from './host-network.js';
import { readPid, startDetached, stopProcess } from './processes.js';
import { ensureSecrets, writeComponentKubeconfig } from './secrets.js';

export interface LocalClusterOptions {
  name: string;
  stateDir: string;
  /** say prints one progress line. */
  say: (line: string) => void;
}

export interface UpOptions {
  nodes: number;
  runtime: 'crun' | 'runc';
  /** images are archives imported on every node (the built-in test images by default). */
  images: string[];
  timeoutMs?: number;
  /** etcdMembers is 1 (default) or 3. */
  etcdMembers?: number;
  /** extraArgs are added to components' flags when the cluster is first made. */
  extraArgs?: Partial<Record<ComponentName, string[]>>;
}

const nodesInfo = findResource('', 'v1', 'nodes')!;

/** CommandError is a failure whose message is for a person (no stack trace). */
export class CommandError extends Error {
  override name = 'CommandError';
}

/**
 * LocalCluster is a multi-node cluster on this machine: the control plane
 * in the root network namespace, each node a network namespace "host" on a
 * bridge running its own shim and agent, every process detached with its
 * pid and log under the cluster's state dir. `up` is idempotent; `down`
 * removes every process, namespace, bridge, route, rule, mount and cgroup
 * it made.
 */
export class LocalCluster {
  readonly paths: Paths;

  constructor(private readonly opts: LocalClusterOptions) {
    this.paths = new Paths(opts.stateDir);
  }

  private say(line: string): void {
    this.opts.say(line);
  }

  private async startAll(components: Component[]): Promise<void> {
    for (const c of components) {
      const r = await startDetached({
        command: c.command,
        args: c.args,
        logFile: c.logFile,
        pidFile: c.pidFile,
      });
      this.say(
        r.started ? `started ${c.name} (pid ${r.pid})` : `${c.name} already running (pid ${r.pid})`,
      );
    }
  }

  /** clusterConfig reads the config of an existing cluster, or undefined. */
  async existingConfig(): Promise<ClusterConfig | undefined> {
    const f = this.paths.p('cluster.json');
    return existsSync(f) ? (JSON.parse(await readFile(f, 'utf8')) as ClusterConfig) : undefined;
  }

  network(cfg: ClusterConfig): HostNetwork {
    return planHostNetwork(cfg.name, cfg.hostPrefix, cfg.nodes);
  }

  /** up brings the whole cluster up and waits until every node is Ready. */
  async up(o: UpOptions): Promise<RestClient> {
    const deadline = o.timeoutMs ?? 120_000;
    const t0 = Date.now();
    for (const d of ['logs', 'run', 'etcd'])
      await mkdir(this.paths.p(d), { recursive: true, mode: 0o700 });
    const cfg = await loadOrCreateConfig(this.paths.root, {
      name: this.opts.name,
      nodes: o.nodes,
      runtime: o.runtime,
      ...(o.etcdMembers ? { etcdMembers: o.etcdMembers } : {}),
      ...(o.extraArgs ? { extraArgs: o.extraArgs } : {}),
    });
    const net = this.network(cfg);
    const secrets = await ensureSecrets(this.paths.root, cfg);
    const local = `https://127.0.0.1:${cfg.apiserverPort}`;
    const fromNodes = `https://${net.gateway}:${cfg.apiserverPort}`;
    await writeComponentKubeconfig(this.paths.adminKubeconfig, cfg, secrets, 'admin', local);
    await writeComponentKubeconfig(
      this.paths.p('controller-manager.kubeconfig'),
      cfg,
      secrets,
      'controller-manager',
      local,
    );
    await writeComponentKubeconfig(
      this.paths.p('scheduler.kubeconfig'),
      cfg,
      secrets,
      'scheduler',
      local,
    );
    for (const n of cfg.nodes) {
      for (const d of ['cni', 'agent', 'pods', 'shim'])
        await mkdir(this.paths.node(n, d), { recursive: true, mode: 0o700 });
      await writeComponentKubeconfig(
        this.paths.node(n, 'kubeconfig'),
        cfg,
        secrets,
        `node-${n}`,
        fromNodes,
      );
    }
    await setUpHostNetwork(net);
    this.say(`node hosts ${cfg.nodes.join(', ')} on bridge ${net.bridge} (${net.gateway}/24)`);

    // Shims need no API server: each node's shim starts and takes its images
    // (and the image builder its copy) while the control plane comes up.
    const nodeParts = cfg.nodes.map((n) => nodeComponents(cfg, this.paths, net, n));
    const background = [
      ...cfg.nodes.map((n, i) => this.startShim(n, nodeParts[i]![0]!, o.images)),
      this.importIntoBuilder(o.images),
    ];
    const admin = secrets.identities.get('admin')!;
    const client = new RestClient({ server: local, ca: secrets.ca, token: admin.token });
    try {
      await this.startControlPlane(cfg, net, client);
    } catch (e) {
      // Nothing is left starting behind the error, for `tug down` to clean up after.
      await Promise.allSettled(background);
      client.close();
      throw e;
    }
    await Promise.all(background);
    await this.startAll(nodeParts.map(([, agent]) => agent!));
    const nodes = client.resource<Node>(nodesInfo);
    await waitFor(
      async () => {
        const list = await nodes.list();
        const ready = list.items.filter((x) =>
          x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready.length === cfg.nodes.length ? list.items : undefined;
      },
      {
        timeoutMs: Math.max(10_000, deadline - (Date.now() - t0)),
        intervalMs: 200,
        what: `${cfg.nodes.length} Ready nodes (logs: ${this.paths.p('logs')})`,
      },
    );
    await this.routeHostToPods(client, net);
    this.say(`${cfg.nodes.length} node(s) Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return client;
  }

  /** startControlPlane starts etcd, then the API server, then the controller manager and scheduler. */
  private async startControlPlane(
    cfg: ClusterConfig,
    net: HostNetwork,
    client: RestClient,
  ): Promise<void> {
    const plane = controlPlane(cfg, this.paths, net);
    const etcds = plane.filter((c) => c.command === 'etcd');
    const [apiserver, ...rest] = plane.filter((c) => c.command !== 'etcd');
    // Every member starts before any is waited for: a cluster of three needs two for quorum.
    await this.startAll(etcds);
    for (const [i, m] of cfg.etcdMembers.entries()) {
      await this.waitProcess(
        etcds[i]!,
        () => fetchOk(`http://127.0.0.1:${m.client}/health`),
        30_000,
      );
    }
    await this.startAll([apiserver!]);
    await this.waitProcess(
      apiserver!,
      async () => (await client.requestText({ path: '/readyz' })) === 'ok',
      30_000,
    );
    await this.waitProcess(
      apiserver!,
      async () => !!(await client.request({ path: '/api/v1/namespaces/default' })),
      30_000,
    );
    this.say(`API server ready at https://127.0.0.1:${cfg.apiserverPort}`);
    await this.startAll(rest);
  }

  /** startShim starts a node's shim, waits until it answers, and imports the images into it. */
  private async startShim(node: string, shim: Component, images: string[]): Promise<void> {
    await this.startAll([shim]);
    const address = `unix://${this.paths.shimSocket(node)}`;
    await this.waitProcess(shim, () => shimAnswers(address), 30_000);
    for (const image of images) {
      const got = await importFile(image, address);
      this.say(`${node}: imported ${got.map((i) => i.repoTags?.join(', ') ?? i.id).join('; ')}`);
    }
  }

  /** importIntoBuilder puts images into `tug image`'s builder store (under its lock). */
  private async importIntoBuilder(images: string[]): Promise<void> {
    if (images.length === 0) return;
    const dir = this.paths.p('images');
    await using _lock = await lockStore(dir);
    const store = new LocalImageStore({ root: dir });
    for (const image of images) await store.importArchive(createReadStream(image));
    this.say(`image builder: imported ${images.length} archive(s)`);
  }

  /** waitProcess waits for `ready`, failing early (with the log's tail) if the process exits. */
  private async waitProcess(
    c: Component,
    ready: () => Promise<boolean>,
    timeoutMs: number,
  ): Promise<void> {
    try {
      await waitFor(
        async () => {
          if (!(await readPid(c.pidFile))) throw new CommandError(`${c.name} exited`);
          return ready();
        },
        { timeoutMs, intervalMs: 100, what: c.name },
      );
    } catch (e) {
      const tail = (await readFile(c.logFile, 'utf8').catch(() => ''))
        .trim()
        .split('\n')
        .slice(-8)
        .join('\n  ');
      throw new CommandError(
        `${c.name} did not come up: ${(e as Error).message}\n  log ${c.logFile}:\n  ${tail}`,
        { cause: e },
      );
    }
  }

  /** routeHostToPods lets the host reach pods: a route per node's pod CIDR via the node's address. */
  private async routeHostToPods(client: RestClient, net: HostNetwork): Promise<void> {
    const list = await client.resource<Node>(nodesInfo).list();
    for (const n of list.items) {
      const host = net.nodes.find((h) => h.node === n.metadata.name);
      if (host && n.spec?.podCIDR)
        await sh('ip', ['route', 'replace', n.spec.podCIDR, 'via', host.ip]);
    }
  }

  /**
   * down stops every process (agents first, leaving nothing for them to
   * restart), removes every pod through each node's shim, then tears down the
   * node hosts, cgroups and mounts; the state dir goes unless `keepData`.
   */
  async down(keepData: boolean): Promise<void> {
    const cfg = await this.existingConfig();
    if (!cfg) {
      this.say(`no cluster "${this.opts.name}" at ${this.paths.root}`);
      return;
    }
    const net = this.network(cfg);
    const nodeParts = cfg.nodes.map((n) => nodeComponents(cfg, this.paths, net, n));
    for (const [, agent] of nodeParts)
      if (await stopProcess(agent!.pidFile)) this.say(`stopped ${agent!.name}`);
    for (const [[shim], n] of nodeParts.map((p, i) => [p, cfg.nodes[i]!] as const)) {
      if (await readPid(shim!.pidFile)) {
        const removed = await removeAllPods(`unix://${this.paths.shimSocket(n)}`);
        if (removed) this.say(`${n}: removed ${removed} pod sandbox(es)`);
      }
      if (await stopProcess(shim!.pidFile)) this.say(`stopped ${shim!.name}`);
    }
    for (const c of controlPlane(cfg, this.paths, net).reverse()) {
      if (await stopProcess(c.pidFile)) this.say(`stopped ${c.name}`);
    }
    await unmountUnder(this.paths.root);
    await tearDownHostNetwork(net);
    for (const n of cfg.nodes) await removeCgroup(cgroupParent(cfg, n));
    this.say(`removed node hosts and bridge ${net.bridge}`);
    if (!keepData) {
      await releaseIndex(dirname(this.paths.root), cfg);
      await rm(this.paths.root, { recursive: true, force: true });
      this.say(`removed ${this.paths.root}`);
    }
  }

  /**
   * joinCommand is the command a node on another machine (or another network
   * namespace on the cluster's bridge) runs to join this cluster; the CA file
   * must be copied there first.
   */
  async joinCommand(nodeName = 'NODE-NAME'): Promise<string | undefined> {
    const cfg = await this.existingConfig();
    if (!cfg) return undefined;
    const { identities } = await ensureSecrets(this.paths.root, cfg);
    const token = identities.get('join')?.token;
    if (!token) return undefined;
    const net = this.network(cfg);
    return (
      `tug join --server https://${net.gateway}:${cfg.apiserverPort} --token ${token} ` +
      `--certificate-authority ${this.paths.p('pki', 'ca.crt')} --cluster-cidr ${cfg.podCidr} --node-name ${nodeName}`
    );
  }

  /** status reports each process of the cluster. */
  async status(): Promise<{ name: string; pid?: number }[]> {
    const cfg = await this.existingConfig();
    if (!cfg) return [];
    const net = this.network(cfg);
    const all = [
      ...controlPlane(cfg, this.paths, net),
      ...cfg.nodes.flatMap((n) => nodeComponents(cfg, this.paths, net, n)),
    ];
    const out: { name: string; pid?: number }[] = [];
    for (const c of all) {
      const pid = await readPid(c.pidFile);
      out.push(pid ? { name: c.name, pid } : { name: c.name });
    }
    return out;
  }
}

async function fetchOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.ok;
}

export async function shimAnswers(address: string): Promise<boolean> {
  const c = connectRuntime(address);
  try {
    await c.runtime.Version({}, { timeoutMs: 2000 });
    return true;
  } finally {
    c.close();
  }
}

/** removeAllPods stops and removes every pod sandbox a shim has (containers go with them). */
export async function removeAllPods(address: string): Promise<number> {
  const c = connectRuntime(address);
  try {
    const { items } = await c.runtime.ListPodSandbox({}, { timeoutMs: 10_000 });
    for (const s of items ?? []) {
      await c.runtime.StopPodSandbox({ podSandboxId: s.id }, { timeoutMs: 60_000 });
      await c.runtime.RemovePodSandbox({ podSandboxId: s.id }, { timeoutMs: 60_000 });
    }
    return items?.length ?? 0;
  } catch {
    return 0;
  } finally {
    c.close();
  }
}

/** unmountUnder unmounts anything still mounted below `dir`, deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = info
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await sh('umount', ['-l', p]).catch(() => '');
}

/** removeCgroup removes a (now empty) cgroup from every v1 hierarchy and the unified one. */
export async function removeCgroup(path: string): Promise<void> {
  const roots = await readdir('/sys/fs/cgroup').catch(() => [] as string[]);
  for (const r of ['', ...roots]) {
    const dir = join('/sys/fs/cgroup', r, path);
    if (!existsSync(dir)) continue;
    const children = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory());
    for (const ch of children) await rmdir(join(dir, ch.name)).catch(() => {});
    await rmdir(dir).catch(() => {});
  }
}

/**
 * applyManifests applies each document of a YAML file as `tug apply -f`
 * does (created, configured or unchanged), and returns kubectl's lines.
 */
export async function applyManifests(
  client: RestClient,
  file: string,
  namespace = 'default',
): Promise<string[]> {
  const out: string[] = [];
  for (const m of parseManifests(await readFile(file, 'utf8'), file)) {
    const r = resolveManifest(m, { namespace, namespaceExplicit: false, validation: 'strict' });
    if (typeof r === 'string') throw new CommandError(r);
    const { outcome } = await applyOne(client, r, 'strict', 'none', (w) =>
      out.push(`Warning: ${w}`),
    );
    out.push(`${objectName(r.info, r.name)} ${outcome}`);
  }
  return out;
}

/** defaultImages are the built-in test images (built by scripts/build-test-images.sh). */
export const defaultImages = (): string[] =>
  ['busybox.tar', 'webserver.tar']
    .map((f) => join(repoRoot, 'dist', 'test-images', f))
    .filter((f) => existsSync(f));

/** userKubeconfig is where `tug up` copies the admin kubeconfig for `tug` to find. */
export const userKubeconfig = (): string => join(homedir(), '.tug', 'kubeconfig');
