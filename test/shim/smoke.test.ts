import { describe, expect, it } from 'vitest';
import { startShim } from './support/harness.js';

describe('shim smoke', () => {
  it('runs a pod with one container to completion', async () => {
    await using h = await startShim();
    const c = h.client.runtime;
    const v = await c.Version({ version: 'v1' });
    expect(v.runtimeName).toBe('tug-shim');
    const cfg = h.pod();
    const { podSandboxId } = await c.RunPodSandbox({ config: cfg });
    const st = await c.PodSandboxStatus({ podSandboxId });
    expect(st.status?.state).toBe('SANDBOX_READY');
    expect(st.status?.network?.ip).toMatch(/^10\.200\./);
    const { containerId } = await c.CreateContainer({
      podSandboxId,
      config: h.container('main', 'echo hello; echo oops >&2; exit 3'),
      sandboxConfig: cfg,
    });
    await c.StartContainer({ containerId });
    await h.shim.containers.waitExit(containerId, 20_000);
    const s = await c.ContainerStatus({ containerId });
    expect(s.status?.state).toBe('CONTAINER_EXITED');
    expect(s.status?.exitCode).toBe(3);
    expect(s.status?.reason).toBe('Error');
  });
});
