import type { RuntimeClients, Unary } from '../../proto/loader.js';
import type { ContainerStats__Output } from '../../proto/generated/tugboat/runtime/v1/ContainerStats.js';
import type { ExecStreamResponse__Output } from '../../proto/generated/tugboat/runtime/v1/ExecStreamResponse.js';
import type { RuntimeServiceClient } from '../../proto/generated/tugboat/runtime/v1/RuntimeService.js';
import { RuntimeError, runtimeErrorFrom } from '../runtime/errors.js';
import type { RuntimeService } from '../runtime/runtime.js';

/** ExecStart is what to run: the shim's ExecRequest (TTY is not supported by the shim). */
export interface ExecStart {
  containerId: string;
  cmd: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** ExecIo receives a running command's output, in order. */
export interface ExecIo {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

/** ExecCall is one command running in a container. */
export interface ExecCall {
  /**
   * write feeds the command's stdin (ignored without stdin, or once closed).
   * False means the call's buffer is full: wait for `onWritable` before more.
   */
  write(chunk: Buffer): boolean;
  /** onWritable calls `cb` once when stdin can take more again. */
  onWritable(cb: () => void): void;
  /** pauseOutput stops reading output (the reader is behind); resumeOutput starts again. */
  pauseOutput(): void;
  resumeOutput(): void;
  /** closeStdin sends EOF on stdin. Idempotent. */
  closeStdin(): void;
  /** cancel kills the command. Idempotent; `exit` then rejects with a Cancelled RuntimeError. */
  cancel(): void;
  /** exit resolves with the exit code once all output was delivered; rejects with a RuntimeError. */
  exit: Promise<number>;
}

/**
 * StreamingRuntime is what the agent's server needs from the runtime shim,
 * beyond the pod lifecycle calls: a container's status (its log path and
 * state), container events (a followed log ends when its container stops),
 * streaming exec, and container stats. Every failure is a RuntimeError.
 */
export interface StreamingRuntime {
  ContainerStatus: RuntimeService['ContainerStatus'];
  containerEvents: RuntimeService['containerEvents'];
  ListContainerStats: Unary<RuntimeServiceClient>['ListContainerStats'];
  exec(start: ExecStart, io: ExecIo): ExecCall;
}

/**
 * grpcStreamingRuntime builds a StreamingRuntime from the shim's clients
 * and the agent's runtime adapter (which already maps errors and streams
 * events). Closing the clients stays the caller's job.
 */
export function grpcStreamingRuntime(
  clients: RuntimeClients,
  runtime: RuntimeService,
): StreamingRuntime {
  return {
    ContainerStatus: (req, opts) => runtime.ContainerStatus(req, opts),
    containerEvents: (signal) => runtime.containerEvents(signal),
    ListContainerStats: async (req, opts): Promise<{ stats: ContainerStats__Output[] }> => {
      try {
        return await clients.runtime.ListContainerStats(req, opts);
      } catch (e) {
        throw runtimeErrorFrom(e);
      }
    },
    exec: (start, io) => grpcExec(clients, start, io),
  };
}

function grpcExec(clients: RuntimeClients, start: ExecStart, io: ExecIo): ExecCall {
  const call = clients.raw.runtime.Exec();
  let stdinOpen = start.stdin;
  let cancelled = false;
  const exit = new Promise<number>((resolve, reject) => {
    let code: number | undefined;
    call.on('data', (m: ExecStreamResponse__Output) => {
      if (m.msg === 'stdout' && m.stdout) io.stdout(m.stdout);
      else if (m.msg === 'stderr' && m.stderr) io.stderr(m.stderr);
      else if (m.msg === 'exit') code = m.exit?.exitCode ?? 0;
    });
    call.on('error', (e) =>
      reject(
        cancelled
          ? new RuntimeError('Cancelled', 'exec cancelled', { cause: e })
          : runtimeErrorFrom(e),
      ),
    );
    call.on('end', () => {
      if (code !== undefined) resolve(code);
      else reject(new RuntimeError('Unknown', 'exec ended without an exit code'));
    });
  });
  // The caller may never await exit (a client gone early): don't let that be unhandled.
  exit.catch(() => undefined);
  call.write({ start: { ...start, tty: false } });
  return {
    write(chunk) {
      if (!stdinOpen || cancelled) return true;
      return call.write({ stdin: chunk });
    },
    onWritable(cb) {
      call.once('drain', cb);
    },
    pauseOutput() {
      call.pause();
    },
    resumeOutput() {
      call.resume();
    },
    closeStdin() {
      if (!stdinOpen || cancelled) return;
      stdinOpen = false;
      call.write({ closeStdin: true });
    },
    cancel() {
      if (cancelled) return;
      cancelled = true;
      call.cancel();
    },
    exit,
  };
}
