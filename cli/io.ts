import type { Clock } from '../lib/time.js';

/** TextSink is where a command writes text: process.stdout, or a buffer in tests. */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * CliIo is everything the CLI touches outside itself, injected so that tests
 * run it in-process: output streams, stdin (for `-f -`), the environment
 * (KUBECONFIG, HOME, TUG_DEBUG), the working folder, a clock (ages, waits)
 * and a signal that Ctrl-C aborts (ends `get -w`, `rollout status`).
 */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  stdin: AsyncIterable<string | Buffer>;
  env: Record<string, string | undefined>;
  cwd: string;
  clock: Clock;
  signal: AbortSignal;
}

/** BufferSink collects written text; `text` is everything so far. */
export class BufferSink implements TextSink {
  text = '';

  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}
