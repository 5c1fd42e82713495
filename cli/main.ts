import { realClock } from '../lib/time.js';
import { main } from './cli.js';

// The `tug` binary: the one place that touches process state. Ctrl-C aborts
// the running command (ending `get -w` or `rollout status`); a second one
// exits at once.
const ac = new AbortController();
let interrupts = 0;
const onSignal = (): void => {
  interrupts++;
  if (interrupts > 1) process.exit(130);
  ac.abort(new Error('interrupted'));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // `tug get … | head` closes the pipe early: not an error worth a trace.
  if (e.code === 'EPIPE') process.exit(0);
});

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  clock: realClock,
  signal: ac.signal,
});
process.exitCode = code;
// Streams (watches, keep-alive sockets) must not hold the process open.
process.stdout.write('', () => process.exit(code));
