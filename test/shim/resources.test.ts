import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/wait.js';
import {
  controllerDir,
  readCgroupLayout,
  type CgroupLayout,
} from '../../runtime-shim/cgroups/layout.js';
import { startShim, type ShimHarness } from './support/harness.js';
import {
  containerStatus,
  execText,
  runPod,
  startContainer,
  waitExited,
} from './support/helpers.js';

async function cgroupFile(
  layout: CgroupLayout,
  controller: string,
  path: string,
  file: string,
): Promise<string> {
  const dir = controllerDir(layout, controller, path);
  if (!dir) throw new Error(`no ${controller} hierarchy`);
  return (await readFile(join(dir, file), 'utf8')).trim();
}

describe('resources: limits, stats, OOM', () => {
  let h: ShimHarness;
  let layout: CgroupLayout;
  beforeAll(async () => {
    h = await startShim();
    layout = await readCgroupLayout();
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('writes CPU, memory and pids limits into the container cgroup and updates them live', async () => {
    const pod = await runPod(h, 'limits');
    const id = await startContainer(
      h,
      pod,
      h.container('limited', 'exec sleep 3600', {
        linux: {
          resources: {
            cpuShares: 512,
            cpuQuota: 50_000,
            cpuPeriod: 100_000,
            memoryLimitInBytes: 64 * 1024 * 1024,
            pidsLimit: 100,
          },
        },
      }),
    );
    const { info } = await h.client.runtime.ContainerStatus({ containerId: id, verbose: true });
    const cg = JSON.parse(info['cgroup'] ?? '""') as string;
    expect(cg).toBe(`${h.cgroupParent}/pod-${pod.id}/${id}`);
    if (layout.mode === 'v2') {
      expect(await cgroupFile(layout, 'cpu', cg, 'cpu.max')).toBe('50000 100000');
      expect(await cgroupFile(layout, 'memory', cg, 'memory.max')).toBe(String(64 * 1024 * 1024));
      expect(await cgroupFile(layout, 'pids', cg, 'pids.max')).toBe('100');
    } else {
      expect(await cgroupFile(layout, 'cpu', cg, 'cpu.shares')).toBe('512');
      expect(await cgroupFile(layout, 'cpu', cg, 'cpu.cfs_quota_us')).toBe('50000');
      expect(await cgroupFile(layout, 'cpu', cg, 'cpu.cfs_period_us')).toBe('100000');
      expect(await cgroupFile(layout, 'memory', cg, 'memory.limit_in_bytes')).toBe(
        String(64 * 1024 * 1024),
      );
      expect(await cgroupFile(layout, 'pids', cg, 'pids.max')).toBe('100');
    }
    // The process itself is in that cgroup.
    const pid = JSON.parse(info['pid'] ?? '0') as number;
    expect(await readFile(`/proc/${pid}/cgroup`, 'utf8')).toContain(cg);

    await h.client.runtime.UpdateContainerResources({
      containerId: id,
      linux: { memoryLimitInBytes: 128 * 1024 * 1024, cpuQuota: 20_000 },
    });
    const memFile = layout.mode === 'v2' ? 'memory.max' : 'memory.limit_in_bytes';
    expect(await cgroupFile(layout, 'memory', cg, memFile)).toBe(String(128 * 1024 * 1024));
    if (layout.mode !== 'v2') {
      expect(await cgroupFile(layout, 'cpu', cg, 'cpu.cfs_quota_us')).toBe('20000');
      // Unset fields keep their values.
      expect(await cgroupFile(layout, 'cpu', cg, 'cpu.shares')).toBe('512');
    }
    const st = await containerStatus(h, id);
    expect(st.resources?.linux?.memoryLimitInBytes).toBe(String(128 * 1024 * 1024));
    expect(st.resources?.linux?.cpuShares).toBe('512');
  });

  it('reports CPU usage that moves under load and a memory working set', async () => {
    const pod = await runPod(h, 'busy');
    const busy = await startContainer(h, pod, h.container('busy', 'while :; do :; done'));
    const idle = await startContainer(h, pod, h.container('idle', 'exec sleep 3600'));
    const first = await h.client.runtime.ContainerStats({ containerId: busy });
    const c1 = BigInt(first.stats?.cpu?.usageCoreNanoSeconds?.value ?? '0');
    // Wait until the busy loop has used at least 0.3 s of CPU more than at the first reading.
    const second = await waitFor(
      async () => {
        const s = await h.client.runtime.ContainerStats({ containerId: busy });
        const c = BigInt(s.stats?.cpu?.usageCoreNanoSeconds?.value ?? '0');
        return c - c1 > 300_000_000n ? s : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'CPU usage to grow' },
    );
    const nano = BigInt(second.stats?.cpu?.usageNanoCores?.value ?? '0');
    // A spinning shell uses a good part of a core; the machine is shared, so only ask for 5 %.
    expect(nano).toBeGreaterThan(50_000_000n);
    expect(BigInt(second.stats?.memory?.workingSetBytes?.value ?? '0')).toBeGreaterThan(0n);

    const list = await h.client.runtime.ListContainerStats({ filter: { podSandboxId: pod.id } });
    expect(list.stats.map((s) => s.attributes?.id).sort()).toEqual([busy, idle].sort());
    const idleStats = list.stats.find((s) => s.attributes?.id === idle);
    expect(idleStats?.cpu?.usageNanoCores).toBeTruthy();
    expect(BigInt(idleStats?.cpu?.usageNanoCores?.value ?? '-1')).toBeLessThan(nano);
    await h.client.runtime.StopPodSandbox({ podSandboxId: pod.id });
  });

  it('reports OOMKilled when the memory limit is exceeded', async () => {
    const pod = await runPod(h, 'oom');
    const id = await startContainer(
      h,
      pod,
      h.container('hog', 'exec dd if=/dev/zero of=/dev/null bs=64M count=4', {
        linux: { resources: { memoryLimitInBytes: 16 * 1024 * 1024 } },
      }),
    );
    const s = await waitExited(h, id);
    expect(s.exitCode).toBe(137);
    expect(s.reason).toBe('OOMKilled');
  });

  it('keeps a memory limit without swap and a working set below it', async () => {
    const pod = await runPod(h, 'mem');
    const id = await startContainer(
      h,
      pod,
      h.container('mem', 'exec sleep 3600', {
        linux: { resources: { memoryLimitInBytes: 32 * 1024 * 1024 } },
      }),
    );
    // Put 8 MiB into /dev/shm: tmpfs pages are charged to the container's memory cgroup.
    await execText(h, id, ['dd', 'if=/dev/zero', 'of=/dev/shm/fill', 'bs=1M', 'count=8']);
    const st = await h.client.runtime.ContainerStats({ containerId: id });
    const ws = BigInt(st.stats?.memory?.workingSetBytes?.value ?? '0');
    expect(ws).toBeGreaterThan(8n * 1024n * 1024n);
    expect(ws).toBeLessThanOrEqual(32n * 1024n * 1024n);
    expect(BigInt(st.stats?.memory?.availableBytes?.value ?? '0')).toBe(32n * 1024n * 1024n - ws);
  });
});
