import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { nopLogger } from '../../lib/log.js';
import { RuntimeError } from '../runtime/errors.js';
import {
  PROTOCOL_V4,
  PROTOCOL_V5,
  STREAM_CLOSE,
  STREAM_ERROR,
  STREAM_STDIN,
  exitStatus,
  frame,
  parseFrame,
  parseProtocolHeader,
  pickProtocol,
} from './channel.js';
import { runExecSession } from './exec-session.js';
import type { ExecCall, ExecIo, ExecStart, StreamingRuntime } from './streaming-runtime.js';

describe('channel framing', () => {
  it('prefixes frames with their stream byte', () => {
    expect([...frame(1, 'hi')]).toEqual([1, 0x68, 0x69]);
    expect([...frame(3)]).toEqual([3]);
  });

  it('decodes client frames; close only in v5', () => {
    expect(parseFrame(Buffer.from([0, 0x61]), PROTOCOL_V5)).toEqual({
      kind: 'stdin',
      data: Buffer.from('a'),
    });
    expect(parseFrame(Buffer.from([STREAM_CLOSE, 0]), PROTOCOL_V5)).toEqual({
      kind: 'close',
      stream: 0,
    });
    expect(parseFrame(Buffer.from([STREAM_CLOSE, 0]), PROTOCOL_V4)?.kind).toBe('invalid');
    expect(parseFrame(Buffer.from([1, 0x61]), PROTOCOL_V5)?.kind).toBe('invalid');
    expect(parseFrame(Buffer.alloc(0), PROTOCOL_V5)).toBeUndefined();
  });

  it('prefers v5, then v4, and nothing else', () => {
    expect(pickProtocol(parseProtocolHeader('v4.channel.k8s.io, v5.channel.k8s.io'))).toBe(
      PROTOCOL_V5,
    );
    expect(pickProtocol(parseProtocolHeader(['channel.k8s.io', 'v4.channel.k8s.io']))).toBe(
      PROTOCOL_V4,
    );
    expect(pickProtocol(parseProtocolHeader('v3.channel.k8s.io,channel.k8s.io'))).toBeUndefined();
  });

  it('reports exit codes the way kubelet does (kubectl reads the ExitCode cause)', () => {
    expect(exitStatus(0, ['true'])).toEqual({ metadata: {}, status: 'Success' });
    expect(exitStatus(3, ['sh', '-c', 'exit 3'])).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });
});

/** FakeExec runs "commands" in memory: `cat` echoes stdin to stdout; `fail N` exits N after writing to stderr. */
class FakeStreaming implements Pick<StreamingRuntime, 'exec'> {
  started: ExecStart[] = [];
  cancelled = 0;
  pauses = 0;

  exec(start: ExecStart, io: ExecIo): ExecCall {
    this.started.push(start);
    let settle!: (code: number) => void;
    let fail!: (e: Error) => void;
    const exit = new Promise<number>((res, rej) => {
      settle = res;
      fail = rej;
    });
    exit.catch(() => undefined);
    const [cmd, arg] = start.cmd;
    if (cmd === 'fail') {
      io.stderr(Buffer.from('oops\n'));
      settle(Number(arg));
    } else if (cmd === 'flood') {
      // Writes 16 MiB as fast as the session lets it, honouring pauses.
      let left = 16;
      let paused = false;
      const pump = (): void => {
        while (left > 0 && !paused) {
          left--;
          io.stdout(Buffer.alloc(1024 * 1024, 0x61));
        }
        if (left === 0) settle(0);
      };
      setImmediate(pump);
      return {
        write: () => true,
        onWritable: (cb) => cb(),
        pauseOutput: () => {
          this.pauses++;
          paused = true;
        },
        resumeOutput: () => {
          paused = false;
          setImmediate(pump);
        },
        closeStdin: () => {},
        cancel: () => fail(new RuntimeError('Cancelled', 'cancelled')),
        exit,
      };
    } else if (cmd === 'broken') {
      fail(new RuntimeError('FailedPrecondition', 'container is exited'));
    }
    return {
      write: (b) => {
        io.stdout(b);
        return true;
      },
      onWritable: (cb) => cb(),
      pauseOutput: () => {},
      resumeOutput: () => {},
      closeStdin: () => settle(0),
      cancel: () => {
        this.cancelled++;
        fail(new RuntimeError('Cancelled', 'cancelled'));
      },
      exit,
    };
  }
}

interface Session {
  ws: WebSocket;
  frames: Buffer[];
  closed: Promise<number>;
}

describe('exec sessions over WebSocket', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function open(
    runtime: FakeStreaming,
    start: Omit<ExecStart, 'containerId'>,
    protocols = [PROTOCOL_V5, PROTOCOL_V4],
  ): Promise<Session> {
    const http = createServer();
    const wss = new WebSocketServer({
      server: http,
      handleProtocols: (p) => pickProtocol(p) ?? false,
    });
    wss.on('connection', (ws) => {
      void runExecSession(
        ws,
        ws.protocol,
        runtime as unknown as StreamingRuntime,
        { containerId: 'c1', ...start },
        nopLogger,
      );
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    });
    const ws = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/`, protocols);
    const frames: Buffer[] = [];
    ws.on('message', (d) => frames.push(d as Buffer));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    await new Promise<void>((r, j) => {
      ws.once('open', () => r());
      ws.once('error', j);
    });
    return { ws, frames, closed };
  }

  const status = (frames: Buffer[]): unknown => {
    const f = frames.find((b) => b[0] === STREAM_ERROR);
    return f ? JSON.parse(f.subarray(1).toString()) : undefined;
  };
  const text = (frames: Buffer[], stream: number): string =>
    Buffer.concat(frames.filter((b) => b[0] === stream).map((b) => b.subarray(1))).toString();

  it('feeds stdin, streams stdout, ends with Success on stream 3 and a normal close (v5)', async () => {
    const rt = new FakeStreaming();
    const s = await open(rt, { cmd: ['cat'], stdin: true, stdout: true, stderr: true });
    expect(s.ws.protocol).toBe(PROTOCOL_V5);
    s.ws.send(Buffer.from([STREAM_STDIN, ...Buffer.from('hello')]));
    s.ws.send(Buffer.from([STREAM_CLOSE, STREAM_STDIN]));
    expect(await s.closed).toBe(1000);
    expect(text(s.frames, 1)).toBe('hello');
    expect(status(s.frames)).toEqual({ metadata: {}, status: 'Success' });
  });

  it('reports a non-zero exit with stderr (v4)', async () => {
    const rt = new FakeStreaming();
    const s = await open(rt, { cmd: ['fail', '3'], stdin: false, stdout: true, stderr: true }, [
      PROTOCOL_V4,
    ]);
    expect(s.ws.protocol).toBe(PROTOCOL_V4);
    expect(await s.closed).toBe(1000);
    expect(text(s.frames, 2)).toBe('oops\n');
    expect(status(s.frames)).toMatchObject({
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('reports a runtime failure as a Failure Status', async () => {
    const s = await open(new FakeStreaming(), {
      cmd: ['broken'],
      stdin: false,
      stdout: true,
      stderr: false,
    });
    expect(await s.closed).toBe(1000);
    expect(status(s.frames)).toMatchObject({ status: 'Failure', message: 'container is exited' });
  });

  it('holds back output a slow client has not taken, and loses none of it', async () => {
    const rt = new FakeStreaming();
    const s = await open(rt, { cmd: ['flood'], stdin: false, stdout: true, stderr: false });
    expect(await s.closed).toBe(1000);
    expect(rt.pauses).toBeGreaterThan(0);
    const got = s.frames.filter((b) => b[0] === 1).reduce((a, b) => a + b.length - 1, 0);
    expect(got).toBe(16 * 1024 * 1024);
    expect(status(s.frames)).toEqual({ metadata: {}, status: 'Success' });
  });

  it('kills the command when the client goes away', async () => {
    const rt = new FakeStreaming();
    const s = await open(rt, { cmd: ['cat'], stdin: true, stdout: true, stderr: false });
    s.ws.terminate();
    await s.closed;
    await expect.poll(() => rt.cancelled, { timeout: 10_000 }).toBe(1);
  });
});
