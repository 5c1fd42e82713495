import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RestClient } from '../../controlplane/client/index.js';
import { nopLogger, type Logger } from '../../lib/log.js';
import { NodeAgent, type AgentTimings } from '../agent.js';
import type { MachineInfo } from '../node/machine.js';
import { FakeRuntime, type FakeRuntimeOptions } from './fake-runtime.js';

/** HOLLOW_MACHINE is the machine a hollow node reports: 4 cores, 8 GiB, no real host. */
export const HOLLOW_MACHINE: MachineInfo = {
  cpuCores: 4,
  memoryBytes: 8 * 1024 ** 3,
  osImage: 'Tugboat hollow node',
  kernelVersion: 'hollow',
  architecture: 'amd64',
  machineID: '',
  bootID: '',
  systemUUID: '',
};

/** HollowNodesOptions: how many nodes, their names, and what their fake runtimes do. */
export interface HollowNodesOptions {
  rest: RestClient;
  count: number;
  /** namePrefix names nodes `<prefix>-<i>` (i from 1); default `hollow`. */
  namePrefix?: string;
  logger?: Logger;
  timings?: Partial<AgentTimings>;
  /** runtime options for each node's FakeRuntime (podSubnet defaults to `10.<100+i>.0`). */
  runtime?: (index: number) => FakeRuntimeOptions;
  maxPods?: number;
}

/** HollowNode is one agent with its fake runtime. */
export interface HollowNode {
  name: string;
  agent: NodeAgent;
  runtime: FakeRuntime;
}

/** HollowNodes is a running set of hollow nodes; dispose to stop them and remove their dirs. */
export interface HollowNodes extends AsyncDisposable {
  nodes: HollowNode[];
}

/**
 * startHollowNodes runs `count` node agents in this process against a real
 * API server, each on its own FakeRuntime (kubemark's hollow nodes): they
 * register Nodes, renew Leases and run pods whose containers are fakes,
 * with pod IPs from a per-node subnet. Each agent has its own temp root
 * directory and metrics registry.
 */
export async function startHollowNodes(opts: HollowNodesOptions): Promise<HollowNodes> {
  const ac = new AbortController();
  const root = await mkdtemp(join(tmpdir(), 'tug-hollow-'));
  const nodes: HollowNode[] = [];
  const runs: Promise<void>[] = [];
  for (let i = 1; i <= opts.count; i++) {
    const name = `${opts.namePrefix ?? 'hollow'}-${i}`;
    const runtime = new FakeRuntime({
      podSubnet: `10.${100 + (i % 150)}.${Math.floor(i / 150)}`,
      recordCalls: false,
      ...opts.runtime?.(i),
    });
    const agent = new NodeAgent({
      nodeName: name,
      rest: opts.rest,
      runtime,
      rootDir: join(root, name),
      nodeIP: `10.99.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      machine: HOLLOW_MACHINE,
      logger: (opts.logger ?? nopLogger).with({ hollow: name }),
      ...(opts.maxPods ? { maxPods: opts.maxPods } : {}),
      ...(opts.timings ? { timings: opts.timings } : {}),
    });
    nodes.push({ name, agent, runtime });
    runs.push(
      agent.run(ac.signal).catch((err: unknown) => {
        if (!ac.signal.aborted)
          (opts.logger ?? nopLogger).error('hollow node failed', { name, err });
      }),
    );
  }
  let disposed = false;
  return {
    nodes,
    async [Symbol.asyncDispose]() {
      if (disposed) return;
      disposed = true;
      ac.abort();
      await Promise.all(runs);
      await rm(root, { recursive: true, force: true });
    },
  };
}
