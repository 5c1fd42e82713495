import { join } from 'node:path';
import { runCommand } from '../util/command.js';
import { pathExists } from '../util/fs.js';

/** RuntimeName names the OCI runtimes the shim drives. */
export type RuntimeName = 'crun' | 'runc';

/** RuntimeStatus is the status an OCI runtime reports for a container. */
export type RuntimeStatus = 'creating' | 'created' | 'running' | 'stopped' | 'paused';

/** RuntimeContainer is one entry of the runtime's `list`. */
export interface RuntimeContainer {
  id: string;
  pid: number;
  status: RuntimeStatus;
  bundle: string;
}

/** OciRuntimeOptions configure an OciRuntime. */
export interface OciRuntimeOptions {
  name: RuntimeName;
  /** path of the runtime binary; defaults to its name (looked up on PATH). */
  path?: string;
  /** root is the runtime's state directory (`--root`), private to one shim. */
  root: string;
}

/**
 * OciRuntime runs crun or runc with the shim's private `--root`. Every method
 * runs the runtime to completion with piped output; none of them creates a
 * container (the monitor does, so the container's stdio never meets a pipe
 * the shim holds). Safe for concurrent use.
 */
export class OciRuntime {
  readonly name: RuntimeName;
  readonly path: string;
  readonly root: string;

  constructor(opts: OciRuntimeOptions) {
    this.name = opts.name;
    this.path = opts.path ?? opts.name;
    this.root = opts.root;
  }

  /** globalArgs are the arguments that go before every subcommand. */
  globalArgs(): string[] {
    return ['--root', this.root];
  }

  private run(args: string[]): Promise<{ stdout: string; stderr: string }> {
    return runCommand(this.path, [...this.globalArgs(), ...args]);
  }

  /** version returns the first line of `<runtime> --version`, e.g. "crun version 1.8.1". */
  async version(): Promise<string> {
    const { stdout } = await runCommand(this.path, ['--version']);
    return stdout.split('\n')[0]?.trim() ?? this.name;
  }

  /** exists reports whether the runtime has state for container `id` (its directory under root). */
  exists(id: string): Promise<boolean> {
    return pathExists(join(this.root, id));
  }

  /** list returns every container the runtime knows under this root. */
  async list(): Promise<RuntimeContainer[]> {
    const { stdout } = await this.run(['list', '--format', 'json']);
    const parsed = JSON.parse(stdout.trim() || 'null') as
      { id: string; pid: number; status: RuntimeStatus; bundle: string }[] | null;
    return (parsed ?? []).map((c) => ({
      id: c.id,
      pid: c.pid,
      status: c.status,
      bundle: c.bundle,
    }));
  }

  /** state returns the container's runtime state, or undefined when the runtime does not know it. */
  async state(id: string): Promise<RuntimeContainer | undefined> {
    if (!(await this.exists(id))) return undefined;
    const { stdout } = await this.run(['state', id]);
    const s = JSON.parse(stdout) as {
      id: string;
      pid: number;
      status: RuntimeStatus;
      bundle: string;
    };
    return { id: s.id, pid: s.pid, status: s.status, bundle: s.bundle };
  }

  /** start runs the user process of a created container. */
  async start(id: string): Promise<void> {
    await this.run(['start', id]);
  }

  /**
   * kill sends `signal` ("TERM", "KILL", "9", …) to the container's init
   * process. A container that is already stopped (or gone) is not an error.
   */
  async kill(id: string, signal: string): Promise<void> {
    try {
      await this.run(['kill', id, signal]);
    } catch (e) {
      const s = await this.state(id).catch(() => undefined);
      if (s === undefined || s.status === 'stopped') return;
      throw e;
    }
  }

  /** delete removes the container from the runtime (killing it when `force`). Idempotent. */
  async delete(id: string, force = true): Promise<void> {
    if (!(await this.exists(id))) return;
    try {
      await this.run(force ? ['delete', '--force', id] : ['delete', id]);
    } catch (e) {
      if (!(await this.exists(id))) return;
      throw e;
    }
  }

  /** update applies the linux.resources JSON in `resourcesFile` to a live container. */
  async update(id: string, resourcesFile: string): Promise<void> {
    await this.run(['update', '--resources', resourcesFile, id]);
  }

  /**
   * execArgs are the arguments (after the runtime binary) that run the
   * process described by `processFile` in container `id` in the foreground,
   * writing its host pid to `pidFile`.
   */
  execArgs(id: string, processFile: string, pidFile: string): string[] {
    return [...this.globalArgs(), 'exec', '--process', processFile, '--pid-file', pidFile, id];
  }
}
