/** A subset of the shim's tests with runc as the OCI runtime (crun is the default). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/wait.js';
import { startShim, type ShimHarness } from './support/harness.js';
import {
  containerStatus,
  execText,
  logLines,
  runPod,
  startContainer,
  waitExited,
} from './support/helpers.js';

describe('with runc', () => {
  let h: ShimHarness;
  beforeAll(async () => {
    h = await startShim({ runtime: 'runc' });
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('runs a pod of two containers on localhost, with logs, exit codes, exec, stats and kill', async () => {
    const v = await h.client.runtime.Version({ version: 'v1' });
    await waitFor(async () =>
      (await h.client.runtime.Version({ version: 'v1' })).ociRuntime.startsWith('runc'),
    );
    expect(v.runtimeName).toBe('tug-shim');
    const pod = await runPod(h, 'runc');
    await startContainer(
      h,
      pod,
      h.container(
        'srv',
        'mkdir -p /www && echo runc-ok > /www/index.html && exec httpd -f -p 8080 -h /www',
      ),
    );
    const cli = await startContainer(
      h,
      pod,
      h.container('cli', "trap '' TERM; echo up; exec sleep 3600"),
    );
    const body = await waitFor(
      async () => {
        const r = await h.client.runtime.ExecSync({
          containerId: cli,
          cmd: ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/'],
          timeout: 10,
        });
        return r.exitCode === 0 ? r.stdout.toString() : undefined;
      },
      { timeoutMs: 20_000, what: 'localhost between containers' },
    );
    expect(body).toBe('runc-ok\n');
    expect(await execText(h, cli, ['hostname'])).toBe('runc\n');

    const three = await startContainer(h, pod, h.container('three', 'echo bye; exit 3'));
    const s3 = await waitExited(h, three);
    expect([s3.exitCode, s3.reason]).toEqual([3, 'Error']);
    expect((await logLines(s3.logPath)).map((l) => `${l.stream} ${l.text}`)).toEqual([
      'stdout bye',
    ]);

    const stats = await h.client.runtime.ContainerStats({ containerId: cli });
    expect(BigInt(stats.stats?.memory?.workingSetBytes?.value ?? '0')).toBeGreaterThan(0n);

    await h.client.runtime.StopContainer({ containerId: cli, timeout: 1 });
    expect((await containerStatus(h, cli)).exitCode).toBe(137);
    await h.client.runtime.RemovePodSandbox({ podSandboxId: pod.id });
    expect((await h.client.runtime.ListContainers({})).containers).toEqual([]);
  });
});
