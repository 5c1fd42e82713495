/**
 * End-to-end: Deployments on a real 3-node local cluster (etcd, API server,
 * controller manager, scheduler, and per node a network-namespace host with
 * the real shim, conmon, crun and CNI): spreading, a rolling update checked
 * over HTTP and with the real kubectl, pod-to-pod traffic across nodes,
 * readiness gating the Deployment's counts, a rollout stalled by a missing
 * image and undone, and finally `down` leaving nothing behind.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredPod } from '../controlplane/api/types/index.js';
import { waitFor } from '../lib/wait.js';
import { startTestCluster, type TestCluster } from '../test/helpers/cluster.js';
import {
  deployment,
  deploymentSettled,
  isReady,
  pod,
  sleeper,
  webContainer,
  webserver,
} from './fixtures.js';

const exec = promisify(execFile);
const sh = async (cmd: string, args: string[]): Promise<string> =>
  (await exec(cmd, args, { timeout: 30_000 })).stdout;

/** readyPods lists the ready pods of `app=<app>` once there are exactly `n`, else undefined. */
async function readyPods(
  tc: TestCluster,
  app: string,
  n: number,
): Promise<StoredPod[] | undefined> {
  const { items } = await tc.pods.list({ labelSelector: `app=${app}` });
  const live = items.filter((p) => !p.metadata.deletionTimestamp);
  return live.length === n && live.every(isReady) ? live : undefined;
}

/** curl fetches a URL from the host (which routes to every node's pod CIDR); -f: an error is a failure. */
const curl = (url: string): Promise<string> => sh('curl', ['-sf', '--max-time', '5', url]);

describe('workloads on a real 3-node cluster', () => {
  let tc: TestCluster;

  beforeAll(async () => {
    tc = await startTestCluster({ prefix: 'e2e-wl', nodes: 3 });
  }, 200_000);

  afterAll(async () => {
    await tc?.down();
  }, 120_000);

  it('spreads a 6-replica Deployment over every node and brings all pods to Running and Ready', async () => {
    await tc.deployments.create(deployment('spread', 6, [sleeper()]));
    const pods = await waitFor(() => readyPods(tc, 'spread', 6), {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: '6 ready pods of deployment spread',
    });
    const perNode = new Map<string, number>();
    for (const p of pods) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    expect([...perNode.keys()].sort()).toEqual([...tc.nodeNames].sort());
    for (const p of pods) {
      expect(p.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
      expect(p.status?.podIP).toMatch(/^10\.\d+\.\d+\.\d+$/);
    }
    const d = await waitFor(
      async () => {
        const d = await tc.deployments.get('spread');
        return deploymentSettled(d, 6) ? d : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'deployment spread status 6/6' },
    );
    expect(d.status?.readyReplicas).toBe(6);
  });

  it('rolls a Deployment from webserver:1 to :2; every pod then answers version 2', async () => {
    await tc.deployments.create(deployment('web', 3, [webContainer(1)]));
    const v1 = await waitFor(() => readyPods(tc, 'web', 3), {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: '3 ready pods of deployment web',
    });
    for (const p of v1) {
      expect(await curl(`http://${p.status!.podIP}:8080/`)).toBe(
        `hello from ${p.metadata.name} version 1\n`,
      );
    }

    await tc.kubectl(['set', 'image', 'deployment/web', `web=${webserver(2)}`]);
    const out = await tc.kubectl(
      ['rollout', 'status', 'deployment/web', '--timeout=180s'],
      200_000,
    );
    expect(out).toContain('successfully rolled out');

    const d = await tc.deployments.get('web');
    expect(deploymentSettled(d, 3)).toBe(true);
    const v2 = await waitFor(() => readyPods(tc, 'web', 3), {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: '3 ready pods of web after the rollout',
    });
    const oldNames = new Set(v1.map((p) => p.metadata.name));
    for (const p of v2) {
      expect(oldNames.has(p.metadata.name)).toBe(false);
      expect(p.spec?.containers[0]?.image).toBe(webserver(2));
      expect(await curl(`http://${p.status!.podIP}:8080/`)).toBe(
        `hello from ${p.metadata.name} version 2\n`,
      );
    }
    // The old pods are gone (their deletion was finished by their agents), not just hidden.
    await waitFor(
      async () => {
        const { items } = await tc.pods.list({ labelSelector: 'app=web' });
        return items.length === 3;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'old web pods removed' },
    );
  });

  it('lets a pod on one node reach pods on the other nodes by pod IP', async () => {
    const [a, ...others] = tc.nodeNames as [string, ...string[]];
    for (const n of tc.nodeNames) {
      await tc.pods.create(pod(`net-${n}`, [webContainer(1)], { nodeName: n }));
    }
    const pods = await waitFor(
      async () => {
        const got = await Promise.all(tc.nodeNames.map((n) => tc.pods.get(`net-${n}`)));
        return got.every(isReady) ? got : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: 'net-* pods ready' },
    );
    const from = pods.find((p) => p.spec?.nodeName === a)!;
    const ownIp = (await tc.inPod(from, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'])).trim();
    expect(ownIp).toContain(`${from.status!.podIP}/`);
    for (const to of pods.filter((p) => others.includes(p.spec!.nodeName!))) {
      const body = await tc.inPod(from, 'curl', [
        '-sf',
        '--max-time',
        '5',
        `http://${to.status!.podIP}:8080/`,
      ]);
      expect(body).toBe(`hello from ${to.metadata.name} version 1\n`);
    }
    // And back: every other node's pod reaches the first one.
    for (const back of pods.filter((p) => p !== from)) {
      const body = await tc.inPod(back, 'curl', [
        '-sf',
        '--max-time',
        '5',
        `http://${from.status!.podIP}:8080/`,
      ]);
      expect(body).toBe(`hello from ${from.metadata.name} version 1\n`);
    }
    // Between nodes the pod network is not masqueraded: the receiver sees the sender's pod IP.
    const to = pods.find((p) => p.spec?.nodeName !== a)!;
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const listener = exec(
      'nsenter',
      [
        `--net=${await tc.podNetns(to)}`,
        '--',
        'busybox',
        'nc',
        '-l',
        '-p',
        String(port),
        '-e',
        'busybox',
        'netstat',
        '-tn',
      ],
      { timeout: 30_000 },
    );
    try {
      const seen = await tc.inPod(from, 'sh', [
        '-c',
        `for i in $(seq 100); do busybox nc ${to.status!.podIP} ${port} && exit 0; usleep 100000; done; exit 1`,
      ]);
      expect(seen).toMatch(
        new RegExp(
          `(::ffff:)?${reEscape(to.status!.podIP!)}:${port}\\s+(::ffff:)?${reEscape(from.status!.podIP!)}:\\d+\\s+ESTABLISHED`,
        ),
      );
    } finally {
      await listener.catch(() => undefined);
    }
  });

  it('leaves pods that are not ready out of readyReplicas and availableReplicas', async () => {
    // Ready only once /tmp/ready exists: nothing creates it but this test, in one pod.
    const gated = {
      ...sleeper(),
      readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 },
    };
    await tc.deployments.create(deployment('gate', 2, [gated]));
    const running = await waitFor(
      async () => {
        const { items } = await tc.pods.list({ labelSelector: 'app=gate' });
        const up = items.filter(
          (p) =>
            p.status?.phase === 'Running' &&
            p.status.containerStatuses?.[0]?.state?.running &&
            p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'False'),
        );
        return up.length === 2 ? up : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: '2 running, unready gate pods' },
    );
    const notReady = await tc.deployments.get('gate');
    expect(notReady.status?.replicas).toBe(2);
    expect(notReady.status?.readyReplicas ?? 0).toBe(0);
    expect(notReady.status?.availableReplicas ?? 0).toBe(0);

    const [opened, closed] = running as [StoredPod, StoredPod];
    await tc.inContainer(opened, 'main', ['touch', '/tmp/ready']);
    const d = await waitFor(
      async () => {
        const d = await tc.deployments.get('gate');
        return d.status?.readyReplicas === 1 && d.status.availableReplicas === 1 ? d : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'gate readyReplicas 1' },
    );
    expect(d.status?.replicas).toBe(2);
    expect(d.status?.unavailableReplicas).toBe(1);
    expect(isReady(await tc.pods.get(opened.metadata.name))).toBe(true);
    const stillClosed = await tc.pods.get(closed.metadata.name);
    expect(stillClosed.status?.phase).toBe('Running');
    expect(isReady(stillClosed)).toBe(false);
    const wide = await tc.kubectl(['get', 'deployment', 'gate', '--no-headers']);
    expect(wide).toMatch(/^gate\s+1\/2\s/);
  });

  it('stalls a rollout to a missing image: old pods keep serving, rollout status fails, undo recovers', async () => {
    const stuck = deployment('stuck', 2, [webContainer(1)]);
    stuck.spec!.progressDeadlineSeconds = 10;
    await tc.deployments.create(stuck);
    const v1 = await waitFor(() => readyPods(tc, 'stuck', 2), {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: '2 ready pods of deployment stuck',
    });
    // Tag 3 exists in no image store: the new pod's image pull fails.
    await tc.kubectl(['set', 'image', 'deployment/stuck', 'web=docker.io/tugboat/webserver:3']);
    const failed = await tc
      .kubectl(['rollout', 'status', 'deployment/stuck', '--timeout=120s'], 150_000)
      .then(
        () => undefined,
        (e: unknown) => e as { stderr?: string },
      );
    expect(failed?.stderr).toContain('exceeded its progress deadline');
    const d = await tc.deployments.get('stuck');
    const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
    expect(progressing?.status).toBe('False');
    expect(progressing?.reason).toBe('ProgressDeadlineExceeded');
    const { items } = await tc.pods.list({ labelSelector: 'app=stuck' });
    const pulling = items.filter((p) => p.spec?.containers[0]?.image?.endsWith(':3'));
    expect(pulling.length).toBeGreaterThan(0);
    for (const p of pulling) {
      expect(['ErrImagePull', 'ImagePullBackOff']).toContain(
        p.status?.containerStatuses?.[0]?.state?.waiting?.reason,
      );
    }
    // The old pods were never touched and still answer.
    for (const p of v1) {
      expect(isReady(await tc.pods.get(p.metadata.name))).toBe(true);
      expect(await curl(`http://${p.status!.podIP}:8080/`)).toBe(
        `hello from ${p.metadata.name} version 1\n`,
      );
    }

    await tc.kubectl(['rollout', 'undo', 'deployment/stuck']);
    const out = await tc.kubectl(
      ['rollout', 'status', 'deployment/stuck', '--timeout=120s'],
      150_000,
    );
    expect(out).toContain('successfully rolled out');
    const after = await waitFor(
      async () => {
        const { items } = await tc.pods.list({ labelSelector: 'app=stuck' });
        return items.length === 2 && items.every(isReady) ? items : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'stuck back to its 2 old pods' },
    );
    expect(after.map((p) => p.metadata.name).sort()).toEqual(v1.map((p) => p.metadata.name).sort());
  });

  it('down removes every process, namespace, bridge, rule, route, mount, cgroup and the state', async () => {
    const cfg = (await tc.local.existingConfig())!;
    const net = tc.local.network(cfg);
    // Net namespaces by inode: node hosts and every pod's, to find any process left inside one.
    const nsInodes = new Set<number>();
    for (const n of net.nodes) nsInodes.add((await stat(`/run/netns/${n.netns}`)).ino);
    for (const node of cfg.nodes) {
      const dir = join(tc.stateDir, 'nodes', node, 'shim', 'network', 'netns');
      for (const f of await readdir(dir)) nsInodes.add((await stat(join(dir, f))).ino);
    }
    expect(nsInodes.size).toBeGreaterThan(cfg.nodes.length);
    const podCidrPrefix = cfg.podCidr.split('.').slice(0, 2).join('.') + '.';
    const cgroupsOf = async (): Promise<string[]> => {
      const roots = ['/sys/fs/cgroup', ...(await subdirs('/sys/fs/cgroup'))];
      const all = await Promise.all(roots.map(subdirs));
      return all.flat().filter((d) => d.includes(`/tug-${tc.name}-`));
    };
    const processesOf = async (): Promise<string[]> => {
      const found: string[] = [];
      for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        const ns = await readlink(`/proc/${pid}/ns/net`).catch(() => '');
        const ino = Number(/^net:\[(\d+)\]$/.exec(ns)?.[1]);
        if (cmdline.includes(tc.stateDir) || nsInodes.has(ino))
          found.push(`${pid}: ${cmdline.replace(/\0/g, ' ')}`);
      }
      return found;
    };
    // What the checks below look for is there while the cluster runs (so they cannot pass vacuously).
    expect(await sh('ip', ['netns', 'list'])).toContain(`tug-${tc.name}-`);
    expect(await sh('ip', ['-o', 'link', 'show'])).toContain(net.bridge);
    const podRoutes = async (): Promise<string[]> =>
      (await sh('ip', ['-4', 'route', 'show']))
        .split('\n')
        .filter((l) => l.startsWith(podCidrPrefix));
    expect((await podRoutes()).length).toBe(cfg.nodes.length);
    expect(await sh('iptables-save', [])).toContain(net.comment);
    expect(await readFile('/proc/self/mountinfo', 'utf8')).toContain(tc.stateDir);
    expect((await cgroupsOf()).length).toBeGreaterThan(0);
    expect((await processesOf()).length).toBeGreaterThan(cfg.nodes.length * 2);

    await tc.down();

    expect(existsSync(tc.stateDir)).toBe(false);
    const netns = await sh('ip', ['netns', 'list']);
    expect(netns).not.toContain(`tug-${tc.name}-`);
    const links = await sh('ip', ['-o', 'link', 'show']);
    expect(links).not.toContain(net.bridge);
    for (const n of net.nodes) expect(links).not.toContain(n.hostIf);
    expect(await podRoutes()).toEqual([]);
    expect(await sh('iptables-save', [])).not.toContain(net.comment);
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(tc.stateDir);
    expect(await cgroupsOf()).toEqual([]);
    expect(await processesOf()).toEqual([]);
  });
});

const reEscape = (s: string): string => s.replace(/[.]/g, '\\.');

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
}
