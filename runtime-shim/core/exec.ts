import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { DeadlineExceededError, FailedPreconditionError, InvalidArgumentError } from '../errors.js';
import type { OciSpec } from '../oci/types.js';
import type { Containers } from './containers.js';
import type { ShimContext } from './context.js';

/** MAX_EXEC_OUTPUT caps each captured stream of ExecSync (CRI asks for 16 MiB). */
export const MAX_EXEC_OUTPUT = 16 * 1024 * 1024;

/** ExecSyncResult is what ExecSync answers. */
export interface ExecSyncResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/** ExecIo receives a streaming exec's output. */
export interface ExecIo {
  stdout?: (chunk: Buffer) => void;
  stderr?: (chunk: Buffer) => void;
}

/** ExecSession is a running streaming exec. */
export interface ExecSession {
  /** stdin feeds the command, when stdin was requested; end() closes it. */
  stdin?: Writable;
  /** exit resolves with the exit code (128+N after signal N) once all output was delivered. */
  exit: Promise<number>;
  /** kill ends the command (SIGKILL). Idempotent. */
  kill(): void;
}

/**
 * Exec runs commands in running containers with `<runtime> exec --process`
 * in the foreground, its stdio on pipes (safe here: unlike create, exec's
 * process is the runtime's child and ends with it). The process spec is the
 * container's own with the command swapped in, so user, env, cwd,
 * capabilities, no_new_privileges and seccomp match the container's.
 */
export class Exec {
  constructor(
    private readonly ctx: ShimContext,
    private readonly containers: Containers,
  ) {}

  private async prepare(
    id: string,
    cmd: readonly string[],
  ): Promise<{ processFile: string; pidFile: string }> {
    if (cmd.length === 0) throw new InvalidArgumentError('cmd: required');
    const rec = this.containers.get(id);
    if (rec.phase !== 'running') {
      throw new FailedPreconditionError(
        `container ${id} is ${rec.phase}; exec needs a running container`,
      );
    }
    const dir = this.ctx.store.containerDir(id);
    const spec = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as OciSpec;
    const tag = randomBytes(6).toString('hex');
    const processFile = join(dir, `exec-${tag}.json`);
    const pidFile = join(dir, `exec-${tag}.pid`);
    await writeFile(
      processFile,
      JSON.stringify({ ...spec.process, args: [...cmd], terminal: false }),
    );
    return { processFile, pidFile };
  }

  /**
   * start runs `cmd` in container `id` and streams its output to `io`.
   * `signal` kills the command.
   */
  async start(
    id: string,
    cmd: readonly string[],
    opts: { stdin: boolean; io: ExecIo; signal?: AbortSignal },
  ): Promise<ExecSession> {
    const { processFile, pidFile } = await this.prepare(id, cmd);
    const child = spawn(
      this.ctx.runtime.path,
      this.ctx.runtime.execArgs(id, processFile, pidFile),
      {
        stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      },
    );
    let killed = false;
    const kill = (): void => {
      if (killed) return;
      killed = true;
      // The command is the runtime's child in the container's pid namespace:
      // kill it by the host pid the runtime wrote, then the runtime.
      void readFile(pidFile, 'utf8')
        .then((t) => {
          const pid = Number.parseInt(t.trim(), 10);
          if (pid > 0) process.kill(pid, 'SIGKILL');
        })
        .catch(() => undefined)
        .finally(() => child.kill('SIGKILL'));
    };
    opts.signal?.addEventListener('abort', kill, { once: true });
    child.stdout?.on('data', (b: Buffer) => opts.io.stdout?.(b));
    child.stderr?.on('data', (b: Buffer) => opts.io.stderr?.(b));
    // A client that stops reading must not crash the shim with EPIPE.
    child.stdin?.on('error', () => undefined);
    const exit = new Promise<number>((resolveExit, rejectExit) => {
      child.on('error', rejectExit);
      child.on('close', (code, sig) => {
        opts.signal?.removeEventListener('abort', kill);
        void Promise.all([rm(processFile, { force: true }), rm(pidFile, { force: true })]).finally(
          () => resolveExit(code ?? 128 + signalNumber(sig)),
        );
      });
    });
    return { ...(child.stdin ? { stdin: child.stdin } : {}), exit, kill };
  }

  /**
   * sync implements ExecSync: run to completion, capture output (capped at
   * MAX_EXEC_OUTPUT per stream), kill at `timeoutSec` (0 = none) and then
   * reject with DeadlineExceededError.
   */
  async sync(id: string, cmd: readonly string[], timeoutSec: number): Promise<ExecSyncResult> {
    const out = new Capture();
    const err = new Capture();
    const session = await this.start(id, cmd, {
      stdin: false,
      io: { stdout: (b) => out.add(b), stderr: (b) => err.add(b) },
    });
    let timedOut = false;
    const timer =
      timeoutSec > 0
        ? setTimeout(() => {
            timedOut = true;
            session.kill();
          }, timeoutSec * 1000)
        : undefined;
    timer?.unref();
    try {
      const exitCode = await session.exit;
      if (timedOut) {
        throw new DeadlineExceededError(
          `command ${JSON.stringify(cmd)} timed out after ${timeoutSec} s and was killed`,
        );
      }
      return { stdout: out.buffer(), stderr: err.buffer(), exitCode };
    } finally {
      clearTimeout(timer);
    }
  }
}

class Capture {
  private chunks: Buffer[] = [];
  private size = 0;

  add(b: Buffer): void {
    if (this.size >= MAX_EXEC_OUTPUT) return;
    const room = MAX_EXEC_OUTPUT - this.size;
    const part = b.length > room ? b.subarray(0, room) : b;
    this.chunks.push(part);
    this.size += part.length;
  }

  buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? constants.signals[sig] : 0;
}
