import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound } from '../controlplane/api/errors.js';
import type { Pod, StoredPod } from '../controlplane/api/types/index.js';
import type { ClusterConfig } from '../cli/up/config.js';
import { repoRoot } from '../cli/up/components.js';
import {
  inNetns,
  planHostNetwork,
  removeNodeHost,
  setUpHostNetwork,
  type NodeHost,
} from '../cli/up/host-network.js';
import { waitFor } from '../lib/wait.js';
import { startTestCluster, type TestCluster } from '../test/helpers/cluster.js';

const exec = promisify(execFile);

/** webPod is the test web server pinned to one node. */
const webPod = (name: string, node: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { nodeName: node, containers: [{ name: 'web', image: 'tugboat/webserver:1' }] },
});

describe('a node on "another machine" joins with the command tug up prints', () => {
  let c: TestCluster;
  let host: NodeHost;
  let joinArgs: string[];
  const stateDir = `/tmp/tug-join-${process.pid}`;

  beforeAll(async () => {
    c = await startTestCluster({ prefix: 'join', nodes: 1 });
    const cfg = JSON.parse(
      await readFile(join(c.stateDir, 'cluster.json'), 'utf8'),
    ) as ClusterConfig;
    // The other machine: one more network namespace on the cluster's bridge.
    const net = planHostNetwork(cfg.name, cfg.hostPrefix, [...cfg.nodes, 'joiner']);
    host = net.nodes[net.nodes.length - 1]!;
    await setUpHostNetwork({ ...net, nodes: [host] });
    const cmd = await c.local.joinCommand('joiner');
    expect(cmd).toMatch(
      /^tug join --server https:\/\/\S+ --token \S+ --certificate-authority \S+ --cluster-cidr \S+ --node-name joiner$/,
    );
    joinArgs = [...cmd!.split(' ').slice(1), '--state-dir', stateDir];
  }, 200_000);

  afterAll(async () => {
    if (host) {
      await exec(
        ...inNetns(host.netns, process.execPath, [
          join(repoRoot, 'bin/tug'),
          'leave',
          '--node-name',
          'joiner',
          '--state-dir',
          stateDir,
        ]),
      ).catch(() => {});
      await removeNodeHost(host);
    }
    await c?.down();
  }, 120_000);

  it('joins, runs pods that reach the other nodes’ pods, and leaves without a trace', async () => {
    // Run the documented command inside the other "machine".
    const out = await exec(
      ...inNetns(host.netns, process.execPath, [join(repoRoot, 'bin/tug'), ...joinArgs]),
      { timeout: 180_000 },
    );
    expect(out.stdout).toContain('node joiner');
    expect(out.stdout).toContain('is Ready');
    const joined = await c.nodes.get('joiner');
    expect(joined.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).toBe(host.ip);

    await c.pods.namespace('default').create(webPod('on-joiner', 'joiner'));
    await c.pods.namespace('default').create(webPod('on-first', c.nodeNames[0]!));
    const running = async (name: string): Promise<StoredPod> =>
      waitFor(
        async () => {
          const p = await c.pods.namespace('default').get(name);
          return p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')
            ? p
            : undefined;
        },
        { timeoutMs: 90_000, what: `${name} to be Ready` },
      );
    const a = await running('on-joiner');
    const b = await running('on-first');
    // Both ways across the nodes: the agents keep routes to each other's pod CIDRs.
    expect(
      await c.inPod(b, 'curl', ['-sf', '-m', '5', `http://${a.status!.podIP}:8080/`]),
    ).toContain('hello from on-joiner');
    const inJoiner = await exec(
      ...inNetns(host.netns, 'curl', ['-sf', '-m', '5', `http://${b.status!.podIP}:8080/`]),
    );
    expect(inJoiner.stdout).toContain('hello from on-first');
    // logs through the API server reach the joined node's agent too.
    expect(await c.kubectl(['logs', 'on-joiner'])).toContain('listening on port 8080');

    await exec(
      ...inNetns(host.netns, process.execPath, [
        join(repoRoot, 'bin/tug'),
        'leave',
        '--node-name',
        'joiner',
        '--state-dir',
        stateDir,
      ]),
    );
    await expect(c.nodes.get('joiner')).rejects.toSatisfy(isNotFound);
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(stateDir);
    await expect(exec('ls', [stateDir])).rejects.toThrow();
  });
});
