import { status, type ServerDuplexStream, type ServerWritableStream } from '@grpc/grpc-js';
import type { ContainerEventResponse } from '../../proto/generated/tugboat/runtime/v1/ContainerEventResponse.js';
import type { ExecStreamRequest__Output } from '../../proto/generated/tugboat/runtime/v1/ExecStreamRequest.js';
import type { ExecStreamResponse } from '../../proto/generated/tugboat/runtime/v1/ExecStreamResponse.js';
import type { GetEventsRequest__Output } from '../../proto/generated/tugboat/runtime/v1/GetEventsRequest.js';
import type { StatusResponse } from '../../proto/generated/tugboat/runtime/v1/StatusResponse.js';
import type { RuntimeServiceHandlers } from '../../proto/generated/tugboat/runtime/v1/RuntimeService.js';
import type { Shim } from '../core/shim.js';
import { InvalidArgumentError } from '../errors.js';
import type { ExecSession } from '../core/exec.js';
import { grpcStatusOf, toServiceError } from './grpc-errors.js';
import type { HandlerKit } from './handlers.js';

/** SHIM_VERSION is the shim's own version, reported by Version. */
export const SHIM_VERSION = '0.1.0';

/** RuntimeInfo is what Version reports about the OCI runtime (read once at start). */
export interface RuntimeInfo {
  ociRuntime: string;
}

function seconds(v: string, field: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError(`${field}: must be a whole number of seconds ≥ 0, got ${v}`);
  return n;
}

/** OpenStream is a server stream the server ends when it shuts down. */
export interface OpenStream {
  end(): void;
}

/**
 * runtimeService builds the RuntimeService handlers over `shim`. Open
 * GetContainerEvents streams are kept in `streams`, so that a shim shutting
 * down ends them cleanly (clients see the end and reconnect) rather than
 * leaving them to be cut.
 */
export function runtimeService(
  shim: Shim,
  kit: HandlerKit,
  info: RuntimeInfo,
  streams: Set<OpenStream>,
): RuntimeServiceHandlers {
  return {
    Version: kit.unary('Version', () => ({
      version: 'v1',
      runtimeName: 'tug-shim',
      runtimeVersion: SHIM_VERSION,
      runtimeApiVersion: 'v1',
      ociRuntime: info.ociRuntime,
    })),
    Status: kit.unary('Status', (req): StatusResponse => {
      const ready = shim.isReady();
      return {
        status: {
          conditions: [
            {
              type: 'RuntimeReady',
              status: ready,
              reason: ready ? '' : 'ShimStarting',
              message: '',
            },
            {
              type: 'NetworkReady',
              status: ready,
              reason: ready ? '' : 'ShimStarting',
              message: '',
            },
          ],
        },
        info: req.verbose
          ? {
              cgroups: JSON.stringify({
                mode: shim.ctx.layout.mode,
                parent: shim.ctx.cgroupParent,
              }),
              runtime: JSON.stringify({
                name: shim.ctx.runtime.name,
                version: info.ociRuntime,
                root: shim.ctx.runtime.root,
              }),
            }
          : {},
      };
    }),
    RunPodSandbox: kit.unary('RunPodSandbox', async (req) => ({
      podSandboxId: await shim.sandboxes.run(req),
    })),
    StopPodSandbox: kit.unary('StopPodSandbox', async (req) => {
      await shim.sandboxes.stop(req.podSandboxId);
      return {};
    }),
    RemovePodSandbox: kit.unary('RemovePodSandbox', async (req) => {
      await shim.sandboxes.remove(req.podSandboxId);
      return {};
    }),
    PodSandboxStatus: kit.unary('PodSandboxStatus', (req) =>
      shim.sandboxes.status(req.podSandboxId, req.verbose),
    ),
    ListPodSandbox: kit.unary('ListPodSandbox', (req) => ({ items: shim.sandboxes.list(req) })),
    CreateContainer: kit.unary('CreateContainer', async (req) => ({
      containerId: await shim.containers.create(req),
    })),
    StartContainer: kit.unary('StartContainer', async (req) => {
      await shim.containers.start(req.containerId);
      return {};
    }),
    StopContainer: kit.unary('StopContainer', async (req) => {
      await shim.containers.stop(req.containerId, seconds(req.timeout, 'timeout'));
      return {};
    }),
    RemoveContainer: kit.unary('RemoveContainer', async (req) => {
      await shim.containers.remove(req.containerId);
      return {};
    }),
    ListContainers: kit.unary('ListContainers', (req) => ({
      containers: shim.containers.list(req),
    })),
    ContainerStatus: kit.unary('ContainerStatus', (req) =>
      shim.containers.status(req.containerId, req.verbose),
    ),
    UpdateContainerResources: kit.unary('UpdateContainerResources', async (req) => {
      await shim.containers.update(req);
      return {};
    }),
    ExecSync: kit.unary('ExecSync', (req) =>
      shim.exec.sync(req.containerId, req.cmd, seconds(req.timeout, 'timeout')),
    ),
    ContainerStats: kit.unary('ContainerStats', async (req) => ({
      stats: await shim.stats.container(req.containerId),
    })),
    ListContainerStats: kit.unary('ListContainerStats', async (req) => ({
      stats: await shim.stats.list(req),
    })),
    GetContainerEvents: (
      call: ServerWritableStream<GetEventsRequest__Output, ContainerEventResponse>,
    ) => {
      const t0 = process.hrtime.bigint();
      const unsubscribe = shim.ctx.events.subscribe((ev) => {
        call.write(ev);
      });
      const stream = { end: () => call.end() };
      streams.add(stream);
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        unsubscribe();
        streams.delete(stream);
        kit.done('GetContainerEvents', status.OK, t0);
      };
      call.once('cancelled', end);
      call.once('close', end);
      call.once('finish', end);
      call.once('error', end);
    },
    Exec: (call: ServerDuplexStream<ExecStreamRequest__Output, ExecStreamResponse>) =>
      execHandler(shim, kit, call),
  };
}

/**
 * execHandler runs one streaming Exec: the first client message starts the
 * command, later ones feed stdin; stdout/stderr chunks flow back, then the
 * exit code, then the call ends. A cancelled call kills the command.
 */
function execHandler(
  shim: Shim,
  kit: HandlerKit,
  call: ServerDuplexStream<ExecStreamRequest__Output, ExecStreamResponse>,
): void {
  const t0 = process.hrtime.bigint();
  let session: ExecSession | undefined;
  let starting = false;
  let finished = false;
  const pending: Buffer[] = [];
  let closeStdinPending = false;
  const abort = new AbortController();

  const fail = (e: unknown): void => {
    if (finished) return;
    finished = true;
    abort.abort();
    kit.done('Exec', grpcStatusOf(e), t0, e);
    // grpc-js turns an 'error' event into the call's status and ends it.
    call.emit('error', toServiceError(e));
  };
  const closeStdin = (): void => {
    if (session) session.stdin?.end();
    else closeStdinPending = true;
  };

  call.on('data', (msg: ExecStreamRequest__Output) => {
    if (finished) return;
    if (msg.msg === 'start' && msg.start) {
      if (starting) return fail(new InvalidArgumentError('start: sent twice'));
      starting = true;
      const s = msg.start;
      if (s.tty) return fail(new InvalidArgumentError('start.tty: TTY exec is not supported yet'));
      if (!s.stdin && !s.stdout && !s.stderr) {
        return fail(
          new InvalidArgumentError('start: at least one of stdin, stdout and stderr must be true'),
        );
      }
      shim.exec
        .start(s.containerId, s.cmd, {
          stdin: s.stdin,
          signal: abort.signal,
          io: {
            ...(s.stdout ? { stdout: (b: Buffer) => void call.write({ stdout: b }) } : {}),
            ...(s.stderr ? { stderr: (b: Buffer) => void call.write({ stderr: b }) } : {}),
          },
        })
        .then((sess) => {
          session = sess;
          for (const b of pending.splice(0)) sess.stdin?.write(b);
          if (closeStdinPending) sess.stdin?.end();
          return sess.exit;
        })
        .then((exitCode) => {
          if (finished) return;
          finished = true;
          call.write({ exit: { exitCode } });
          call.end();
          kit.done('Exec', status.OK, t0);
        })
        .catch(fail);
    } else if (!starting) {
      fail(new InvalidArgumentError('the first message of Exec must be `start`'));
    } else if (msg.msg === 'stdin' && msg.stdin) {
      if (session) session.stdin?.write(msg.stdin);
      else pending.push(msg.stdin);
    } else if (msg.msg === 'closeStdin') {
      closeStdin();
    }
  });
  call.on('end', closeStdin);
  call.on('cancelled', () => {
    if (finished) return;
    finished = true;
    abort.abort();
    session?.kill();
    kit.done('Exec', status.CANCELLED, t0);
  });
  call.on('error', () => {
    abort.abort();
    session?.kill();
  });
}
