import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { isBadRequest } from '../../controlplane/api/errors.js';
import { isConnectionError } from '../../controlplane/client/index.js';
import { exitStatus } from '../../node-agent/server/channel.js';
import { BufferSink } from '../io.js';
import { PROTOCOL_V4, PROTOCOL_V5, STREAM_CLOSE, encodeFrame } from './channel.js';
import { execInPod, execUrl } from './exec-client.js';

/**
 * A stand-in for the API server's exec endpoint (the real one is exercised
 * by the e2e tests): it records the upgrade request and runs `session` on
 * each connection.
 */
interface FakeExec {
  url: string;
  requests: IncomingMessage[];
  close(): Promise<void>;
}

let server: FakeExec | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function fakeExec(
  session: (ws: WebSocket) => void,
  o: { protocols?: string[]; refuse?: { code: number; body: string } } = {},
): Promise<FakeExec> {
  const requests: IncomingMessage[] = [];
  const http: Server = createServer();
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) =>
      (o.protocols ?? [PROTOCOL_V5, PROTOCOL_V4]).find((p) => offered.has(p)) ?? false,
  });
  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    requests.push(req);
    if (o.refuse) {
      socket.end(
        `HTTP/1.1 ${o.refuse.code} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(o.refuse.body)}\r\nConnection: close\r\n\r\n${o.refuse.body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => session(ws));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

const run = (
  url: string,
  o: { stdin?: string[]; signal?: AbortSignal; command?: string[] } = {},
): { out: BufferSink; err: BufferSink; done: ReturnType<typeof execInPod> } => {
  const out = new BufferSink();
  const err = new BufferSink();
  const done = execInPod(
    { server: url, token: 'sekret', userAgent: 'tug-test' },
    {
      namespace: 'ns 1',
      pod: 'web',
      container: 'main',
      command: o.command ?? ['sh', '-c', 'echo hi'],
      ...(o.stdin ? { stdin: Readable.from(o.stdin.map((s) => Buffer.from(s))) } : {}),
      stdout: out,
      stderr: err,
      signal: o.signal ?? new AbortController().signal,
    },
  );
  return { out, err, done };
};

describe('execInPod', () => {
  it('builds the exec URL as kubectl does', () => {
    const u = execUrl('https://10.0.0.1:6443/prefix/', {
      namespace: 'default',
      pod: 'p',
      container: 'c',
      command: ['ls', '-l', 'a b'],
      stdin: Readable.from([]),
    });
    expect(u.protocol).toBe('wss:');
    expect(u.pathname).toBe('/prefix/api/v1/namespaces/default/pods/p/exec');
    expect(u.search).toBe(
      '?stdin=true&stdout=true&stderr=true&container=c&command=ls&command=-l&command=a+b',
    );
  });

  it('sends the request with token and subprotocols, writes stdout and stderr, and reads the exit code', async () => {
    server = await fakeExec((ws) => {
      ws.send(encodeFrame(1, 'to out\n'));
      ws.send(encodeFrame(2, 'to err\n'));
      ws.send(encodeFrame(3, JSON.stringify(exitStatus(7, ['x']))));
      ws.close(1000);
    });
    const r = run(server.url);
    expect(await r.done).toEqual({ kind: 'exited', code: 7 });
    expect(r.out.text).toBe('to out\n');
    expect(r.err.text).toBe('to err\n');
    const req = server.requests[0]!;
    expect(req.url).toBe(
      '/api/v1/namespaces/ns%201/pods/web/exec?stdout=true&stderr=true&container=main&command=sh&command=-c&command=echo+hi',
    );
    expect(req.headers['authorization']).toBe('Bearer sekret');
    expect(req.headers['user-agent']).toBe('tug-test');
    expect(req.headers['sec-websocket-protocol']).toBe(`${PROTOCOL_V5},${PROTOCOL_V4}`);
  });

  it('forwards stdin and ends it with a v5 close of stream 0', async () => {
    const seen: Buffer[] = [];
    server = await fakeExec((ws) => {
      ws.on('message', (data: Buffer) => {
        seen.push(data);
        if (data[0] === 0) ws.send(encodeFrame(1, data.subarray(1)));
        if (data[0] === STREAM_CLOSE) {
          ws.send(encodeFrame(3, JSON.stringify(exitStatus(0, ['cat']))));
          ws.close(1000);
        }
      });
    });
    const r = run(server.url, { stdin: ['line one\n', 'line two\n'], command: ['cat'] });
    expect(await r.done).toEqual({ kind: 'exited', code: 0 });
    expect(r.out.text).toBe('line one\nline two\n');
    expect(server.requests[0]!.url).toContain('stdin=true');
    expect(seen.at(-1)).toEqual(Buffer.from([255, 0]));
  });

  it('speaks v4 when that is all the server offers (no close frame there)', async () => {
    const seen: Buffer[] = [];
    server = await fakeExec(
      (ws) => {
        ws.on('message', (data: Buffer) => {
          seen.push(data);
          ws.send(encodeFrame(3, JSON.stringify(exitStatus(0, ['cat']))));
          ws.close(1000);
        });
      },
      { protocols: [PROTOCOL_V4] },
    );
    const r = run(server.url, { stdin: ['x'] });
    expect(await r.done).toEqual({ kind: 'exited', code: 0 });
    expect(seen.every((b) => b[0] === 0)).toBe(true);
  });

  it('turns a refused upgrade into the StatusError the server sent', async () => {
    const body = JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: 'container zz is not valid for pod web',
      reason: 'BadRequest',
      code: 400,
    });
    server = await fakeExec(() => {}, { refuse: { code: 400, body } });
    const e = await run(server.url).done.catch((x: unknown) => x);
    expect(isBadRequest(e)).toBe(true);
    expect((e as Error).message).toBe('container zz is not valid for pod web');
  });

  it('rejects with a ConnectionError when the connection breaks before the exit status', async () => {
    server = await fakeExec((ws) => {
      ws.send(encodeFrame(1, 'partial'));
      setImmediate(() => ws.terminate());
    });
    const r = run(server.url);
    const e = await r.done.catch((x: unknown) => x);
    expect(isConnectionError(e)).toBe(true);
    expect(r.out.text).toBe('partial');
  });

  it('ends the session when the signal aborts, rejecting with its reason', async () => {
    let closed!: Promise<void>;
    server = await fakeExec((ws) => {
      closed = new Promise((resolve) => ws.once('close', () => resolve()));
      ws.send(encodeFrame(1, 'started\n'));
    });
    const ac = new AbortController();
    const r = run(server.url, { signal: ac.signal });
    await expect.poll(() => r.out.text, { timeout: 10_000 }).toBe('started\n');
    ac.abort(new Error('interrupted'));
    await expect(r.done).rejects.toThrow('interrupted');
    await closed;
  });

  it('fails with a ConnectionError when nothing listens', async () => {
    const gone = await fakeExec(() => {});
    await gone.close();
    const e = await run(gone.url).done.catch((x: unknown) => x);
    expect(isConnectionError(e)).toBe(true);
    expect((e as { code?: string }).code).toBe('ECONNREFUSED');
  });
});
