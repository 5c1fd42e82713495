import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CommandError, errnoCode } from '../errors.js';
import type { OciRuntime } from '../oci/runtime.js';
import { runCommand } from '../util/command.js';
import { pathExists, readTextIfExists } from '../util/fs.js';

/** ConmonOptions configure the monitor. */
export interface ConmonOptions {
  /** path of the conmon binary; "conmon" (on PATH) by default. */
  path?: string;
  runtime: OciRuntime;
  /** exitDir is where conmon writes `<id>` holding the exit code; the shim watches it. */
  exitDir: string;
  /** createTimeoutMs bounds how long `create` waits for the runtime; default 60 s. */
  createTimeoutMs?: number;
}

/** CreateRequest describes one container for the monitor to create. */
export interface CreateRequest {
  id: string;
  /** name is a readable name for conmon's own log lines. */
  name: string;
  /** bundleDir holds config.json; conmon also keeps its files (pid, exit, oom, attach socket) there. */
  bundleDir: string;
  /** logPath receives stdout and stderr in CRI format. */
  logPath: string;
}

/** PendingCreate is a conmon waiting to create a container (see ConmonMonitor.prepare). */
export interface PendingCreate {
  /** start lets conmon run the runtime's create; resolves with the container's host pid. */
  start(): Promise<{ pid: number }>;
  /** abort kills the waiting conmon. Idempotent; a no-op after start. */
  abort(): void;
}

/** ExitRecord is what the monitor recorded when a container's process ended. */
export interface ExitRecord {
  exitCode: number;
  /** finishedAtNs is when the exit was recorded (the exit file's mtime), in Unix ns. */
  finishedAtNs: bigint;
}

/**
 * ConmonMonitor creates containers under conmon (Debian's conmon 2.1, as
 * CRI-O uses it). conmon double-forks away from the shim, holds the
 * container's stdout/stderr and writes them to the log in CRI format, waits
 * for the container, and records its exit code in `<exitDir>/<id>` and an
 * `oom` marker in the bundle when the OOM killer struck. It outlives the
 * shim, so containers keep running and their exits are recorded while the
 * shim is down.
 */
export class ConmonMonitor {
  readonly exitDir: string;
  private readonly path: string;
  private readonly runtime: OciRuntime;
  private readonly createTimeoutMs: number;

  constructor(opts: ConmonOptions) {
    this.path = opts.path ?? 'conmon';
    this.runtime = opts.runtime;
    this.exitDir = opts.exitDir;
    this.createTimeoutMs = opts.createTimeoutMs ?? 60_000;
  }

  /** version returns conmon's version line. */
  async version(): Promise<string> {
    const { stdout } = await runCommand(this.path, ['--version']);
    return stdout.split('\n')[0]?.trim() ?? 'conmon';
  }

  /**
   * prepare starts conmon for a container whose bundle is still being
   * written: conmon loads and sets itself up, then waits on its start pipe.
   * The caller finishes the bundle meanwhile and calls `start` (or `abort`).
   * This takes conmon's own start-up off the critical path of
   * CreateContainer.
   */
  async prepare(req: CreateRequest): Promise<PendingCreate> {
    await mkdir(dirname(req.logPath), { recursive: true });
    await mkdir(this.exitDir, { recursive: true });
    const args = [
      '--api-version',
      '1',
      '--cid',
      req.id,
      '--cuuid',
      req.id,
      '--name',
      req.name,
      '--bundle',
      req.bundleDir,
      '--runtime',
      this.runtime.path,
      ...this.runtime.globalArgs().flatMap((a) => ['--runtime-arg', a]),
      '--log-path',
      `k8s-file:${req.logPath}`,
      '--exit-dir',
      this.exitDir,
      '--persist-dir',
      req.bundleDir,
      '--container-pidfile',
      join(req.bundleDir, 'pidfile'),
      '--conmon-pidfile',
      join(req.bundleDir, 'conmon.pid'),
      // The attach socket goes into the bundle itself: no shared socket dir, no symlinks left behind.
      '--full-attach',
      '--log-level',
      'error',
    ];
    // fd 3 is the sync pipe: conmon writes {"data": pid} or {"data": -1, "message": …} there.
    // fd 4 is the start pipe: conmon waits for a write before it forks and runs the runtime.
    // stdio 0–2 are /dev/null: nothing the container could inherit leads back to the shim.
    const child = spawn(this.path, args, {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
      cwd: req.bundleDir, // conmon also drops an `oom` marker in its working directory
      env: {
        PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        _OCI_SYNCPIPE: '3',
        _OCI_STARTPIPE: '4',
      },
      detached: true,
    });
    child.unref();
    const sync = child.stdio[3] as Readable;
    const startPipe = child.stdio[4] as Writable;
    startPipe.on('error', () => undefined);
    const message = readSyncMessage(sync, child);
    message.catch(() => undefined); // read in start(); an early failure must not go unhandled
    const cmd = `conmon (runtime create) for ${req.id}`;
    let settled = false;
    const abort = (): void => {
      if (settled) return;
      settled = true;
      // Before the start write conmon has not forked: killing it leaves nothing behind.
      child.kill('SIGKILL');
      sync.destroy();
      startPipe.destroy();
    };
    const start = async (): Promise<{ pid: number }> => {
      if (settled) throw new Error(`conmon for ${req.id}: already started or aborted`);
      settled = true;
      startPipe.end('0');
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_r, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new CommandError(
                  `conmon: no answer within ${this.createTimeoutMs} ms`,
                  cmd,
                  null,
                  '',
                ),
              ),
            this.createTimeoutMs,
          );
          timer.unref();
        });
        const msg = await Promise.race([message, timeout]);
        if (msg.data > 0) return { pid: msg.data };
        throw new CommandError(
          `${this.runtime.name} create failed: ${(msg.message ?? '').trim() || 'no message'}`,
          cmd,
          msg.data,
          msg.message ?? '',
        );
      } catch (e) {
        await this.killConmon(req.bundleDir);
        throw e;
      } finally {
        clearTimeout(timer);
        sync.destroy();
      }
    };
    return { start, abort };
  }

  /** create is prepare + start, for callers with the bundle already written. */
  async create(req: CreateRequest): Promise<{ pid: number }> {
    return (await this.prepare(req)).start();
  }

  /** exitFile is the path conmon writes the exit code of container `id` to. */
  exitFile(id: string): string {
    return join(this.exitDir, id);
  }

  /** readExit returns the recorded exit of container `id`, or undefined while it has not exited. */
  async readExit(id: string): Promise<ExitRecord | undefined> {
    const file = this.exitFile(id);
    let text: string;
    let mtimeNs: bigint;
    try {
      const [t, st] = await Promise.all([readFile(file, 'utf8'), stat(file, { bigint: true })]);
      text = t;
      mtimeNs = st.mtimeNs;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw e;
    }
    const code = Number.parseInt(text.trim(), 10);
    // conmon writes -1 when it could not learn the status (e.g. it timed out).
    return { exitCode: Number.isNaN(code) || code < 0 ? 255 : code, finishedAtNs: mtimeNs };
  }

  /** oomKilled reports whether conmon saw the OOM killer act in the container's cgroup. */
  oomKilled(bundleDir: string): Promise<boolean> {
    return pathExists(join(bundleDir, 'oom'));
  }

  /** conmonPid returns the pid of the container's conmon if it is still alive. */
  async conmonPid(bundleDir: string): Promise<number | undefined> {
    const text = await readTextIfExists(join(bundleDir, 'conmon.pid'));
    const pid = Number.parseInt(text?.trim() ?? '', 10);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  /** killConmon kills the container's conmon (used when creation failed half-way). */
  async killConmon(bundleDir: string): Promise<void> {
    const pid = await this.conmonPid(bundleDir);
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }

  /** forget removes the exit file of container `id`. Idempotent. */
  async forget(id: string): Promise<void> {
    await rm(this.exitFile(id), { force: true });
  }
}

interface SyncMessage {
  data: number;
  message?: string;
}

/** readSyncMessage reads conmon's first JSON line from the sync pipe. */
function readSyncMessage(sync: Readable, child: ReturnType<typeof spawn>): Promise<SyncMessage> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let exitCode: number | null = null;
    const done = (err: Error | undefined, msg?: SyncMessage): void => {
      sync.off('data', onData);
      sync.off('end', onEnd);
      child.off('error', onError);
      if (err) reject(err);
      else if (msg) resolve(msg);
    };
    const onData = (chunk: Buffer): void => {
      buf += chunk.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      try {
        done(undefined, JSON.parse(buf.slice(0, nl)) as SyncMessage);
      } catch (e) {
        done(
          new CommandError(`conmon: bad sync message ${JSON.stringify(buf)}`, 'conmon', null, '', {
            cause: e,
          }),
        );
      }
    };
    const onEnd = (): void => {
      done(
        new CommandError(
          `conmon exited (status ${exitCode ?? '?'}) without reporting the container`,
          'conmon',
          exitCode,
          '',
        ),
      );
    };
    const onError = (e: Error): void => {
      done(new CommandError(`conmon: ${e.message}`, 'conmon', null, '', { cause: e }));
    };
    child.on('exit', (code) => (exitCode = code));
    child.on('error', onError);
    sync.on('data', onData);
    sync.on('end', onEnd);
  });
}
