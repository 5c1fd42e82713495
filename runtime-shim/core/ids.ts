import { randomBytes } from 'node:crypto';
import type { Clock } from '../../lib/time.js';

/** newId returns a fresh sandbox or container id: 64 hex characters, like CRI runtimes use. */
export function newId(): string {
  return randomBytes(32).toString('hex');
}

/** nowNs returns the clock's time as Unix nanoseconds in a decimal string (proto int64). */
export function nowNs(clock: Clock): string {
  return (BigInt(clock.now()) * 1_000_000n).toString();
}
