/** Small helpers shared by the shim's integration tests. */
import { status } from '@grpc/grpc-js';
import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { waitFor } from '../../../lib/wait.js';
import { grpcCode } from '../../../proto/loader.js';
import type { ContainerConfig } from '../../../proto/generated/tugboat/runtime/v1/ContainerConfig.js';
import type { ContainerStatus__Output } from '../../../proto/generated/tugboat/runtime/v1/ContainerStatus.js';
import type { PodSandboxConfig } from '../../../proto/generated/tugboat/runtime/v1/PodSandboxConfig.js';
import type { ShimHarness } from './harness.js';

/** runPod runs a sandbox and returns its id and config. */
export async function runPod(
  h: ShimHarness,
  name?: string,
  extra?: Partial<PodSandboxConfig>,
): Promise<{ id: string; config: PodSandboxConfig }> {
  const config = h.pod(name, extra);
  const { podSandboxId } = await h.client.runtime.RunPodSandbox({ config });
  return { id: podSandboxId, config };
}

/** startContainer creates and starts a container and returns its id. */
export async function startContainer(
  h: ShimHarness,
  pod: { id: string; config: PodSandboxConfig },
  config: ContainerConfig,
): Promise<string> {
  const { containerId } = await h.client.runtime.CreateContainer({
    podSandboxId: pod.id,
    config,
    sandboxConfig: pod.config,
  });
  await h.client.runtime.StartContainer({ containerId });
  return containerId;
}

/** containerStatus returns a container's status. */
export async function containerStatus(
  h: ShimHarness,
  id: string,
): Promise<ContainerStatus__Output> {
  const { status: s } = await h.client.runtime.ContainerStatus({ containerId: id });
  if (!s) throw new Error('no status');
  return s;
}

/** waitExited waits until the container has exited and returns its status. */
export function waitExited(
  h: ShimHarness,
  id: string,
  timeoutMs = 30_000,
): Promise<ContainerStatus__Output> {
  return waitFor(
    async () => {
      const s = await containerStatus(h, id);
      return s.state === 'CONTAINER_EXITED' ? s : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `container ${id} to exit` },
  );
}

/** expectCode asserts that `p` rejects with gRPC status `code` and returns the error message. */
export async function expectCode(p: Promise<unknown>, code: status): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(status[grpcCode(e) ?? -1]).toBe(status[code]);
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error(`expected gRPC ${status[code]}, the call succeeded`);
}

/** CRI_LOG_LINE matches one CRI log line: time, stream, tag, content. */
export const CRI_LOG_LINE = /^(\S+) (stdout|stderr) (F|P) (.*)$/;

/** logLines reads a CRI log file and returns its parsed lines. */
export async function logLines(
  path: string,
): Promise<{ time: string; stream: string; tag: string; text: string }[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = CRI_LOG_LINE.exec(l);
      if (!m) throw new Error(`not a CRI log line: ${JSON.stringify(l)}`);
      return { time: m[1] ?? '', stream: m[2] ?? '', tag: m[3] ?? '', text: m[4] ?? '' };
    });
}

/** execText runs ExecSync and returns stdout as text, asserting exit code 0. */
export async function execText(h: ShimHarness, id: string, cmd: string[]): Promise<string> {
  const r = await h.client.runtime.ExecSync({ containerId: id, cmd, timeout: 30 });
  if (r.exitCode !== 0) {
    throw new Error(`exec ${cmd.join(' ')} exited ${r.exitCode}: ${r.stderr.toString()}`);
  }
  return r.stdout.toString();
}
