import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import {
  ConnectionError,
  statusErrorFromResponse,
  type RestConfig,
} from '../../controlplane/client/index.js';
import type { TextSink } from '../io.js';
import {
  EXEC_PROTOCOLS,
  PROTOCOL_V5,
  STREAM_ERROR,
  STREAM_STDERR,
  STREAM_STDIN,
  STREAM_STDOUT,
  closeFrame,
  decodeFrame,
  encodeFrame,
  outcomeOfStatus,
  type RemoteOutcome,
} from './channel.js';
import { outputWriter, type OutputWriter } from './output.js';

/** ExecRequest is one command to run in a pod's container and where its streams go. */
export interface ExecRequest {
  namespace: string;
  pod: string;
  /** container is sent as is; the API server picks the only one when absent. */
  container?: string;
  command: readonly string[];
  /** stdin, when given, is forwarded (channel 0) and its end sent as EOF (v5's close of stream 0). */
  stdin?: AsyncIterable<Buffer | string>;
  stdout: TextSink;
  stderr: TextSink;
  /** signal ends the session (the server then kills the command) and rejects with its reason. */
  signal: AbortSignal;
}

/** NORMAL_CLOSURE is the close code of a session that ended cleanly. */
const NORMAL_CLOSURE = 1000;
const defaultHandshakeMs = 60_000;

/**
 * execUrl is the WebSocket URL of `pods/NAME/exec` for a request, with
 * PodExecOptions in the query as kubectl sends them (`command` once per
 * argument; stdout and stderr always; stdin when forwarded).
 */
export function execUrl(
  server: string,
  req: Omit<ExecRequest, 'stdout' | 'stderr' | 'signal'>,
): URL {
  const u = new URL(server);
  u.protocol = u.protocol === 'http:' ? 'ws:' : 'wss:';
  u.pathname =
    `${u.pathname.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(req.namespace)}` +
    `/pods/${encodeURIComponent(req.pod)}/exec`;
  u.search = '';
  if (req.stdin) u.searchParams.append('stdin', 'true');
  u.searchParams.append('stdout', 'true');
  u.searchParams.append('stderr', 'true');
  if (req.container) u.searchParams.append('container', req.container);
  for (const c of req.command) u.searchParams.append('command', c);
  return u;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

async function readBody(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res as AsyncIterable<string>) text += chunk;
  return text;
}

/**
 * execInPod runs a command in a pod over the API server's exec WebSocket
 * (v5.channel.k8s.io, else v4), authenticating with the config's bearer
 * token or client certificate and verifying the server with its CA. It
 * writes stdout and stderr as they arrive (pausing the socket while a
 * stream sink is full), forwards `stdin` when given, and resolves once the
 * server closes with how the command ended: its exit code, or a failure the
 * server reported. Rejects with a StatusError when the server refuses the
 * request (missing pod, bad container …), a ConnectionError when it can't
 * be reached or the connection breaks before the command ends, and the
 * signal's reason when `signal` aborts.
 */
export function execInPod(config: Readonly<RestConfig>, req: ExecRequest): Promise<RemoteOutcome> {
  req.signal.throwIfAborted();
  const url = execUrl(config.server, req);
  const headers: Record<string, string> = {
    'User-Agent': config.userAgent ?? 'tugboat-client/0.1',
  };
  if (config.token) headers['Authorization'] = `Bearer ${config.token}`;
  const ws = new WebSocket(url, [...EXEC_PROTOCOLS], {
    headers,
    perMessageDeflate: false,
    handshakeTimeout: config.timeoutMs || defaultHandshakeMs,
    rejectUnauthorized: !config.insecureSkipTLSVerify,
    ...(config.ca ? { ca: config.ca } : {}),
    ...(config.cert ? { cert: config.cert } : {}),
    ...(config.key ? { key: config.key } : {}),
    ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
  });
  const stdout = outputWriter(req.stdout);
  const stderr = outputWriter(req.stderr);
  let status = '';
  let sawStatus = false;
  let failure: unknown;

  return new Promise<RemoteOutcome>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      req.signal.removeEventListener('abort', onAbort);
      stdout.end();
      stderr.end();
      f();
    };
    const onAbort = (): void => {
      ws.terminate();
      finish(() => reject(req.signal.reason));
    };
    req.signal.addEventListener('abort', onAbort, { once: true });

    ws.on('unexpected-response', (httpReq, res) => {
      // The server answered the upgrade with a Status (404 pod, 400 container …).
      readBody(res)
        .then((body) => finish(() => reject(statusErrorFromResponse(res.statusCode ?? 0, body))))
        .catch((e: unknown) => finish(() => reject(connectionError(url, e))))
        .finally(() => httpReq.destroy());
    });
    ws.on('error', (e) => {
      failure ??= e;
      // Before the upgrade there will be no close event with a code worth reading.
      if (ws.readyState !== WebSocket.OPEN && ws.readyState !== WebSocket.CLOSING) {
        finish(() => reject(connectionError(url, e)));
      }
    });
    ws.on('open', () => {
      if (!EXEC_PROTOCOLS.includes(ws.protocol)) {
        ws.terminate();
        finish(() =>
          reject(
            new ConnectionError(
              `${url.origin}: the server speaks none of ${EXEC_PROTOCOLS.join(', ')} for exec`,
            ),
          ),
        );
        return;
      }
      if (req.stdin) {
        pumpStdin(ws, req.stdin, ws.protocol === PROTOCOL_V5).catch((e: unknown) => {
          failure ??= e;
          ws.terminate();
        });
      }
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      const frame = decodeFrame(toBuffer(data));
      if (!frame) return;
      if (frame.stream === STREAM_STDOUT) deliver(ws, stdout, frame.data);
      else if (frame.stream === STREAM_STDERR) deliver(ws, stderr, frame.data);
      else if (frame.stream === STREAM_ERROR) {
        sawStatus = true;
        status += frame.data.toString('utf8');
      }
    });
    ws.on('close', (code) => {
      if (sawStatus) {
        finish(() => resolve(outcomeOfStatus(status)));
        return;
      }
      if (code === NORMAL_CLOSURE) {
        // client-go reads a clean close without a Status as success.
        finish(() => resolve({ kind: 'exited', code: 0 }));
        return;
      }
      finish(() =>
        reject(
          new ConnectionError(
            `${url.origin}: the exec connection closed (code ${code}) before the command ended`,
            failure ? { cause: failure } : undefined,
          ),
        ),
      );
    });
  });
}

/** deliver writes output, pausing the socket until a full sink drains. */
function deliver(ws: WebSocket, out: OutputWriter, data: Buffer): void {
  if (data.length === 0) return;
  if (!out.write(data)) {
    ws.pause();
    out.onDrain(() => ws.resume());
  }
}

/** pumpStdin forwards stdin as channel-0 frames, each sent before the next is read; at EOF v5 closes stream 0. */
async function pumpStdin(
  ws: WebSocket,
  stdin: AsyncIterable<Buffer | string>,
  canClose: boolean,
): Promise<void> {
  const send = (frame: Buffer): Promise<void> =>
    new Promise((resolve, reject) => ws.send(frame, (e) => (e ? reject(e) : resolve())));
  for await (const chunk of stdin) {
    if (ws.readyState !== WebSocket.OPEN) return;
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (data.length > 0) await send(encodeFrame(STREAM_STDIN, data));
  }
  if (canClose && ws.readyState === WebSocket.OPEN) await send(closeFrame(STREAM_STDIN));
}

function connectionError(url: URL, e: unknown): ConnectionError {
  const msg = e instanceof Error ? e.message : String(e);
  return new ConnectionError(`${url.origin}: ${msg}`, { cause: e });
}
