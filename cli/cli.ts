import { CommanderError } from 'commander';
import { normalizeArgv } from './argv.js';
import { CommandEnv } from './command-env.js';
import { runImage } from './commands/image.js';
import { exitCodeOf, formatError, isReportedError } from './errors.js';
import type { CliIo } from './io.js';
import { booleanFlags, buildProgram } from './program.js';

/**
 * main runs one `tug` invocation in-process and resolves with its exit code:
 * 0 on success, 130 when `io.signal` interrupted it, 1 (or the command's own
 * code) on failure, with the error
 * printed to `io.stderr` as kubectl prints it. It never throws and never
 * prints a stack trace unless `TUG_DEBUG` is set. `argv` excludes `node`
 * and the script (`['get', 'pods']`).
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const env = new CommandEnv(io);
  const program = buildProgram(env);
  try {
    if (argv.length === 0) {
      io.stdout.write(program.helpInformation());
      return 0;
    }
    // `tug image …` takes its subcommands' own flags: it bypasses commander.
    if (argv[0] === 'image') return await runImage(argv.slice(1), io);
    await program.parseAsync(normalizeArgv(argv, booleanFlags(program)), { from: 'user' });
    // Interrupted (Ctrl-C ends `get -w`): exit as a process killed by SIGINT would.
    return io.signal.aborted ? 130 : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (io.signal.aborted && !isReportedError(e)) return 130;
    if (!isReportedError(e)) io.stderr.write(`${formatError(e)}\n`);
    if (io.env['TUG_DEBUG'] && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    return exitCodeOf(e);
  } finally {
    await env.close();
  }
}
