/**
 * Kubernetes' remote command channel protocol over WebSocket
 * (`v4.channel.k8s.io`, `v5.channel.k8s.io`): every binary message starts
 * with one byte naming its stream — 0 stdin, 1 stdout, 2 stderr, 3 error
 * (one JSON metav1.Status when the command ends), 4 resize (TTY size) — and
 * v5 adds 255 "close": `[255, N]` half-closes stream N (the client's way to
 * send EOF on stdin). Pure functions; the session lives in exec-session.ts.
 */

export const STREAM_STDIN = 0;
export const STREAM_STDOUT = 1;
export const STREAM_STDERR = 2;
export const STREAM_ERROR = 3;
export const STREAM_RESIZE = 4;
export const STREAM_CLOSE = 255;

export const PROTOCOL_V5 = 'v5.channel.k8s.io';
export const PROTOCOL_V4 = 'v4.channel.k8s.io';

/** SUPPORTED_PROTOCOLS are the subprotocols served, preferred first. */
export const SUPPORTED_PROTOCOLS: readonly string[] = [PROTOCOL_V5, PROTOCOL_V4];

/** pickProtocol chooses the best supported subprotocol among those a client offers, or undefined. */
export function pickProtocol(offered: Iterable<string>): string | undefined {
  const set = new Set([...offered].map((p) => p.trim()));
  return SUPPORTED_PROTOCOLS.find((p) => set.has(p));
}

/** parseProtocolHeader splits a Sec-WebSocket-Protocol header (comma-separated, maybe repeated). */
export function parseProtocolHeader(header: string | string[] | undefined): string[] {
  const parts = Array.isArray(header) ? header : header ? [header] : [];
  return parts
    .flatMap((h) => h.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
}

/** frame prefixes `data` with its stream byte. */
export function frame(stream: number, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = stream;
  body.copy(out, 1);
  return out;
}

/** InboundFrame is one client message, decoded. */
export type InboundFrame =
  | { kind: 'stdin'; data: Buffer }
  | { kind: 'resize'; data: Buffer }
  | { kind: 'close'; stream: number }
  | { kind: 'invalid'; why: string };

/** parseFrame decodes a client message under `protocol` (close exists only in v5). */
export function parseFrame(msg: Buffer, protocol: string): InboundFrame | undefined {
  if (msg.length === 0) return undefined;
  const id = msg[0]!;
  switch (id) {
    case STREAM_STDIN:
      return { kind: 'stdin', data: msg.subarray(1) };
    case STREAM_RESIZE:
      return { kind: 'resize', data: msg.subarray(1) };
    case STREAM_CLOSE:
      if (protocol !== PROTOCOL_V5) return { kind: 'invalid', why: 'close needs v5' };
      if (msg.length !== 2) return { kind: 'invalid', why: 'a close message has one stream id' };
      return { kind: 'close', stream: msg[1]! };
    default:
      return { kind: 'invalid', why: `the client may not write stream ${id}` };
  }
}

/** ExecStatus is the metav1.Status sent on the error stream when a command ends. */
export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason: string; message: string }[] };
}

/**
 * exitStatus is what kubelet sends when `cmd` exits with `code`: Success for
 * 0; otherwise a NonZeroExitCode Failure with an ExitCode cause, which
 * kubectl turns into "command terminated with exit code N" and its own exit
 * status.
 */
export function exitStatus(code: number, cmd: readonly string[]): ExecStatus {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code & 0xff) }] },
  };
}

/** errorStatus reports a failure that is not the command's exit (kubectl prints its message). */
export function errorStatus(message: string): ExecStatus {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError' };
}
