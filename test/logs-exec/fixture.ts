/**
 * One real node for logs/exec/stats tests, in this process except the
 * shim: real etcd and API server (with a kubelet client certificate), the
 * runtime shim as a process (crun, conmon, CNI), a NodeAgent and its
 * AgentServer trusting the test CA. Also small HTTPS/WebSocket helpers that
 * talk to the API server as the admin. Needs root and `npm run build`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { findResource } from '../../controlplane/api/resources.js';
import type { Node, Pod, StoredPod } from '../../controlplane/api/types/index.js';
import { generateCa, generateCert, type KeyPair } from '../../lib/pki.js';
import { nopLogger } from '../../lib/log.js';
import { realClock } from '../../lib/time.js';
import { waitFor } from '../../lib/wait.js';
import { NodeAgent, grpcRuntime } from '../../node-agent/index.js';
import {
  AgentServer,
  StatsCollector,
  grpcStreamingRuntime,
  readHostSample,
  servingCertificate,
} from '../../node-agent/server/index.js';
import { connectRuntime, type RuntimeClients } from '../../proto/loader.js';
import { readCgroupLayout } from '../../runtime-shim/cgroups/layout.js';
import { removeCgroup } from '../../runtime-shim/cgroups/remove.js';
import { makeTestNetwork, type TestNetwork } from '../../runtime-shim/network/test-fixture.js';
import { runCommand } from '../../runtime-shim/util/command.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const SHIM = join(repo, 'bin', 'tug-shim');
const podsInfo = findResource('', 'v1', 'pods')!;
const nodesInfo = findResource('', 'v1', 'nodes')!;

/** NodeFixture is a running one-node cluster; dispose removes everything, also after failures. */
export interface NodeFixture extends AsyncDisposable {
  api: TestApiServer;
  nodeName: string;
  agentServer: AgentServer;
  /** ca signed the API server's kubelet client certificate (the agent trusts it). */
  ca: KeyPair;
  clientCert: KeyPair;
  dir: string;
  createPod(pod: Pod): Promise<void>;
  waitPod(name: string, cond: (p: StoredPod) => boolean, what: string): Promise<StoredPod>;
}

async function mountsUnder(dir: string): Promise<string[]> {
  return (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => m !== undefined && m.startsWith(dir));
}

/** startNode brings the fixture up; on failure it tears down what it made and rethrows. */
export async function startNode(): Promise<NodeFixture> {
  if (!existsSync(join(repo, 'dist', 'runtime-shim', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before this test');
  }
  const tag = randomBytes(4).toString('hex');
  const nodeName = `lx-${tag}`;
  const cgroupParent = `/tug-logs-exec-${tag}`;
  const dir = await mkdtemp(join(tmpdir(), `tug-logs-exec-${tag}-`));
  const undo: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const dispose = async (): Promise<void> => {
    for (const u of undo.splice(0).reverse()) await u().catch(() => undefined);
  };
  try {
    const net: TestNetwork = await makeTestNetwork();
    undo.push(async () => net[Symbol.asyncDispose]());
    undo.push(async () => {
      await removeCgroup(await readCgroupLayout(), cgroupParent);
      for (const m of (await mountsUnder(dir)).sort((a, b) => b.length - a.length)) {
        await runCommand('umount', ['-l', m]).catch(() => undefined);
      }
    });
    const images = spawnSync('bash', [join(repo, 'scripts', 'build-test-images.sh')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (images.status !== 0) throw new Error(`build-test-images.sh failed: ${images.stderr}`);

    const address = `unix://${join(dir, 'shim.sock')}`;
    const clients: RuntimeClients = connectRuntime(address);
    undo.push(async () => clients.close());
    const log = openSync(join(dir, 'shim.log'), 'a');
    const shim: ChildProcess = spawn(
      process.execPath,
      [
        SHIM,
        '--listen',
        address,
        '--root',
        join(dir, 'shim'),
        '--cni-conf-dir',
        join(dir, 'net.d'),
        '--cgroup-parent',
        cgroupParent,
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    undo.push(async () => {
      if (shim.exitCode !== null) return;
      const { items } = await clients.runtime.ListPodSandbox({}, { timeoutMs: 30_000 });
      for (const s of items) {
        await clients.runtime.RemovePodSandbox({ podSandboxId: s.id }, { timeoutMs: 60_000 });
      }
      shim.kill('SIGTERM');
      await waitFor(() => shim.exitCode !== null, { timeoutMs: 20_000 }).catch(() =>
        shim.kill('SIGKILL'),
      );
    });
    await waitFor(
      async () => {
        if (shim.exitCode !== null)
          throw new Error(`tug-shim exited: ${await readFile(join(dir, 'shim.log'), 'utf8')}`);
        return (await clients.runtime.Version({ version: 'v1' }, { timeoutMs: 1000 })).runtimeName;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'tug-shim to serve' },
    );
    const imp = spawnSync(
      process.execPath,
      [SHIM, 'import', join(repo, 'dist', 'test-images', 'busybox.tar'), '--address', address],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (imp.status !== 0) throw new Error(`tug-shim import failed: ${imp.stderr}`);

    const ca = await generateCa('tug-logs-exec-test-ca');
    const clientCert = await generateCert(ca, {
      commonName: 'kube-apiserver-kubelet-client',
      organizations: ['system:masters'],
      usage: ['client'],
    });
    const api = await startApiServer({ kubeletClient: clientCert });
    undo.push(() => api[Symbol.asyncDispose]());

    const runtime = grpcRuntime(clients);
    const streaming = grpcStreamingRuntime(clients, runtime.runtime);
    const made: { agent?: NodeAgent } = {};
    const stats = new StatsCollector({
      nodeName,
      runtime: streaming,
      readHost: readHostSample,
      pod: (uid) => made.agent?.podByUid(uid),
      clock: realClock,
      logger: nopLogger,
      intervalMs: 1000,
    });
    const agentServer = await AgentServer.listen({
      host: '127.0.0.1',
      port: 0,
      tls: await servingCertificate({
        certDir: join(dir, 'pki'),
        nodeName,
        nodeIP: '127.0.0.1',
      }),
      clientCa: ca.cert,
      pods: (ns, name) => made.agent?.pod(ns, name),
      runtime: streaming,
      stats,
      logger: nopLogger,
    });
    undo.push(() => agentServer[Symbol.asyncDispose]());
    const agent = new NodeAgent({
      nodeName,
      rest: api.client,
      runtime,
      rootDir: join(dir, 'agent'),
      podLogDir: join(dir, 'pod-logs'),
      nodeIP: '127.0.0.1',
      cniConfDir: join(dir, 'net.d'),
      cniBridge: net.bridge,
      cniNetworkName: net.networkName,
      podCidr: net.subnet,
      daemonPort: agentServer.port,
      timings: { crashBackoffInitialMs: 1000, crashBackoffMaxMs: 2000 },
    });
    made.agent = agent;
    const stop = new AbortController();
    const running = Promise.all([agent.run(stop.signal), stats.run(stop.signal)]);
    undo.push(async () => {
      stop.abort();
      await running;
    });
    await waitFor(
      async () => {
        const n = await api.client.resource<Node>(nodesInfo).get(nodeName);
        return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      { timeoutMs: 60_000, what: 'the node to be Ready' },
    );
    const pods = () => api.client.resource<Pod>(podsInfo).namespace('default');
    // Pods go away before the agent stops, so it removes their containers.
    undo.push(async () => {
      const list = await pods().list();
      for (const p of list.items) {
        await pods()
          .delete(p.metadata.name, { gracePeriodSeconds: 0 })
          .catch(() => undefined);
      }
      await waitFor(
        async () =>
          (await clients.runtime.ListPodSandbox({}, { timeoutMs: 10_000 })).items.length === 0,
        { timeoutMs: 60_000, what: 'the pods to be removed' },
      ).catch(() => undefined);
    });
    return {
      api,
      nodeName,
      agentServer,
      ca,
      clientCert,
      dir,
      async createPod(pod) {
        await pods().create({ ...pod, spec: { nodeName, ...pod.spec! } });
      },
      waitPod: (name, cond, what) =>
        waitFor(
          async () => {
            const p = await pods().get(name);
            return cond(p) ? p : undefined;
          },
          { timeoutMs: 90_000, what },
        ),
      [Symbol.asyncDispose]: dispose,
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}

/** HttpAnswer is a finished HTTPS answer. */
export interface HttpAnswer {
  status: number;
  type: string;
  body: string;
}

/** apiGet sends `GET path` to the API server as the admin and reads the whole answer. */
export function apiGet(api: TestApiServer, path: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}${path}`, {
      ca: api.ca,
      headers: { Authorization: `Bearer ${api.token}` },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * apiStream sends `GET path` and calls `onText` with everything received so
 * far, until `onText` returns true (then it hangs up) or the answer ends.
 * Resolves with the text.
 */
export function apiStream(
  api: TestApiServer,
  path: string,
  onText: (text: string) => boolean,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}${path}`, {
      ca: api.ca,
      headers: { Authorization: `Bearer ${api.token}` },
    });
    let text = '';
    req.on('response', (res) => {
      res.on('data', (b: Buffer) => {
        text += b.toString();
        if (onText(text)) {
          req.destroy();
          resolve(text);
        }
      });
      res.on('end', () => resolve(text));
      res.on('error', () => resolve(text));
      res.on('close', () => resolve(text));
    });
    req.on('error', (e) => (req.destroyed ? resolve(text) : reject(e)));
    req.end();
  });
}

/** ExecResult is what an exec over WebSocket produced. */
export interface ExecResult {
  protocol: string;
  stdout: string;
  stderr: string;
  status: unknown;
  closeCode: number;
}

/**
 * apiExec runs a command through `pods/NAME/exec` over WebSocket, as
 * kubectl 1.32 does: channel frames, stdin then a v5 close of stream 0.
 */
export function apiExec(
  api: TestApiServer,
  query: string,
  opts: { protocols?: string[]; stdin?: string; pod?: string; token?: string; path?: string } = {},
): Promise<ExecResult> {
  const path = opts.path ?? `/api/v1/namespaces/default/pods/${opts.pod ?? 'talker'}/exec`;
  const url = `${api.url.replace('https', 'wss')}${path}?${query}`;
  const ws = new WebSocket(url, opts.protocols ?? ['v5.channel.k8s.io', 'v4.channel.k8s.io'], {
    ca: api.ca,
    headers: { Authorization: `Bearer ${opts.token ?? api.token}` },
  });
  const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], error: [] as Buffer[] };
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () =>
        reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString()}`)),
      );
    });
    ws.on('error', reject);
    ws.on('open', () => {
      if (opts.stdin !== undefined) {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(opts.stdin)]));
        ws.send(Buffer.from([255, 0]));
      }
    });
    ws.on('message', (data: Buffer) => {
      const target = [undefined, out.stdout, out.stderr, out.error][data[0]!];
      target?.push(data.subarray(1));
    });
    ws.on('close', (code) => {
      const err = Buffer.concat(out.error).toString();
      resolve({
        protocol: ws.protocol,
        stdout: Buffer.concat(out.stdout).toString(),
        stderr: Buffer.concat(out.stderr).toString(),
        status: err ? JSON.parse(err) : undefined,
        closeCode: code,
      });
    });
  });
}
