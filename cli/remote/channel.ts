/**
 * The client's side of Kubernetes' remote command protocol over WebSocket
 * (`v5.channel.k8s.io`, `v4.channel.k8s.io`): every binary message starts
 * with one byte naming its stream — 0 stdin, 1 stdout, 2 stderr, 3 error
 * (one metav1.Status when the command ends), 4 resize — and v5 adds 255
 * "close" (`[255, N]` half-closes stream N: how a client sends EOF on
 * stdin). Pure functions; the session is in exec-client.ts.
 */

export const STREAM_STDIN = 0;
export const STREAM_STDOUT = 1;
export const STREAM_STDERR = 2;
export const STREAM_ERROR = 3;
export const STREAM_RESIZE = 4;
export const STREAM_CLOSE = 255;

export const PROTOCOL_V5 = 'v5.channel.k8s.io';
export const PROTOCOL_V4 = 'v4.channel.k8s.io';

/** EXEC_PROTOCOLS are the subprotocols offered, preferred first (kubectl 1.30+ offers the same). */
export const EXEC_PROTOCOLS: readonly string[] = [PROTOCOL_V5, PROTOCOL_V4];

/** encodeFrame prefixes `data` with its stream byte. */
export function encodeFrame(stream: number, data: Uint8Array | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = stream;
  out.set(body, 1);
  return out;
}

/** closeFrame is v5's half-close of `stream` (the client's EOF on stdin). */
export function closeFrame(stream: number): Buffer {
  return Buffer.from([STREAM_CLOSE, stream]);
}

/** Frame is one message from the server: the stream it belongs to and its bytes. */
export interface Frame {
  stream: number;
  data: Buffer;
}

/** decodeFrame splits a server message into stream and data; undefined for an empty message. */
export function decodeFrame(msg: Buffer): Frame | undefined {
  if (msg.length === 0) return undefined;
  return { stream: msg[0]!, data: msg.subarray(1) };
}

/**
 * RemoteOutcome is how a remote command ended, read from the error
 * stream's Status: it exited with `code` (0 for Success), or the server
 * reports a failure that is not an exit code (`message` for the person).
 */
export type RemoteOutcome = { kind: 'exited'; code: number } | { kind: 'failed'; message: string };

interface StatusShape {
  status?: unknown;
  message?: unknown;
  reason?: unknown;
  details?: { causes?: { reason?: unknown; message?: unknown }[] };
}

/**
 * outcomeOfStatus reads the error stream the way client-go's v4 decoder
 * does: Success → exit 0; Failure with reason NonZeroExitCode → the code in
 * its `ExitCode` cause (0–255); any other Failure → its message; anything
 * unreadable → a protocol failure naming what came.
 */
export function outcomeOfStatus(text: string): RemoteOutcome {
  let s: StatusShape;
  try {
    s = JSON.parse(text) as StatusShape;
  } catch {
    return {
      kind: 'failed',
      message: `error stream protocol error: not a Status: ${JSON.stringify(text)}`,
    };
  }
  if (typeof s !== 'object' || s === null) {
    return {
      kind: 'failed',
      message: `error stream protocol error: not a Status: ${JSON.stringify(text)}`,
    };
  }
  if (s.status === 'Success') return { kind: 'exited', code: 0 };
  if (s.status !== 'Failure') {
    return { kind: 'failed', message: 'error stream protocol error: unknown error' };
  }
  if (s.reason === 'NonZeroExitCode') {
    const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
    if (!cause) {
      return { kind: 'failed', message: 'error stream protocol error: no ExitCode cause given' };
    }
    const raw = String(cause.message ?? '');
    const code = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(code) || code > 255) {
      return {
        kind: 'failed',
        message: `error stream protocol error: invalid exit code value ${JSON.stringify(raw)}`,
      };
    }
    return { kind: 'exited', code };
  }
  return { kind: 'failed', message: typeof s.message === 'string' ? s.message : 'unknown error' };
}
