import type { WebSocket, RawData } from 'ws';
import type { Logger } from '../../lib/log.js';
import {
  STREAM_ERROR,
  STREAM_STDERR,
  STREAM_STDIN,
  STREAM_STDOUT,
  errorStatus,
  exitStatus,
  frame,
  parseFrame,
} from './channel.js';
import type { ExecStart, StreamingRuntime } from './streaming-runtime.js';

/** NORMAL_CLOSURE is the WebSocket close code client-go reads as a clean end of every stream. */
const NORMAL_CLOSURE = 1000;
/** HIGH_WATER and LOW_WATER bound the output queued for a slow client (bytes). */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * runExecSession joins an upgraded WebSocket (subprotocol `protocol`) to a
 * command started on the runtime: stdin frames feed it, a v5 close of
 * stream 0 ends its stdin, its stdout and stderr go out as frames 1 and 2,
 * and when it ends one Status goes out on stream 3 (Success, or
 * NonZeroExitCode with the code) before a normal close. The client going
 * away kills the command. Resolves once both sides are done; never rejects.
 */
export async function runExecSession(
  ws: WebSocket,
  protocol: string,
  runtime: StreamingRuntime,
  start: ExecStart,
  log: Logger,
): Promise<void> {
  let finished = false;
  // Output the client hasn't taken yet; past the high mark the command's output waits.
  let unsent = 0;
  let outputPaused = false;
  const send = (stream: number, data: Buffer | string): void => {
    if (ws.readyState !== ws.OPEN) return;
    const f = frame(stream, data);
    unsent += f.length;
    ws.send(f, () => {
      unsent -= f.length;
      if (outputPaused && unsent <= LOW_WATER) {
        outputPaused = false;
        call.resumeOutput();
      }
    });
    if (!outputPaused && unsent > HIGH_WATER) {
      outputPaused = true;
      call.pauseOutput();
    }
  };
  const call = runtime.exec(start, {
    stdout: (b) => send(STREAM_STDOUT, b),
    stderr: (b) => send(STREAM_STDERR, b),
  });
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const f = parseFrame(toBuffer(data), protocol);
    if (!f) return;
    if (f.kind === 'stdin' && start.stdin) {
      // A full stdin buffer stops reading the client until the command catches up.
      if (!call.write(f.data)) {
        ws.pause();
        call.onWritable(() => ws.resume());
      }
    } else if (f.kind === 'close' && f.stream === STREAM_STDIN) call.closeStdin();
    else if (f.kind === 'invalid') log.debug('exec: ignoring a client frame', { why: f.why });
    // Resize needs a TTY, which the runtime does not offer: the request was refused before.
  });
  const closed = new Promise<void>((resolve) => {
    ws.once('close', () => {
      if (!finished) call.cancel();
      resolve();
    });
    ws.once('error', (err) => {
      log.debug('exec: websocket error', { err });
      if (!finished) call.cancel();
    });
  });
  try {
    const code = await call.exit;
    send(STREAM_ERROR, JSON.stringify(exitStatus(code, start.cmd)));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    send(STREAM_ERROR, JSON.stringify(errorStatus(message)));
  } finally {
    finished = true;
  }
  if (ws.readyState === ws.OPEN) ws.close(NORMAL_CLOSURE);
  await closed;
}
