import { status } from '@grpc/grpc-js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/wait.js';
import { startShim, type ShimHarness } from './support/harness.js';
import {
  containerStatus,
  execText,
  expectCode,
  logLines,
  runPod,
  startContainer,
  waitExited,
} from './support/helpers.js';

describe('pod lifecycle (crun, conmon, CNI)', () => {
  let h: ShimHarness;
  beforeAll(async () => {
    h = await startShim();
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('runs a pod of two containers that reach each other on localhost and share the pod files', async () => {
    const pod = await runPod(h, 'web', {
      dnsConfig: {
        servers: ['10.96.0.10'],
        searches: ['default.svc.cluster.local', 'svc.cluster.local'],
        options: ['ndots:5'],
      },
    });
    const server = await startContainer(
      h,
      pod,
      h.container(
        'server',
        'mkdir -p /www && echo hello-from-server > /www/index.html && exec httpd -f -p 8080 -h /www',
      ),
    );
    const client = await startContainer(h, pod, h.container('client', 'exec sleep 3600'));

    const body = await waitFor(
      async () => {
        const r = await h.client.runtime.ExecSync({
          containerId: client,
          cmd: ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/'],
          timeout: 10,
        });
        return r.exitCode === 0 ? r.stdout.toString() : undefined;
      },
      { timeoutMs: 20_000, what: 'server reachable from client on localhost' },
    );
    expect(body).toBe('hello-from-server\n');

    const sb = await h.client.runtime.PodSandboxStatus({ podSandboxId: pod.id, verbose: true });
    const ip = sb.status?.network?.ip ?? '';
    expect(ip).toMatch(/^10\.200\.\d+\.\d+$/);
    expect(sb.containersStatuses.map((c) => c.metadata?.name).sort()).toEqual(['client', 'server']);
    expect(await execText(h, client, ['hostname'])).toBe('web\n');
    expect(await execText(h, client, ['cat', '/etc/hostname'])).toBe('web\n');
    expect(await execText(h, client, ['cat', '/etc/hosts'])).toContain(`${ip}\tweb`);
    const resolv = await execText(h, client, ['cat', '/etc/resolv.conf']);
    expect(resolv).toContain('nameserver 10.96.0.10');
    expect(resolv).toContain('search default.svc.cluster.local svc.cluster.local');
    expect(resolv).toContain('options ndots:5');
    // Both containers are in one network namespace: the same eth0 address.
    expect(await execText(h, server, ['ip', '-4', '-o', 'addr', 'show', 'eth0'])).toContain(ip);
    expect(await execText(h, client, ['ip', '-4', '-o', 'addr', 'show', 'eth0'])).toContain(ip);

    const list = await h.client.runtime.ListContainers({ filter: { podSandboxId: pod.id } });
    expect(list.containers.map((c) => c.state)).toEqual(['CONTAINER_RUNNING', 'CONTAINER_RUNNING']);

    await h.client.runtime.StopPodSandbox({ podSandboxId: pod.id });
    const after = await h.client.runtime.PodSandboxStatus({ podSandboxId: pod.id });
    expect(after.status?.state).toBe('SANDBOX_NOTREADY');
    expect(after.status?.network?.ip).toBe('');
    for (const c of after.containersStatuses) {
      expect(c.state).toBe('CONTAINER_EXITED');
      expect(c.exitCode).toBe(137);
    }
    await h.client.runtime.RemovePodSandbox({ podSandboxId: pod.id });
    await expectCode(h.client.runtime.PodSandboxStatus({ podSandboxId: pod.id }), status.NOT_FOUND);
    // Stop and Remove are idempotent, also on an id that is gone.
    await h.client.runtime.StopPodSandbox({ podSandboxId: pod.id });
    await h.client.runtime.RemovePodSandbox({ podSandboxId: pod.id });
  });

  it('records exit codes 0 and 3, and 137 when StopContainer has to kill', async () => {
    const pod = await runPod(h);
    const ok = await startContainer(h, pod, h.container('ok', 'exit 0'));
    const three = await startContainer(h, pod, h.container('three', 'exit 3'));
    // Ignores SIGTERM, so StopContainer must escalate to SIGKILL after its timeout.
    const stubborn = await startContainer(
      h,
      pod,
      h.container('stubborn', "trap '' TERM; while :; do sleep 1; done"),
    );
    // Handles SIGTERM by exiting 7.
    const polite = await startContainer(
      h,
      pod,
      h.container('polite', "trap 'exit 7' TERM; echo ready; while :; do sleep 0.1; done"),
    );

    const s0 = await waitExited(h, ok);
    expect(s0.exitCode).toBe(0);
    expect(s0.reason).toBe('Completed');
    expect(BigInt(s0.finishedAt)).toBeGreaterThanOrEqual(BigInt(s0.startedAt));
    const s3 = await waitExited(h, three);
    expect(s3.exitCode).toBe(3);
    expect(s3.reason).toBe('Error');

    // PID 1 drops a SIGTERM that comes before its trap is set: wait for the shell to say so.
    const politeLog = join(pod.config.logDirectory ?? '', 'polite.log');
    await waitFor(async () => (await logLines(politeLog)).some((l) => l.text === 'ready'), {
      what: 'polite ready',
    });
    await h.client.runtime.StopContainer({ containerId: polite, timeout: 30 });
    expect((await containerStatus(h, polite)).exitCode).toBe(7);

    await h.client.runtime.StopContainer({ containerId: stubborn, timeout: 1 });
    const sk = await containerStatus(h, stubborn);
    expect(sk.state).toBe('CONTAINER_EXITED');
    expect(sk.exitCode).toBe(137);
    // Idempotent: stopping again is fine.
    await h.client.runtime.StopContainer({ containerId: stubborn, timeout: 1 });
    await h.client.runtime.RemovePodSandbox({ podSandboxId: pod.id });
  });

  it('writes stdout and stderr in CRI log format at the given log path', async () => {
    const pod = await runPod(h, 'logs');
    const id = await startContainer(
      h,
      pod,
      h.container(
        'logger',
        'echo first; echo to-stderr >&2; printf "no-newline"; sleep 0.2; echo; echo "  spaced  out"',
      ),
    );
    const s = await waitExited(h, id);
    expect(s.logPath).toBe(join(pod.config.logDirectory ?? '', 'logger.log'));
    const lines = await logLines(s.logPath);
    for (const l of lines) {
      expect(Number.isNaN(Date.parse(l.time))).toBe(false);
      expect(l.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d)$/);
    }
    const full = (stream: string): string =>
      lines
        .filter((l) => l.stream === stream)
        .map((l) => l.text + (l.tag === 'F' ? '\n' : ''))
        .join('');
    expect(full('stdout')).toBe('first\nno-newline\n  spaced  out\n');
    expect(full('stderr')).toBe('to-stderr\n');
    expect(lines.find((l) => l.text === 'first')?.tag).toBe('F');
  });

  it('streams container events: created, started, stopped, deleted', async () => {
    const events: { type: string; id: string; state: string }[] = [];
    const stream = h.client.raw.runtime.GetContainerEvents({});
    stream.on(
      'data',
      (e: {
        containerEventType: string;
        containerId: string;
        containersStatuses: { state: string }[];
      }) =>
        events.push({
          type: e.containerEventType,
          id: e.containerId,
          state: e.containersStatuses[0]?.state ?? '',
        }),
    );
    stream.on('error', () => undefined);
    try {
      // Give the stream a moment to be registered: wait for a first Version round trip on the channel.
      await h.client.runtime.Version({ version: 'v1' });
      await waitFor(() => h.shim.ctx.events.subscribers > 0, { what: 'events subscriber' });
      const pod = await runPod(h);
      const id = await startContainer(h, pod, h.container('brief', 'exit 0'));
      await waitExited(h, id);
      await h.client.runtime.RemoveContainer({ containerId: id });
      await waitFor(() => events.filter((e) => e.id === id).length >= 4, { what: 'four events' });
      expect(events.filter((e) => e.id === id).map((e) => e.type)).toEqual([
        'CONTAINER_CREATED_EVENT',
        'CONTAINER_STARTED_EVENT',
        'CONTAINER_STOPPED_EVENT',
        'CONTAINER_DELETED_EVENT',
      ]);
      expect(events.find((e) => e.id === id && e.type === 'CONTAINER_STOPPED_EVENT')?.state).toBe(
        'CONTAINER_EXITED',
      );
    } finally {
      stream.cancel();
    }
  });

  it('removes a running container forcibly and lists by state and label', async () => {
    const pod = await runPod(h);
    const a = await startContainer(
      h,
      pod,
      h.container('a', 'exec sleep 3600', { labels: { role: 'x' } }),
    );
    const { containerId: b } = await h.client.runtime.CreateContainer({
      podSandboxId: pod.id,
      config: h.container('b', 'exec sleep 3600', { labels: { role: 'y' } }),
    });
    const byState = await h.client.runtime.ListContainers({
      filter: { podSandboxId: pod.id, state: { state: 'CONTAINER_CREATED' } },
    });
    expect(byState.containers.map((c) => c.id)).toEqual([b]);
    const byLabel = await h.client.runtime.ListContainers({
      filter: { labelSelector: { role: 'x' } },
    });
    expect(byLabel.containers.map((c) => c.id)).toEqual([a]);

    await h.client.runtime.RemoveContainer({ containerId: a });
    await expectCode(h.client.runtime.ContainerStatus({ containerId: a }), status.NOT_FOUND);
    await h.client.runtime.RemoveContainer({ containerId: a });
    // A created (never started) container can be stopped and removed too.
    await h.client.runtime.StopContainer({ containerId: b, timeout: 5 });
    expect((await containerStatus(h, b)).state).toBe('CONTAINER_EXITED');
    await h.client.runtime.RemoveContainer({ containerId: b });
    const sandboxes = await h.client.runtime.ListPodSandbox({ filter: { id: pod.id } });
    expect(sandboxes.items).toHaveLength(1);
  });
});
