import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { waitFor } from '../../lib/wait.js';

/** isAlive tells whether a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** readPid reads a pid file; undefined when absent, malformed or the process is gone. */
export async function readPid(pidFile: string): Promise<number | undefined> {
  const text = await readFile(pidFile, 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

export interface DetachedOptions {
  command: string;
  args: string[];
  logFile: string;
  pidFile: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * startDetached starts a process in its own session that outlives this one,
 * with stdout/stderr appended to a log file and its pid in a pid file.
 * Already running (per the pid file) → returns that pid and starts nothing.
 */
export async function startDetached(
  opts: DetachedOptions,
): Promise<{ pid: number; started: boolean }> {
  const running = await readPid(opts.pidFile);
  if (running) return { pid: running, started: false };
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(opts.command, opts.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
    });
    if (!child.pid) throw new Error(`could not start ${opts.command}`);
    child.unref();
    await writeFile(opts.pidFile, `${child.pid}\n`);
    return { pid: child.pid, started: true };
  } finally {
    closeSync(fd);
  }
}

/** stopProcess sends SIGTERM, then SIGKILL after `graceMs`, and removes the pid file. Idempotent. */
export async function stopProcess(pidFile: string, graceMs = 10_000): Promise<boolean> {
  const pid = await readPid(pidFile);
  if (pid) {
    process.kill(pid, 'SIGTERM');
    try {
      await waitFor(() => !isAlive(pid), {
        timeoutMs: graceMs,
        intervalMs: 50,
        what: `pid ${pid} to exit`,
      });
    } catch {
      process.kill(pid, 'SIGKILL');
      await waitFor(() => !isAlive(pid), { timeoutMs: 5000, intervalMs: 50 });
    }
  }
  await rm(pidFile, { force: true });
  return pid !== undefined;
}
