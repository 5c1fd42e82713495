import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerConfig } from '../../proto/generated/tugboat/runtime/v1/ContainerConfig.js';
import { waitFor } from '../../lib/wait.js';
import { startShim, type ShimHarness } from './support/harness.js';
import { FakeImageStore } from './support/fake-images.js';
import { expectCode, logLines, runPod, startContainer, waitExited } from './support/helpers.js';

describe('image config applies unless the container config overrides it', () => {
  let h: ShimHarness;
  let pod: Awaited<ReturnType<typeof runPod>>;
  beforeAll(async () => {
    h = await startShim({
      images: async (dir) => {
        const s = new FakeImageStore(dir);
        await s.addBusybox('docker.io/library/busybox:latest');
        await s.addBusybox('docker.io/tug/entry:1', {
          entrypoint: ['echo', 'entry'],
          cmd: ['default-arg'],
          env: ['PATH=/bin', 'FROM_IMAGE=image', 'OVERRIDE=image'],
          workingDir: '/tmp',
          user: 'app',
          stopSignal: 'SIGINT',
        });
        await s.addBusybox('docker.io/tug/nocmd:1', { env: ['PATH=/bin'] });
        return s;
      },
    });
    pod = await runPod(h, 'img');
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  const output = async (name: string, cfg: Partial<ContainerConfig>): Promise<string> => {
    const id = await startContainer(h, pod, {
      metadata: { name, attempt: 0 },
      image: { image: 'tug/entry:1' },
      logPath: `${name}.log`,
      ...cfg,
    });
    const s = await waitExited(h, id);
    expect(s.exitCode).toBe(0);
    return (await logLines(s.logPath)).map((l) => l.text).join('\n');
  };

  it('follows Kubernetes: command replaces Entrypoint, args replace Cmd', async () => {
    expect(await output('both-image', {})).toBe('entry default-arg');
    expect(await output('args-only', { args: ['x', 'y'] })).toBe('entry x y');
    expect(await output('command-only', { command: ['echo', 'cmd'] })).toBe('cmd');
    expect(await output('command-args', { command: ['echo', 'cmd'], args: ['a'] })).toBe('cmd a');
  });

  it('applies Env, WorkingDir and User from the image, with container overrides', async () => {
    const script = 'echo "$FROM_IMAGE $OVERRIDE $EXTRA"; pwd; id -un';
    expect(
      await output('env', {
        command: ['sh', '-c', script],
        envs: [
          { key: 'OVERRIDE', value: 'container' },
          { key: 'EXTRA', value: 'x' },
        ],
      }),
    ).toBe('image container x\n/tmp\napp');
    expect(
      await output('override', {
        command: ['sh', '-c', 'pwd; id -u'],
        workingDir: '/home',
        linux: { securityContext: { runAsUser: { value: 0 } } },
      }),
    ).toBe('/home\n0');
  });

  it('uses the image stop signal', async () => {
    const id = await startContainer(h, pod, {
      metadata: { name: 'stopsig', attempt: 0 },
      image: { image: 'tug/entry:1' },
      command: [
        'sh',
        '-c',
        "trap 'exit 0' INT; trap '' TERM; echo ready; while :; do sleep 0.1; done",
      ],
      logPath: 'stopsig.log',
    });
    await waitFor(
      async () =>
        (await logLines(`${pod.config.logDirectory}/stopsig.log`)).some((l) => l.text === 'ready'),
      {
        what: 'traps installed',
      },
    );
    await h.client.runtime.StopContainer({ containerId: id, timeout: 20 });
    const s = await waitExited(h, id);
    expect(s.exitCode).toBe(0);
  });

  it('refuses a container with no command when the image has neither Entrypoint nor Cmd', async () => {
    const msg = await expectCode(
      h.client.runtime.CreateContainer({
        podSandboxId: pod.id,
        config: { metadata: { name: 'nocmd', attempt: 0 }, image: { image: 'tug/nocmd:1' } },
      }),
      status.INVALID_ARGUMENT,
    );
    expect(msg).toMatch(/no command/);
  });
});
