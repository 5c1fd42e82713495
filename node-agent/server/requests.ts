import { newBadRequest } from '../../controlplane/api/errors.js';
import { logTimeFromMs, parseLogTime } from './cri-log.js';
import type { LogReadOptions } from './log-reader.js';

/** Parsing of the agent's query strings; bad values are BadRequest StatusErrors. */

/** flag reads a boolean query parameter the way Go's strconv.ParseBool does (absent: false). */
export function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '') return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw newBadRequest(`${name}: invalid boolean "${v}"`);
}

function int(q: URLSearchParams, name: string, min: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) {
    throw newBadRequest(`${name}: invalid integer "${v}"`);
  }
  if (n < min) throw newBadRequest(`${name}: must be greater than or equal to ${min}`);
  return n;
}

/** LogRequest is a containerLogs request's options. */
export interface LogRequest extends LogReadOptions {
  previous: boolean;
}

/**
 * parseLogQuery reads containerLogs' options: follow, previous, timestamps,
 * tailLines (≥ 0), sinceSeconds (≥ 1) or sinceTime (RFC 3339), limitBytes (≥ 1).
 */
export function parseLogQuery(q: URLSearchParams, nowMs: number): LogRequest {
  const sinceSeconds = int(q, 'sinceSeconds', 1);
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime) {
    throw newBadRequest('at most one of sinceTime or sinceSeconds may be specified');
  }
  let since = sinceSeconds !== undefined ? logTimeFromMs(nowMs - sinceSeconds * 1000) : undefined;
  if (sinceTime) {
    since = parseLogTime(sinceTime);
    if (!since) throw newBadRequest(`sinceTime: invalid RFC 3339 time "${sinceTime}"`);
  }
  const tailLines = int(q, 'tailLines', 0);
  const limitBytes = int(q, 'limitBytes', 1);
  return {
    follow: flag(q, 'follow'),
    previous: flag(q, 'previous'),
    timestamps: flag(q, 'timestamps'),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    ...(since ? { since } : {}),
  };
}

/** ExecRequest is an exec request's options. */
export interface ExecOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/**
 * parseExecQuery reads exec's options (`command` repeated, one argument
 * each; `stdin`, `stdout`, `stderr`, `tty`), with kube's checks: a command,
 * and at least one stream.
 */
export function parseExecQuery(q: URLSearchParams): ExecOptions {
  const command = q.getAll('command');
  if (command.length === 0 || command[0] === '') {
    throw newBadRequest('you must specify at least 1 command');
  }
  const o = {
    command,
    stdin: flag(q, 'stdin'),
    stdout: flag(q, 'stdout'),
    stderr: flag(q, 'stderr'),
    tty: flag(q, 'tty'),
  };
  if (!o.stdin && !o.stdout && !o.stderr) {
    throw newBadRequest('you must specify at least 1 of stdin, stdout, stderr');
  }
  return o;
}
