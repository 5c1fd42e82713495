import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CommandError } from '../errors.js';
import { pathExists } from './fs.js';

/** RunOptions tune `runCommand`. */
export interface RunOptions {
  /** input is written to the program's stdin (stdin is /dev/null otherwise). */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** signal kills the program (SIGKILL) and rejects with the abort reason. */
  signal?: AbortSignal;
}

/** CommandResult is what a finished program printed. */
export interface CommandResult {
  stdout: string;
  stderr: string;
}

/**
 * runCommand runs `file args…` to completion and resolves with its output,
 * or rejects with a CommandError (exit status and stderr) when it fails to
 * start or exits non-zero. Only for programs that do not leave children
 * holding their stdout/stderr (never `crun create` or `run -d`: the
 * container would inherit the pipes and the call would never end).
 */
export function runCommand(
  file: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    opts.signal?.throwIfAborted();
    const child = spawn(file, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: opts.env,
      cwd: opts.cwd,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    const cmd = [file, ...args].join(' ');
    child.on('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new CommandError(`${cmd}: ${e.message}`, cmd, null, '', { cause: e }));
    });
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (opts.signal?.aborted) {
        reject(opts.signal.reason);
      } else if (code === 0) {
        resolve({ stdout, stderr });
      } else {
        const status = code === null ? `signal ${sig ?? '?'}` : `status ${code}`;
        const detail = stderr.trim() || stdout.trim();
        reject(
          new CommandError(
            `${cmd}: exit ${status}${detail ? ': ' + detail : ''}`,
            cmd,
            code,
            stderr,
          ),
        );
      }
    });
  });
}

/** which returns the absolute path of program `name` found on PATH (or `name` itself if it has a slash). */
export async function which(name: string): Promise<string> {
  if (name.includes('/')) return name;
  for (const dir of (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = join(dir, name);
    if (await pathExists(p)) return p;
  }
  throw new CommandError(`${name}: not found on PATH`, name, null, '');
}
