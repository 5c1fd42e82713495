/**
 * Helpers for end-to-end tests on a real local cluster (`cli/up`'s
 * LocalCluster: etcd, the control plane, and per node a network namespace
 * running the real shim and agent with crun): start one per test file, reach
 * its pods' network namespaces and containers from the host, run the real
 * kubectl against it, and always tear it down.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findResource } from '../../controlplane/api/resources.js';
import type {
  Deployment,
  Event,
  Node,
  Pod,
  StoredPod,
} from '../../controlplane/api/types/index.js';
import type { ResourceClient, RestClient } from '../../controlplane/client/index.js';
import { loadOrCreateConfig, type ComponentName } from '../../cli/up/config.js';
import { nodeComponents } from '../../cli/up/components.js';
import { defaultImages, LocalCluster } from '../../cli/up/local-cluster.js';
import { readPid, startDetached, stopProcess } from '../../cli/up/processes.js';
import { waitFor } from '../../lib/wait.js';

const exec = promisify(execFile);

/** STATE_PARENT holds every local cluster's state dir: clusters beside each other pick distinct address ranges. */
const STATE_PARENT = '/var/lib/tug';

const podsInfo = findResource('', 'v1', 'pods')!;
const nodesInfo = findResource('', 'v1', 'nodes')!;
const eventsInfo = findResource('', 'v1', 'events')!;
const deploymentsInfo = findResource('apps', 'v1', 'deployments')!;

export interface TestClusterOptions {
  /** prefix starts the cluster's name (a random tag follows). */
  prefix: string;
  nodes: number;
  extraArgs?: Partial<Record<ComponentName, string[]>>;
  /** timeoutMs bounds bringing the cluster up (default 150 s: the machine is shared). */
  timeoutMs?: number;
}

/**
 * TestCluster is one running local cluster for a test file: its admin
 * client, typed clients for what tests touch, and ways into its nodes, pods
 * and containers. `down()` (and disposing) removes everything; both are
 * idempotent.
 */
export interface TestCluster {
  name: string;
  stateDir: string;
  local: LocalCluster;
  client: RestClient;
  kubeconfig: string;
  nodeNames: string[];
  pods: ResourceClient<Pod>;
  nodes: ResourceClient<Node>;
  events: ResourceClient<Event>;
  deployments: ResourceClient<Deployment>;
  /** kubectl runs the real kubectl against the cluster and returns its stdout (rejects on a non-zero exit). */
  kubectl(args: string[], timeoutMs?: number): Promise<string>;
  /** podNetns is the path of the network namespace the node's shim pinned for this pod. */
  podNetns(pod: StoredPod): Promise<string>;
  /** podNetworks maps pod uid → pinned network namespace for every pod sandbox the node's shim keeps. */
  podNetworks(node: string): Promise<Map<string, string>>;
  /** inPod runs a command from the host inside a pod's network namespace. */
  inPod(pod: StoredPod, cmd: string, args: string[]): Promise<string>;
  /** containerPid is the host pid of a running container's first process (from `crun state`). */
  containerPid(pod: StoredPod, container: string): Promise<number>;
  /** inContainer runs a command in a running container's mount namespace (its files, its binaries). */
  inContainer(pod: StoredPod, container: string, cmd: string[]): Promise<string>;
  /** agentPidFile is where the node's agent pid is kept. */
  agentPidFile(node: string): string;
  /** stopAgent stops the node's agent with SIGTERM (SIGKILL when `kill`), leaving its shim and pods. */
  stopAgent(node: string, kill?: boolean): Promise<void>;
  /** startAgent starts the node's agent again with the command line `up` uses. */
  startAgent(node: string): Promise<void>;
  down(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** kubectlBin is the real kubectl (KUBECTL-COMPAT.md's version); $KUBECTL overrides it. */
const kubectlBin = process.env['KUBECTL'] ?? '/usr/bin/kubectl';

/**
 * startTestCluster brings up a cluster named `<prefix>-<random>` with the
 * built-in test images, state under /var/lib/tug/<name>, and waits for every
 * node to be Ready. Needs root and the build (`npm run build`,
 * scripts/build-test-images.sh). On failure everything it made is removed
 * before the error is thrown.
 */
export async function startTestCluster(o: TestClusterOptions): Promise<TestCluster> {
  if (process.getuid?.() !== 0) {
    throw new Error('end-to-end tests need root (network namespaces, mounts, containers)');
  }
  const images = defaultImages();
  if (images.length < 2) {
    throw new Error(
      'the test images are missing: run `npm run build && bash scripts/build-test-images.sh`',
    );
  }
  const name = `${o.prefix}-${randomBytes(3).toString('hex')}`;
  const stateDir = join(STATE_PARENT, name);
  const lines: string[] = [];
  const local = new LocalCluster({ name, stateDir, say: (l) => lines.push(l) });
  let client: RestClient;
  try {
    // Two clusters made at once could read the same free address range; take turns.
    await withLock(join(STATE_PARENT, '.tug-e2e-up.lock'), async () => {
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
      await loadOrCreateConfig(stateDir, {
        name,
        nodes: o.nodes,
        runtime: 'crun',
        ...(o.extraArgs ? { extraArgs: o.extraArgs } : {}),
      });
    });
    client = await local.up({
      nodes: o.nodes,
      runtime: 'crun',
      images,
      timeoutMs: o.timeoutMs ?? 150_000,
      ...(o.extraArgs ? { extraArgs: o.extraArgs } : {}),
    });
  } catch (e) {
    await local.down(false).catch(() => undefined);
    throw new Error(`cluster ${name} did not come up: ${(e as Error).message}`, { cause: e });
  }
  const cfg = (await local.existingConfig())!;
  const net = local.network(cfg);
  const paths = local.paths;
  let downed = false;
  const containerPid = async (pod: StoredPod, container: string): Promise<number> => {
    const st = pod.status?.containerStatuses?.find((c) => c.name === container);
    const id = st?.containerID?.replace(/^[a-z-]+:\/\//, '');
    const node = pod.spec?.nodeName;
    if (!id || !node || !st?.state?.running) {
      throw new Error(`${pod.metadata.name}/${container} is not running`);
    }
    const { stdout } = await exec('crun', [
      '--root',
      paths.node(node, 'shim', 'runtime'),
      'state',
      id,
    ]);
    return (JSON.parse(stdout) as { pid: number }).pid;
  };
  const podNetworks = async (node: string): Promise<Map<string, string>> => {
    const dir = paths.node(node, 'shim', 'network', 'sandboxes');
    const out = new Map<string, string>();
    for (const f of await readdir(dir)) {
      const rec = JSON.parse(await readFile(join(dir, f), 'utf8')) as {
        netnsPath?: string;
        request?: { uid?: string };
      };
      if (rec.request?.uid && rec.netnsPath) out.set(rec.request.uid, rec.netnsPath);
    }
    return out;
  };
  const tc: TestCluster = {
    name,
    stateDir,
    local,
    client,
    kubeconfig: paths.adminKubeconfig,
    nodeNames: cfg.nodes,
    pods: client.resource<Pod>(podsInfo, 'default'),
    nodes: client.resource<Node>(nodesInfo),
    events: client.resource<Event>(eventsInfo, 'default'),
    deployments: client.resource<Deployment>(deploymentsInfo, 'default'),
    async kubectl(args, timeoutMs = 120_000) {
      const { stdout } = await exec(kubectlBin, ['--kubeconfig', paths.adminKubeconfig, ...args], {
        timeout: timeoutMs,
      });
      return stdout;
    },
    async podNetns(pod) {
      const node = pod.spec?.nodeName;
      if (!node) throw new Error(`${pod.metadata.name} is not bound to a node`);
      const ns = (await podNetworks(node)).get(pod.metadata.uid);
      if (!ns) throw new Error(`no network namespace for pod ${pod.metadata.name} on ${node}`);
      return ns;
    },
    podNetworks,
    async inPod(pod, cmd, args) {
      const ns = await tc.podNetns(pod);
      const { stdout } = await exec('nsenter', [`--net=${ns}`, '--', cmd, ...args], {
        timeout: 30_000,
      });
      return stdout;
    },
    containerPid,
    async inContainer(pod, container, cmd) {
      const pid = await containerPid(pod, container);
      const { stdout } = await exec('nsenter', ['-t', String(pid), '-m', '--', ...cmd], {
        timeout: 30_000,
      });
      return stdout;
    },
    agentPidFile: (node) => paths.pid(`${node}-agent`),
    async stopAgent(node, kill = false) {
      const pidFile = tc.agentPidFile(node);
      if (!kill) {
        await stopProcess(pidFile);
        return;
      }
      const pid = await readPid(pidFile);
      if (!pid) throw new Error(`the agent of ${node} is not running`);
      process.kill(pid, 'SIGKILL');
      await waitFor(async () => (await readPid(pidFile)) === undefined, {
        timeoutMs: 10_000,
        what: `agent of ${node} (pid ${pid}) to die`,
      });
    },
    async startAgent(node) {
      const agent = nodeComponents(cfg, paths, net, node).find((c) => c.name === `${node}-agent`);
      if (!agent) throw new Error(`no agent component for ${node}`);
      await startDetached(agent);
    },
    async down() {
      if (downed) return;
      downed = true;
      client.close();
      await local.down(false);
    },
    [Symbol.asyncDispose]: () => tc.down(),
  };
  return tc;
}

/**
 * withLock runs `fn` holding an exclusive lock file (O_EXCL create); a lock
 * older than a minute is taken to be left by a process that died.
 */
async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(STATE_PARENT, { recursive: true });
  const handle = await waitFor(
    async () => {
      try {
        return await open(file, 'wx');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const st = await stat(file).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > 60_000) await rm(file, { force: true });
        return undefined;
      }
    },
    { timeoutMs: 120_000, intervalMs: 100, what: `lock ${file}` },
  );
  try {
    await handle.writeFile(`${process.pid}\n`);
    return await fn();
  } finally {
    await handle.close();
    await rm(file, { force: true });
  }
}
