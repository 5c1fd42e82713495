import { delay } from './time.js';

/** WaitTimeoutError is thrown by waitFor when the deadline passes first. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

export interface WaitOptions {
  /** timeoutMs is the deadline; default 30 s. */
  timeoutMs?: number;
  /** intervalMs is the pause between checks; default 50 ms. */
  intervalMs?: number;
  signal?: AbortSignal;
  /** what names the condition in the timeout error. */
  what?: string;
}

/**
 * waitFor checks `cond` until it returns a value other than undefined/false
 * and resolves with that value, or rejects with WaitTimeoutError at the
 * deadline (with the last error `cond` threw as its cause). It is for
 * waiting on an outside condition (a process up, a file written) with a
 * deadline, never a substitute for a watch inside a controller.
 */
export async function waitFor<T>(
  cond: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const v = await cond();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() >= deadline) {
      const suffix = lastErr instanceof Error ? `: ${lastErr.message}` : '';
      throw new WaitTimeoutError(
        `timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}${suffix}`,
        { cause: lastErr },
      );
    }
    // The wait is what the caller is doing: keep the process alive for it.
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())), opts.signal, true);
  }
}
