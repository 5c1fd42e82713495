/**
 * Logger is the structured logger every component takes by injection. Lines are
 * written as `LEVEL time msg key=value …` (logfmt-like, klog's spirit) to a
 * writable stream, stderr by default. Loggers are cheap to derive with `with`.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** with returns a logger that adds `fields` to every line. */
  with(fields: LogFields): Logger;
}

export type LogFields = Record<string, unknown>;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface LoggerOptions {
  level?: LogLevel;
  out?: { write(chunk: string): unknown };
  fields?: LogFields;
  now?: () => Date;
}

/** newLogger returns a Logger writing lines at or above `level` to `out`. */
export function newLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? (process.env['TUG_LOG_LEVEL'] as LogLevel | undefined) ?? 'info';
  const out = opts.out ?? process.stderr;
  const now = opts.now ?? (() => new Date());
  const min = levelRank[level] ?? 1;
  const make = (base: LogFields): Logger => {
    const emit = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
      if (levelRank[lvl] < min) return;
      const all = fields ? { ...base, ...fields } : base;
      let line = `${lvl.toUpperCase().padEnd(5)} ${now().toISOString()} ${msg}`;
      for (const [k, v] of Object.entries(all)) {
        if (v === undefined) continue;
        line += ` ${k}=${formatValue(v)}`;
      }
      out.write(line + '\n');
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      with: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(opts.fields ?? {});
}

/** nopLogger discards everything; for tests that do not look at logs. */
export const nopLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  with() {
    return nopLogger;
  },
};

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'string') return /^[\w./:@-]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
