import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { isNotFound } from '../../controlplane/api/errors.js';
import { findResource } from '../../controlplane/api/resources.js';
import type { Node } from '../../controlplane/api/types/index.js';
import { RestClient } from '../../controlplane/client/index.js';
import { importFile } from '../../runtime-shim/import-client.js';
import { waitFor } from '../../lib/wait.js';
import { agentArgs, nodeShimSocket, shimArgs, type NodeSpec } from './components.js';
import { readPid, startDetached, stopProcess } from './processes.js';
import {
  CommandError,
  removeAllPods,
  removeCgroup,
  shimAnswers,
  unmountUnder,
} from './local-cluster.js';

const nodesInfo = findResource('', 'v1', 'nodes')!;

/** JoinRequest is what `tug join` is given: how to reach the cluster, and this node's settings. */
export interface JoinRequest {
  server: string;
  token: string;
  caFile: string;
  nodeName: string;
  clusterCidr: string;
  runtime: 'crun' | 'runc';
  nodeIp?: string;
  images: string[];
}

/**
 * JoinedNode is this machine (or network namespace) as a node of a cluster
 * it joined with a token: a shim and an agent, detached, everything under
 * one state dir. `leave` removes its pods, processes, Node object and state.
 */
export class JoinedNode {
  constructor(
    private readonly dir: string,
    private readonly say: (line: string) => void,
  ) {}

  private pid(name: string): string {
    return join(this.dir, 'run', `${name}.pid`);
  }

  private log(name: string): string {
    return join(this.dir, 'logs', `${name}.log`);
  }

  /** join starts the shim and the agent and waits until the Node is Ready. */
  async join(r: JoinRequest, timeoutMs = 90_000): Promise<void> {
    const ca = await readFile(r.caFile, 'utf8').catch(() => {
      throw new CommandError(`cannot read the cluster CA ${r.caFile}`);
    });
    const client = new RestClient({ server: r.server, token: r.token, ca });
    try {
      await client.request({ path: '/version' }).catch((e: unknown) => {
        throw new CommandError(
          `cannot reach the API server at ${r.server}: ${(e as Error).message}`,
        );
      });
      for (const d of ['run', 'logs', 'shim', 'cni', 'agent', 'pods'])
        await mkdir(join(this.dir, d), { recursive: true, mode: 0o700 });
      const spec: NodeSpec = {
        node: r.nodeName,
        ip: r.nodeIp ?? firstIpv4(),
        dir: this.dir,
        runtime: r.runtime,
        cgroupParent: `/tug-join-${r.nodeName}`,
        clusterCidr: r.clusterCidr,
        caFile: r.caFile,
        api: { server: r.server, token: r.token },
      };
      await writeFile(
        join(this.dir, 'node.json'),
        JSON.stringify({ spec, server: r.server, token: r.token }, null, 2),
        { mode: 0o600 },
      );
      await this.start('shim', shimArgs(spec));
      const address = `unix://${nodeShimSocket(spec)}`;
      await waitFor(() => shimAnswers(address), {
        timeoutMs: 30_000,
        what: `the shim (log ${this.log('shim')})`,
      });
      for (const image of r.images) await importFile(image, address);
      await this.start('agent', agentArgs(spec));
      await waitFor(
        async () => {
          const n = await client.resource<Node>(nodesInfo).get(r.nodeName);
          return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        },
        {
          timeoutMs,
          intervalMs: 250,
          what: `node ${r.nodeName} to be Ready (log ${this.log('agent')})`,
        },
      );
      this.say(`node ${r.nodeName} (${spec.ip}) joined ${r.server} and is Ready`);
    } finally {
      client.close();
    }
  }

  private async start(name: string, args: string[]): Promise<void> {
    const p = await startDetached({
      command: process.execPath,
      args,
      pidFile: this.pid(name),
      logFile: this.log(name),
    });
    this.say(
      p.started ? `started ${name} (pid ${p.pid})` : `${name} already running (pid ${p.pid})`,
    );
  }

  /** leave removes this node: its pods, its processes, its Node object, its cgroups, mounts and state. Idempotent. */
  async leave(): Promise<void> {
    const file = join(this.dir, 'node.json');
    if (!existsSync(file)) {
      this.say(`no joined node at ${this.dir}`);
      return;
    }
    const { spec, server, token } = JSON.parse(await readFile(file, 'utf8')) as {
      spec: NodeSpec;
      server: string;
      token: string;
    };
    if (await stopProcess(this.pid('agent'))) this.say('stopped agent');
    if (await readPid(this.pid('shim'))) {
      const removed = await removeAllPods(`unix://${nodeShimSocket(spec)}`);
      if (removed) this.say(`removed ${removed} pod sandbox(es)`);
    }
    if (await stopProcess(this.pid('shim'))) this.say('stopped shim');
    const client = new RestClient({ server, token, ca: await readFile(spec.caFile, 'utf8') });
    try {
      await client.resource<Node>(nodesInfo).delete(spec.node);
      this.say(`deleted node ${spec.node}`);
    } catch (e) {
      if (!isNotFound(e)) this.say(`could not delete node ${spec.node}: ${(e as Error).message}`);
    } finally {
      client.close();
    }
    await unmountUnder(this.dir);
    await removeCgroup(spec.cgroupParent);
    await rm(this.dir, { recursive: true, force: true });
  }
}

function firstIpv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new CommandError('no IPv4 address found for this node: give --node-ip');
}
