import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyStrategicMergePatch,
  patchMetaFor,
  type JsonObject,
} from '../../controlplane/api/patch/index.js';
import type { Node, StoredNode } from '../../controlplane/api/types/index.js';
import type { ResourceClient } from '../../controlplane/client/index.js';
import { nopLogger } from '../../lib/log.js';
import { FakeClock } from '../../lib/time.js';
import { waitFor } from '../../lib/wait.js';
import { HOLLOW_MACHINE } from '../testing/hollow.js';
import { osImageFrom } from './machine.js';
import { NodeNetwork } from './network.js';
import { NodeReporter } from './node-reporter.js';
import {
  allocatableOf,
  capacityOf,
  nodeStatus,
  type NodeConfig,
  type NodeHealth,
} from './node-status.js';

const cfg: NodeConfig = {
  nodeName: 'n1',
  nodeIP: '10.0.0.1',
  machine: HOLLOW_MACHINE,
  maxPods: 110,
  labels: {},
  daemonPort: 10255,
};

describe('node status', () => {
  it('reports capacity from the machine or the overrides, allocatable minus eviction reserves', () => {
    expect(capacityOf(cfg)).toEqual({ cpu: '4', memory: '8Gi', pods: '110' });
    expect(capacityOf({ ...cfg, cpu: '1500m', memory: '2Gi', maxPods: 20 })).toEqual({
      cpu: '1500m',
      memory: '2Gi',
      pods: '20',
    });
    expect(allocatableOf(cfg)).toEqual({ cpu: '4', memory: '8092Mi', pods: '110' });
    expect(
      allocatableOf({ ...cfg, ephemeralStorageBytes: 10 * 1024 ** 3 })['ephemeral-storage'],
    ).toBe('9663676416');
  });

  it('keeps lastTransitionTime while Ready stays, moves it when Ready flips', () => {
    const t1 = '2024-01-01T00:00:00Z';
    const t2 = '2024-01-01T00:00:10Z';
    const ready = nodeStatus(
      cfg,
      { runtimeVersion: 'tug-shim://0.1.0', notReady: undefined },
      undefined,
      t1,
      undefined,
    );
    const again = nodeStatus(
      cfg,
      { runtimeVersion: 'tug-shim://0.1.0', notReady: undefined },
      ready,
      t2,
      undefined,
    );
    const r2 = again.conditions?.find((c) => c.type === 'Ready');
    expect(r2).toMatchObject({
      status: 'True',
      reason: 'KubeletReady',
      lastHeartbeatTime: t2,
      lastTransitionTime: t1,
    });
    const down = nodeStatus(
      cfg,
      { runtimeVersion: '', notReady: 'container runtime is down: x' },
      again,
      t2,
      undefined,
    );
    expect(down.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'KubeletNotReady',
      message: 'container runtime is down: x',
      lastTransitionTime: t2,
    });
    expect(down.nodeInfo?.containerRuntimeVersion).toBe('tug-shim://0.1.0'); // kept from before
    expect(down.conditions?.map((c) => c.type)).toEqual([
      'MemoryPressure',
      'DiskPressure',
      'PIDPressure',
      'Ready',
    ]);
  });

  it('reads PRETTY_NAME from os-release', () => {
    expect(osImageFrom('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe(
      'Debian GNU/Linux 12 (bookworm)',
    );
    expect(osImageFrom('')).toBe('Linux');
  });
});

describe('NodeNetwork', () => {
  const node = (podCIDR?: string) =>
    ({
      metadata: { name: 'n1' },
      spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
    }) as StoredNode;

  it('is not ready until the Node has a podCIDR, then writes the bridge conflist for it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tug-agent-net-'));
    try {
      let changes = 0;
      const net = new NodeNetwork({
        cniConfDir: join(dir, 'net.d'),
        bridge: 'tugx0',
        networkName: 'tugboat',
        dataDir: join(dir, 'ipam'),
        logger: nopLogger,
        onChange: () => changes++,
      });
      await net.observe(node());
      expect(net.notReady()).toContain('no podCIDR');
      await net.observe(node('10.244.7.0/24'));
      expect(net.notReady()).toBeUndefined();
      expect(changes).toBe(1);
      const conf = JSON.parse(
        await readFile(join(dir, 'net.d', '10-tugboat.conflist'), 'utf8'),
      ) as {
        plugins: {
          type: string;
          bridge?: string;
          ipam?: { ranges: { subnet: string }[][]; dataDir: string };
        }[];
      };
      expect(conf.plugins[0]).toMatchObject({ type: 'bridge', bridge: 'tugx0' });
      expect(conf.plugins[0]?.ipam?.ranges[0]?.[0]?.subnet).toBe('10.244.7.0/24');
      expect(conf.plugins[0]?.ipam?.dataDir).toBe(join(dir, 'ipam'));
      await net.observe(node('10.244.7.0/24'));
      expect(changes).toBe(1); // unchanged: not written again
      await net.observe(node('not-a-cidr'));
      expect(net.notReady()).toContain('network config');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('with a cluster CIDR the bridge does not masquerade; one agent rule masquerades only traffic leaving the cluster', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tug-agent-net-'));
    const calls: string[] = [];
    const rules = new Set<string>();
    try {
      const net = new NodeNetwork({
        cniConfDir: join(dir, 'net.d'),
        bridge: 'tugx0',
        networkName: 'tugboat',
        dataDir: join(dir, 'ipam'),
        clusterCidr: '10.244.0.0/16',
        logger: nopLogger,
        onChange: () => {},
        iptables: async (args) => {
          calls.push(args.join(' '));
          const [op, ...rule] = args;
          const key = rule.join(' ');
          if (op === '-C' && !rules.has(key)) throw new Error('no such rule');
          if (op === '-A') rules.add(key);
          if (op === '-D') rules.delete(key);
        },
      });
      await net.observe(node('10.244.7.0/24'));
      await net.observe(node('10.244.7.0/24'));
      const conf = JSON.parse(
        await readFile(join(dir, 'net.d', '10-tugboat.conflist'), 'utf8'),
      ) as {
        plugins: { type: string; ipMasq?: boolean }[];
      };
      expect(conf.plugins[0]?.ipMasq).toBe(false);
      expect([...rules]).toEqual([
        'POSTROUTING -t nat -s 10.244.7.0/24 ! -d 10.244.0.0/16 -m comment --comment tugboat pod masquerade -j MASQUERADE',
      ]);
      expect(calls.filter((c) => c.startsWith('-A'))).toHaveLength(1);
      await net.observe(node('10.244.9.0/24'));
      expect([...rules]).toEqual([
        'POSTROUTING -t nat -s 10.244.9.0/24 ! -d 10.244.0.0/16 -m comment --comment tugboat pod masquerade -j MASQUERADE',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('without a CNI conf dir the runtime’s network counts as ready', async () => {
    const net = new NodeNetwork({
      bridge: 'b',
      networkName: 'n',
      dataDir: '/x',
      logger: nopLogger,
      onChange: () => {},
    });
    expect(net.notReady()).toBeUndefined();
  });
});

describe('NodeReporter', () => {
  /** fakeNodes stores one Node; `patch` applies the strategic patch, each call waiting on `gate` first. */
  const fakeNodes = (): {
    nodes: ResourceClient<Node>;
    patches: JsonObject[];
    gate: { wait: Promise<void> | undefined };
  } => {
    let node: StoredNode | undefined;
    let rv = 0;
    const patches: JsonObject[] = [];
    const gate: { wait: Promise<void> | undefined } = { wait: undefined };
    const stored = (n: Node): StoredNode =>
      ({
        ...n,
        metadata: { ...n.metadata, uid: 'u1', resourceVersion: String(++rv) },
      }) as StoredNode;
    const nodes = {
      create: async (n: Node) => (node = stored(n)),
      get: async () => node,
      patch: async (_name: string, _type: string, body: JsonObject) => {
        patches.push(body);
        await gate.wait;
        node = stored(
          applyStrategicMergePatch(node, body, patchMetaFor('', 'Node')) as unknown as Node,
        );
        return node;
      },
    } as unknown as ResourceClient<Node>;
    return { nodes, patches, gate };
  };
  const readyOf = (p: JsonObject | undefined): unknown =>
    (
      (p?.['status'] as { conditions?: { type: string; status: string }[] } | undefined)
        ?.conditions ?? []
    ).find((c) => c.type === 'Ready')?.status;

  it('a kick during a status write is not lost: the new health is written without waiting a period', async () => {
    const clock = new FakeClock();
    const { nodes, patches, gate } = fakeNodes();
    let health: NodeHealth = { runtimeVersion: 'tug-shim://0.1.0', notReady: 'no podCIDR yet' };
    const reporter = new NodeReporter({
      nodes,
      config: cfg,
      health: () => health,
      clock,
      logger: nopLogger,
      updateFrequencyMs: 10_000,
      reportFrequencyMs: 10_000,
    });
    const ac = new AbortController();
    await reporter.register(ac.signal);
    let release!: () => void;
    gate.wait = new Promise((r) => (release = r));
    const running = reporter.run(ac.signal);
    try {
      // Registration wrote the status; the node becomes ready and the write of that is held.
      health = { ...health, notReady: undefined };
      reporter.kick();
      await waitFor(() => patches.length === 1, { timeoutMs: 5_000, what: 'the first write' });
      expect(readyOf(patches[0])).toBe('True');
      // The runtime goes away while that write is in flight.
      health = { ...health, notReady: 'container runtime is down' };
      reporter.kick();
      gate.wait = undefined;
      release();
      // No clock advance: only the kick can cause the second write.
      await waitFor(() => patches.length === 2, { timeoutMs: 5_000, what: 'the second write' });
      expect(readyOf(patches[1])).toBe('False');
      expect(reporter.node?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe(
        'False',
      );
    } finally {
      ac.abort();
      await running;
    }
  });
});
