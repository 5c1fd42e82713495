import { status } from '@grpc/grpc-js';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerConfig } from '../../proto/generated/tugboat/runtime/v1/ContainerConfig.js';
import { startShim, type ShimHarness } from './support/harness.js';
import { expectCode, runPod, startContainer } from './support/helpers.js';

const UNKNOWN = 'a'.repeat(64);

describe('edges: unknown ids, invalid configs, idempotent verbs', () => {
  let h: ShimHarness;
  let pod: Awaited<ReturnType<typeof runPod>>;
  beforeAll(async () => {
    h = await startShim();
    pod = await runPod(h, 'edges');
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('answers NOT_FOUND for unknown ids, and OK for Stop/Remove of them', async () => {
    const r = h.client.runtime;
    await expectCode(r.PodSandboxStatus({ podSandboxId: UNKNOWN }), status.NOT_FOUND);
    await expectCode(r.ContainerStatus({ containerId: UNKNOWN }), status.NOT_FOUND);
    await expectCode(r.StartContainer({ containerId: UNKNOWN }), status.NOT_FOUND);
    await expectCode(r.ContainerStats({ containerId: UNKNOWN }), status.NOT_FOUND);
    await expectCode(
      r.UpdateContainerResources({ containerId: UNKNOWN, linux: {} }),
      status.NOT_FOUND,
    );
    await r.StopContainer({ containerId: UNKNOWN, timeout: 1 });
    await r.RemoveContainer({ containerId: UNKNOWN });
    await r.StopPodSandbox({ podSandboxId: UNKNOWN });
    await r.RemovePodSandbox({ podSandboxId: UNKNOWN });
  });

  it('refuses a container in a sandbox that does not exist or is stopped', async () => {
    const cfg = h.container('c', 'true');
    await expectCode(
      h.client.runtime.CreateContainer({ podSandboxId: UNKNOWN, config: cfg }),
      status.NOT_FOUND,
    );
    const stopped = await runPod(h, 'stopped');
    await h.client.runtime.StopPodSandbox({ podSandboxId: stopped.id });
    await expectCode(
      h.client.runtime.CreateContainer({ podSandboxId: stopped.id, config: cfg }),
      status.FAILED_PRECONDITION,
    );
  });

  it('refuses invalid container configs with a message naming the field, and leaves nothing behind', async () => {
    const bad = async (
      cfg: Partial<ContainerConfig>,
      code: status,
      pattern: RegExp,
    ): Promise<void> => {
      const msg = await expectCode(
        h.client.runtime.CreateContainer({
          podSandboxId: pod.id,
          config: { ...h.container('bad', 'true'), ...cfg },
        }),
        code,
      );
      expect(msg).toMatch(pattern);
    };
    await bad({ metadata: { name: '' } }, status.INVALID_ARGUMENT, /metadata\.name/);
    await bad({ image: { image: '' } }, status.INVALID_ARGUMENT, /image/);
    await bad({ image: { image: 'nosuch/image:9' } }, status.NOT_FOUND, /tug-shim import/);
    await bad({ linux: { resources: { cpuPeriod: 5 } } }, status.INVALID_ARGUMENT, /cpu_period/);
    await bad(
      { linux: { resources: { memoryLimitInBytes: 1000 } } },
      status.INVALID_ARGUMENT,
      /memory_limit_in_bytes/,
    );
    await bad({ linux: { resources: { cpuShares: -4 } } }, status.INVALID_ARGUMENT, /cpu_shares/);
    await bad({ linux: { resources: { pidsLimit: -7 } } }, status.INVALID_ARGUMENT, /pids_limit/);
    await bad(
      { mounts: [{ containerPath: '/data', hostPath: '/no/such/dir' }] },
      status.INVALID_ARGUMENT,
      /host_path/,
    );
    await bad(
      { linux: { securityContext: { capabilities: { addCapabilities: ['CAP_MAKE_COFFEE'] } } } },
      status.INVALID_ARGUMENT,
      /unknown capability/,
    );
    await bad(
      { linux: { securityContext: { runAsUsername: 'ghost' } } },
      status.INVALID_ARGUMENT,
      /ghost/,
    );
    await bad({ tty: true }, status.INVALID_ARGUMENT, /tty/);
    const { containers } = await h.client.runtime.ListContainers({
      filter: { podSandboxId: pod.id },
    });
    expect(containers).toEqual([]);
  });

  it('reports a command missing from the image and leaves nothing behind', async () => {
    const r = h.client.runtime;
    const msg = await expectCode(
      (async () => {
        const { containerId } = await r.CreateContainer({
          podSandboxId: pod.id,
          config: { ...h.container('missing', 'true'), command: ['/no/such/binary'] },
        });
        await r.StartContainer({ containerId });
      })(),
      status.INVALID_ARGUMENT,
    );
    expect(msg).toMatch(/no\/such\/binary.*is not a file in image busybox/);
    const { containers } = await r.ListContainers({ filter: { podSandboxId: pod.id } });
    expect(containers.filter((c) => c.metadata?.name === 'missing')).toEqual([]);
  });

  it('refuses a duplicate container name, a second start, and updates of an exited container', async () => {
    const id = await startContainer(h, pod, h.container('dup', 'exec sleep 3600'));
    await expectCode(
      h.client.runtime.CreateContainer({
        podSandboxId: pod.id,
        config: h.container('dup', 'true'),
      }),
      status.ALREADY_EXISTS,
    );
    await expectCode(
      h.client.runtime.StartContainer({ containerId: id }),
      status.FAILED_PRECONDITION,
    );
    await expectCode(
      h.client.runtime.UpdateContainerResources({ containerId: id, linux: { cpuQuota: 10 } }),
      status.INVALID_ARGUMENT,
    );
    await h.client.runtime.StopContainer({ containerId: id, timeout: 0 });
    await expectCode(
      h.client.runtime.UpdateContainerResources({ containerId: id, linux: { cpuShares: 100 } }),
      status.FAILED_PRECONDITION,
    );
    await h.client.runtime.RemoveContainer({ containerId: id });
  });

  it('refuses invalid sandbox configs', async () => {
    const r = h.client.runtime;
    await expectCode(
      r.RunPodSandbox({ config: { metadata: { name: 'x', namespace: 'd' } } }),
      status.INVALID_ARGUMENT,
    );
    await expectCode(
      r.RunPodSandbox({ config: h.pod('badhost', { hostname: 'not a hostname!' }) }),
      status.INVALID_ARGUMENT,
    );
    await expectCode(
      r.RunPodSandbox({ config: h.pod('baddns', { dnsConfig: { servers: ['not-an-ip'] } }) }),
      status.INVALID_ARGUMENT,
    );
    await expectCode(
      r.RunPodSandbox({ config: h.pod('handler'), runtimeHandler: 'kata' }),
      status.INVALID_ARGUMENT,
    );
    // Refused by the network after the sandbox was begun: everything is undone.
    const before = await readdir(join(h.root, 'sandboxes'));
    const msg = await expectCode(
      r.RunPodSandbox({
        config: h.pod('badport', {
          portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 99999 }],
        }),
      }),
      status.INVALID_ARGUMENT,
    );
    expect(msg).toMatch(/hostPort/);
    expect(await readdir(join(h.root, 'sandboxes'))).toEqual(before);
    const { items } = await r.ListPodSandbox({});
    expect(items.map((s) => s.metadata?.name)).toEqual([
      pod.config.metadata?.name,
      expect.stringMatching(/^stopped-/),
    ]);
  });

  it('returns the same sandbox for a repeated RunPodSandbox with the same metadata', async () => {
    const config = h.pod('again');
    const a = await h.client.runtime.RunPodSandbox({ config });
    const b = await h.client.runtime.RunPodSandbox({ config });
    expect(b.podSandboxId).toBe(a.podSandboxId);
    await h.client.runtime.RemovePodSandbox({ podSandboxId: a.podSandboxId });
  });

  it('answers PullImage for a missing image with NOT_FOUND and how to import it', async () => {
    const msg = await expectCode(
      h.client.image.PullImage({ image: { image: 'nginx:1.27' } }),
      status.NOT_FOUND,
    );
    expect(msg).toMatch(/tug-shim import/);
    const present = await h.client.image.PullImage({ image: { image: 'busybox' } });
    expect(present.imageRef).toMatch(/^sha256:/);
    const st = await h.client.image.ImageStatus({ image: { image: 'nginx:1.27' } });
    expect(st.image).toBeNull();
  });
});
