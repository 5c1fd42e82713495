import { StatusError } from '../controlplane/api/errors.js';
import type { StatusCause } from '../controlplane/api/meta.js';
import { isConnectionError, isKubeconfigError } from '../controlplane/client/index.js';

/**
 * CliError is a failure the CLI explains itself: the message is printed as
 * kubectl would (`error: ` is prefixed unless present) and the process exits
 * with `exitCode` (1 by default).
 */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, options?: ErrorOptions & { exitCode?: number }) {
    super(message, options);
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** isCliError is the guard for CliError. */
export const isCliError = (e: unknown): e is CliError => e instanceof CliError;

/**
 * ReportedError means the command has already printed what went wrong (for
 * example one line per failed document); main only sets the exit code.
 */
export class ReportedError extends Error {
  override name = 'ReportedError';
  readonly exitCode: number;

  constructor(exitCode = 1) {
    super(`exit status ${exitCode}`);
    this.exitCode = exitCode;
  }
}

/** isReportedError is the guard for ReportedError. */
export const isReportedError = (e: unknown): e is ReportedError => e instanceof ReportedError;

/**
 * ManyErrors carries several independent failures (several documents, several
 * names); kubectl prints each on its own line.
 */
export class ManyErrors extends Error {
  override name = 'ManyErrors';

  constructor(readonly errors: readonly unknown[]) {
    super(errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '));
  }
}

/**
 * withSource wraps a server error the way kubectl's AddSourceToErr does:
 * `error when creating "web.yaml": <message>`, keeping reason, code and
 * details, so that the file appears in the printed error.
 */
export function withSource(verb: string, source: string, e: unknown): unknown {
  if (!source || !(e instanceof StatusError)) return e;
  const status = { ...e.status, message: `error when ${verb} "${source}": ${e.message}` };
  return new SourcedStatusError(status, { cause: e });
}

/**
 * SourcedStatusError is a server error that names the file it came from;
 * it is printed as `Error from server (Invalid): error when creating
 * "web.yaml": …` even for Invalid, so that the file stays in the message.
 */
export class SourcedStatusError extends StatusError {
  override name = 'SourcedStatusError';
}

function causesText(causes: readonly StatusCause[]): string[] {
  const seen = new Set<string>();
  for (const c of causes) seen.add(`${c.field ?? ''}: ${c.message ?? ''}`);
  return [...seen];
}

function invalidMessage(e: StatusError): string {
  const d = e.status.details;
  let s = 'The request is invalid';
  if (!d) return e.status.message ? `${s}: ${e.status.message}` : s;
  if (d.kind || d.name) s = `The ${d.kind ?? ''} "${d.name ?? ''}" is invalid`;
  else if (e.status.message && !d.causes?.length) s += `: ${e.status.message}`;
  const causes = causesText(d.causes ?? []);
  if (causes.length === 0) return s;
  if (causes.length === 1) return `${s}: ${causes[0]}`;
  return `${s}: \n${causes.map((c) => `* ${c}`).join('\n')}`;
}

/**
 * standardMessage is kubectl's StandardErrorMessage: `Error from server
 * (NotFound): …` for API errors, connection advice for transport failures,
 * `error: …` for the rest.
 */
export function standardMessage(e: unknown): string {
  if (e instanceof StatusError) {
    if (e.reason === 'Unauthorized') {
      return `error: You must be logged in to the server (${e.message})`;
    }
    return e.reason
      ? `Error from server (${e.reason}): ${e.message}`
      : `Error from server: ${e.message}`;
  }
  if (isConnectionError(e)) {
    if (e.code === 'ECONNREFUSED') {
      const host = /\/\/([^/\s]+)/.exec(e.message)?.[1] ?? 'the server';
      return `The connection to the server ${host} was refused - did you specify the right host or port?`;
    }
    return `Unable to connect to the server: ${e.message}`;
  }
  if (isKubeconfigError(e)) return `error: ${e.message}`;
  const msg = e instanceof Error ? e.message : String(e);
  return msg.startsWith('error: ') ? msg : `error: ${msg}`;
}

/**
 * formatError renders any failure the way kubectl's CheckErr does: Invalid
 * answers rebuilt from their causes (`The Deployment "web" is invalid:
 * spec.replicas: …`), several errors one per line, others as
 * standardMessage. The result has no trailing newline and never a stack.
 */
export function formatError(e: unknown): string {
  if (e instanceof ManyErrors) {
    if (e.errors.length === 1) return formatError(e.errors[0]);
    return e.errors.map(standardMessage).join('\n');
  }
  if (e instanceof StatusError && e.reason === 'Invalid' && !(e instanceof SourcedStatusError)) {
    return invalidMessage(e);
  }
  return standardMessage(e);
}

/** exitCodeOf is the process exit code for a failure (1 unless the error says otherwise). */
export function exitCodeOf(e: unknown): number {
  if (e instanceof CliError || e instanceof ReportedError) return e.exitCode;
  return 1;
}
