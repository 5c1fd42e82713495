import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { status } from '@grpc/grpc-js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/wait.js';
import { cgroupDirs, readCgroupLayout } from '../../runtime-shim/cgroups/layout.js';
import { pathExists } from '../../runtime-shim/util/fs.js';
import { makeBusyboxRootfs } from './support/fake-images.js';
import { mountsUnder, startShim, type ShimHarness } from './support/harness.js';
import {
  containerStatus,
  execText,
  expectCode,
  runPod,
  startContainer,
  waitExited,
} from './support/helpers.js';

describe('restart: state on disk, running containers untouched, stale state reconciled', () => {
  let h: ShimHarness;
  beforeAll(async () => {
    h = await startShim();
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('lists the same sandboxes and containers with correct states after a restart', async () => {
    const pod = await runPod(h, 'survivor');
    const running = await startContainer(h, pod, h.container('running', 'exec sleep 3600'));
    const exitsWhileDown = await startContainer(
      h,
      pod,
      h.container('brief', 'read x < /dev/stdin; exec sleep 2'),
    );
    await h.client.runtime
      .StopContainer({ containerId: exitsWhileDown, timeout: 0 })
      .catch(() => undefined);
    const later = await startContainer(h, pod, h.container('later', 'sleep 1; exit 5'));
    const { containerId: created } = await h.client.runtime.CreateContainer({
      podSandboxId: pod.id,
      config: h.container('created', 'echo started-late; exec sleep 3600'),
    });
    const before = await h.client.runtime.ContainerStatus({ containerId: running, verbose: true });
    const pid = JSON.parse(before.info['pid'] ?? '0') as number;
    const startedAt = before.status?.startedAt;

    // A stray runtime container and a stray pod cgroup that no record owns.
    const layout = await readCgroupLayout();
    const strayBundle = join(h.root, 'stray-bundle');
    await makeBusyboxRootfs(join(strayBundle, 'rootfs'));
    await writeFile(
      join(strayBundle, 'config.json'),
      JSON.stringify({
        ociVersion: '1.0.2',
        process: {
          user: { uid: 0, gid: 0 },
          args: ['sleep', '3600'],
          cwd: '/',
          env: ['PATH=/bin'],
        },
        root: { path: 'rootfs' },
        mounts: [
          { destination: '/proc', type: 'proc', source: 'proc' },
          { destination: '/dev', type: 'tmpfs', source: 'tmpfs' },
        ],
        linux: {
          namespaces: [{ type: 'pid' }, { type: 'mount' }],
          cgroupsPath: `${h.cgroupParent}/pod-stray/c`,
        },
      }),
    );
    const strayId = 'b'.repeat(64);
    // stdio to /dev/null: a detached container would hold a pipe open forever.
    const r = spawnSync(
      'crun',
      ['--root', join(h.root, 'runtime'), 'run', '-d', '--bundle', strayBundle, strayId],
      {
        stdio: 'ignore',
      },
    );
    expect(r.status).toBe(0);
    const strayCgroup = `${h.cgroupParent}/pod-stray`;
    await mkdir(join(h.root, 'containers', 'c'.repeat(64)), { recursive: true });
    // A crash in the middle of CreateContainer: everything made, but no record written.
    const halfMade = await startContainer(h, pod, h.container('halfmade', 'exec sleep 3600'));
    const halfPid = JSON.parse(
      (await h.client.runtime.ContainerStatus({ containerId: halfMade, verbose: true })).info[
        'pid'
      ] ?? '0',
    ) as number;
    const halfMounts = (await mountsUnder(h.root)).filter((m) => m.includes(halfMade));
    expect(halfMounts).not.toEqual([]);

    // An open event stream is ended cleanly (status OK) when the shim shuts down.
    const events = h.client.raw.runtime.GetContainerEvents({});
    events.on('data', () => undefined);
    events.on('error', () => undefined);
    const streamStatus = new Promise<number>((r) =>
      events.on('status', (st: { code: number }) => r(st.code)),
    );
    await waitFor(() => h.shim.ctx.events.subscribers > 0, { what: 'events subscriber' });

    await h.restart(async () => {
      await rm(join(h.root, 'containers', halfMade, 'container.json'));
      expect(await streamStatus).toBe(0);
      // While the shim is down, `later` exits; conmon records it.
      await waitFor(() => pathExists(join(h.root, 'exits', later)), {
        timeoutMs: 20_000,
        what: 'exit recorded while down',
      });
    });

    const { items } = await h.client.runtime.ListPodSandbox({});
    expect(items.map((s) => [s.id, s.state])).toEqual([[pod.id, 'SANDBOX_READY']]);
    const after = await h.client.runtime.ContainerStatus({ containerId: running, verbose: true });
    expect(after.status?.state).toBe('CONTAINER_RUNNING');
    expect(JSON.parse(after.info['pid'] ?? '0')).toBe(pid);
    expect(after.status?.startedAt).toBe(startedAt);
    // The very same process, never restarted.
    process.kill(pid, 0);
    expect(await execText(h, running, ['echo', 'still here'])).toBe('still here\n');
    const l = await containerStatus(h, later);
    expect([l.state, l.exitCode, l.reason]).toEqual(['CONTAINER_EXITED', 5, 'Error']);
    expect((await containerStatus(h, exitsWhileDown)).state).toBe('CONTAINER_EXITED');
    expect((await containerStatus(h, created)).state).toBe('CONTAINER_CREATED');

    // Stale state is gone.
    expect(await pathExists(join(h.root, 'runtime', strayId))).toBe(false);
    for (const d of cgroupDirs(layout, strayCgroup)) expect(await pathExists(d)).toBe(false);
    expect(await pathExists(join(h.root, 'containers', 'c'.repeat(64)))).toBe(false);
    // The half-made container is gone entirely: process, runtime state, rootfs, directory.
    expect(() => process.kill(halfPid, 0)).toThrow();
    expect(await pathExists(join(h.root, 'runtime', halfMade))).toBe(false);
    expect((await mountsUnder(h.root)).filter((m) => m.includes(halfMade))).toEqual([]);
    expect(await pathExists(join(h.root, 'containers', halfMade))).toBe(false);
    await expectCode(h.client.runtime.ContainerStatus({ containerId: halfMade }), status.NOT_FOUND);

    // The restarted shim keeps working: start the created one, see exits, stop.
    await h.client.runtime.StartContainer({ containerId: created });
    await waitFor(async () => (await containerStatus(h, created)).state === 'CONTAINER_RUNNING');
    await h.client.runtime.StopContainer({ containerId: running, timeout: 0 });
    expect((await waitExited(h, running)).exitCode).toBe(137);
    await h.client.runtime.RemovePodSandbox({ podSandboxId: pod.id });
  });
});
