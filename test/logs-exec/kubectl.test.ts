/**
 * The real kubectl (1.32) against a real two-node local cluster: `logs`
 * (plain, -f, --tail, --previous, deploy/NAME, errors), `exec` (output, exit
 * codes, stdin, errors) and `top` (nodes, pods). Needs root, `npm run build`
 * and the test images (scripts/build-test-images.sh).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, Pod, StoredPod } from '../../controlplane/api/types/index.js';
import { waitFor } from '../../lib/wait.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

const isRoot = process.getuid?.() === 0;
const BUSYBOX = 'docker.io/library/busybox:1.35';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe.skipIf(!isRoot)('kubectl logs, exec and top on a local cluster', () => {
  let tc: TestCluster;

  /** kubectl runs /usr/bin/kubectl with `input` on stdin; `until` hangs up once stdout satisfies it. */
  const kubectl = (
    args: string[],
    o: { input?: string; until?: (out: string) => boolean; timeoutMs?: number } = {},
  ): Promise<Run> =>
    new Promise((resolve, reject) => {
      const p = spawn('/usr/bin/kubectl', ['--kubeconfig', tc.kubeconfig, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 60_000);
      p.stdout.on('data', (b: Buffer) => {
        stdout += b.toString();
        if (o.until?.(stdout)) p.kill('SIGTERM');
      });
      p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      if (o.input !== undefined) p.stdin.end(o.input);
      else if (!args.includes('-i')) p.stdin.end();
    });

  const pod = async (name: string): Promise<StoredPod> => tc.pods.get(name);

  beforeAll(async () => {
    tc = await startTestCluster({ prefix: 'lx', nodes: 2 });
    const talker: Pod = {
      metadata: { name: 'talker', labels: { app: 'talker' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: BUSYBOX,
            command: ['sh', '-c'],
            args: [
              'trap "exit 0" TERM; echo first; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 1; done',
            ],
          },
        ],
      },
    };
    await tc.pods.create(talker);
    await tc.pods.create({
      metadata: { name: 'crasher' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: BUSYBOX,
            command: ['sh', '-c', 'echo "run $(cat /proc/uptime)"; exit 1'],
          },
        ],
      },
    });
    const d: Deployment = {
      metadata: { name: 'greeter' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'greeter' } },
        template: {
          metadata: { labels: { app: 'greeter' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'main',
                image: BUSYBOX,
                command: [
                  'sh',
                  '-c',
                  'trap "exit 0" TERM; echo hello from greeter; while true; do sleep 1; done',
                ],
              },
            ],
          },
        },
      },
    };
    await tc.deployments.create(d);
    await waitFor(
      async () => {
        const p = await pod('talker');
        return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
      },
      { timeoutMs: 120_000, what: 'talker running' },
    );
  }, 300_000);

  afterAll(async () => {
    await tc?.down();
  }, 180_000);

  it('kubectl logs: plain, --tail, -f, deploy/NAME', async () => {
    const plain = await waitFor(
      async () => {
        const r = await kubectl(['logs', 'talker']);
        return r.code === 0 && r.stdout.includes('tick 2') ? r : undefined;
      },
      { timeoutMs: 60_000, what: 'talker to log' },
    );
    expect(plain.stdout.startsWith('first\ntick 1\ntick 2\n')).toBe(true);
    const tail = await kubectl(['logs', 'talker', '--tail=1']);
    expect(tail.stdout).toMatch(/^tick \d+\n$/);
    const last = Number(/tick (\d+)/.exec(tail.stdout)![1]);
    const follow = await kubectl(['logs', '-f', 'talker', '--tail=1'], {
      until: (out) => out.includes(`tick ${last + 2}\n`),
      timeoutMs: 30_000,
    });
    expect(follow.stdout).toContain(`tick ${last + 1}\n`);
    expect(follow.stdout).toContain(`tick ${last + 2}\n`);
    const deploy = await waitFor(
      async () => {
        const r = await kubectl(['logs', 'deploy/greeter']);
        return r.code === 0 ? r : undefined;
      },
      { timeoutMs: 120_000, what: 'greeter to log' },
    );
    expect(deploy.stdout).toBe('hello from greeter\n');
  });

  it('kubectl logs --previous after a restart', async () => {
    await waitFor(
      async () => ((await pod('crasher')).status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
      { timeoutMs: 120_000, what: 'crasher to restart' },
    );
    const prev = await kubectl(['logs', 'crasher', '--previous']);
    expect(prev.code).toBe(0);
    expect(prev.stdout).toMatch(/^run \d/);
  });

  it('kubectl logs: errors as kubectl shows them', async () => {
    // kubectl reads the pod itself first, and words that error its own way.
    const missing = await kubectl(['logs', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('pods "nope" not found');
    const badContainer = await kubectl(['logs', 'talker', '-c', 'x']);
    expect(badContainer.code).toBe(1);
    expect(badContainer.stderr).toContain('container x is not valid for pod talker');
  });

  it('kubectl exec: output, exit codes, stdin, errors', async () => {
    const hi = await kubectl(['exec', 'talker', '--', 'echo', 'hi']);
    expect(hi).toMatchObject({ code: 0, stdout: 'hi\n' });
    const three = await kubectl(['exec', 'talker', '--', 'sh', '-c', 'exit 3']);
    expect(three.code).toBe(3);
    expect(three.stderr).toContain('command terminated with exit code 3');
    const cat = await kubectl(['exec', '-i', 'talker', '--', 'cat'], { input: 'through stdin\n' });
    expect(cat).toMatchObject({ code: 0, stdout: 'through stdin\n' });
    const missing = await kubectl(['exec', 'nope', '--', 'true']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): pods "nope" not found');
    const badContainer = await kubectl(['exec', 'talker', '-c', 'x', '--', 'true']);
    expect(badContainer.code).toBe(1);
    expect(badContainer.stderr).toContain('container x is not valid for pod talker');
  });

  it('kubectl top nodes and pods', async () => {
    const nodes = await waitFor(
      async () => {
        const r = await kubectl(['top', 'nodes']);
        return r.code === 0 && tc.nodeNames.every((n) => r.stdout.includes(n)) ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'kubectl top nodes' },
    );
    expect(nodes.stdout).toMatch(
      /NAME\s+CPU\(cores\)\s+CPU(%|\(%\))\s+MEMORY\(bytes\)\s+MEMORY(%|\(%\))/,
    );
    expect(nodes.stdout).toMatch(/node-1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
    const pods = await waitFor(
      async () => {
        const r = await kubectl(['top', 'pods']);
        return r.code === 0 && r.stdout.includes('talker') ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'kubectl top pods' },
    );
    expect(pods.stdout).toMatch(/talker\s+\d+m\s+\d+Mi/);
    // A pod started since the node's last sample (every 10 s) has no metrics yet.
    const labelled = await waitFor(
      async () => {
        const r = await kubectl(['top', 'pods', '-l', 'app=greeter', '--containers']);
        return r.code === 0 ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'kubectl top pods -l app=greeter' },
    );
    expect(labelled.stdout).toMatch(/greeter-\S+\s+main\s+\d+m\s+\d+Mi/);
    expect(labelled.stdout).not.toContain('talker');
  });
});
