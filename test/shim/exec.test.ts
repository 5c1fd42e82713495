import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecStreamResponse__Output } from '../../proto/generated/tugboat/runtime/v1/ExecStreamResponse.js';
import { grpcCode } from '../../proto/loader.js';
import { startShim, type ShimHarness } from './support/harness.js';
import { expectCode, runPod, startContainer, waitExited } from './support/helpers.js';

interface ExecOutcome {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
  error?: unknown;
}

/** streamExec runs a streaming Exec, sending `input` chunks then closing stdin. */
function streamExec(
  h: ShimHarness,
  containerId: string,
  cmd: string[],
  input: string[],
  opts: { stdin?: boolean; closeWith?: 'message' | 'end' } = {},
): Promise<ExecOutcome> {
  return new Promise((resolve) => {
    const call = h.client.raw.runtime.Exec();
    const out: ExecOutcome = { stdout: '', stderr: '', exitCode: undefined };
    call.on('data', (m: ExecStreamResponse__Output) => {
      if (m.msg === 'stdout') out.stdout += m.stdout?.toString() ?? '';
      else if (m.msg === 'stderr') out.stderr += m.stderr?.toString() ?? '';
      else if (m.msg === 'exit') out.exitCode = m.exit?.exitCode;
    });
    call.on('error', (e) => resolve({ ...out, error: e }));
    call.on('end', () => resolve(out));
    const stdin = opts.stdin ?? true;
    call.write({ start: { containerId, cmd, stdin, stdout: true, stderr: true, tty: false } });
    for (const chunk of input) call.write({ stdin: Buffer.from(chunk) });
    if (opts.closeWith === 'end') call.end();
    else {
      call.write({ closeStdin: true });
      call.end();
    }
  });
}

describe('exec (sync and streaming)', () => {
  let h: ShimHarness;
  let pod: Awaited<ReturnType<typeof runPod>>;
  let ctr: string;
  beforeAll(async () => {
    h = await startShim();
    pod = await runPod(h, 'exec');
    ctr = await startContainer(
      h,
      pod,
      h.container('main', 'exec sleep 3600', { envs: [{ key: 'GREETING', value: 'hi there' }] }),
    );
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('ExecSync returns output and the exit code, with the container env and user', async () => {
    const r = await h.client.runtime.ExecSync({
      containerId: ctr,
      cmd: ['sh', '-c', 'echo "$GREETING"; echo err >&2; id -u; exit 4'],
      timeout: 10,
    });
    expect(r.stdout.toString()).toBe('hi there\n0\n');
    expect(r.stderr.toString()).toBe('err\n');
    expect(r.exitCode).toBe(4);
    const missing = await h.client.runtime.ExecSync({
      containerId: ctr,
      cmd: ['/no/such/program'],
      timeout: 10,
    });
    expect(missing.exitCode).not.toBe(0);
  });

  it('ExecSync kills a command that passes its timeout and answers DEADLINE_EXCEEDED', async () => {
    await expectCode(
      h.client.runtime.ExecSync({ containerId: ctr, cmd: ['sleep', '60'], timeout: 1 }),
      status.DEADLINE_EXCEEDED,
    );
    // The killed command is gone from the container.
    const ps = await h.client.runtime.ExecSync({ containerId: ctr, cmd: ['ps'], timeout: 10 });
    expect(ps.stdout.toString()).not.toContain('sleep 60');
  });

  it('streaming Exec passes stdin through and reports the exit code', async () => {
    const r = await streamExec(
      h,
      ctr,
      ['sh', '-c', 'read a; read b; echo "got $a and $b"; echo warn >&2; exit 5'],
      ['one\n', 'two\n'],
    );
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe('got one and two\n');
    expect(r.stderr).toBe('warn\n');
    expect(r.exitCode).toBe(5);

    const cat = await streamExec(h, ctr, ['cat'], ['a', 'b', 'c\n'], { closeWith: 'end' });
    expect(cat.stdout).toBe('abc\n');
    expect(cat.exitCode).toBe(0);

    const noStdin = await streamExec(h, ctr, ['echo', 'plain'], [], { stdin: false });
    expect(noStdin.stdout).toBe('plain\n');
    expect(noStdin.exitCode).toBe(0);
  });

  it('streaming Exec rejects a TTY and a first message that is not start', async () => {
    const tty = await new Promise<unknown>((resolve) => {
      const call = h.client.raw.runtime.Exec();
      call.on('data', () => undefined);
      call.on('error', resolve);
      call.on('end', () => resolve(undefined));
      call.write({
        start: { containerId: ctr, cmd: ['sh'], tty: true, stdin: true, stdout: true },
      });
    });
    expect(grpcCode(tty)).toBe(status.INVALID_ARGUMENT);
    const bad = await new Promise<unknown>((resolve) => {
      const call = h.client.raw.runtime.Exec();
      call.on('data', () => undefined);
      call.on('error', resolve);
      call.on('end', () => resolve(undefined));
      call.write({ stdin: Buffer.from('x') });
    });
    expect(grpcCode(bad)).toBe(status.INVALID_ARGUMENT);
  });

  it('refuses exec in an unknown or exited container', async () => {
    await expectCode(
      h.client.runtime.ExecSync({ containerId: 'f'.repeat(64), cmd: ['true'] }),
      status.NOT_FOUND,
    );
    const done = await startContainer(h, pod, h.container('done', 'exit 0'));
    await waitExited(h, done);
    await expectCode(
      h.client.runtime.ExecSync({ containerId: done, cmd: ['true'] }),
      status.FAILED_PRECONDITION,
    );
    const r = await streamExec(h, done, ['true'], []);
    expect(grpcCode(r.error)).toBe(status.FAILED_PRECONDITION);
  });
});
