/**
 * The `tug` command line, a kubectl work-alike: `main(argv, io)` runs one
 * invocation in-process (the `bin/tug` binary calls it with the real
 * process I/O), and the printing and resolution helpers other tools reuse.
 */
export { main } from './cli.js';
export { BufferSink, type CliIo, type TextSink } from './io.js';
export { CliError, formatError, isCliError } from './errors.js';
export { kubeconfigLoadOptions, type GlobalFlags } from './context.js';
export { cliVersion } from './program.js';
