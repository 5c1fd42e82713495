/**
 * runMain runs a binary's main function with an AbortSignal that SIGTERM and
 * SIGINT abort, and turns the outcome into an exit code: 0 after a clean
 * stop, 1 with a one-line reason (no stack trace) when it fails. A second
 * signal exits at once. Only binaries' main.ts files call this.
 */
export function runMain(name: string, main: (signal: AbortSignal) => Promise<void>): void {
  const ac = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(130);
    ac.abort(new Error(`received ${sig}`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  main(ac.signal).then(
    () => {
      process.exitCode = 0;
    },
    (e: unknown) => {
      const msg = e instanceof Error ? e.message : String(e);
      process.stderr.write(`${name}: ${msg}\n`);
      if (process.env['TUG_DEBUG'] && e instanceof Error && e.stack)
        process.stderr.write(`${e.stack}\n`);
      process.exitCode = 1;
    },
  );
}

/** UsageError is a bad flag or argument: the message is printed as is. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * parseDuration reads a Go-style duration (`1h`, `30m`, `1h0m0s`, `90s`,
 * `500ms`) or plain seconds, into milliseconds.
 */
export function parseDuration(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    const n = Number(m[1]);
    total += n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0)
    throw new UsageError(`invalid duration "${text}" (examples: 1h, 30m, 90s)`);
  return total;
}
