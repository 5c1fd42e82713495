import { isStatus, newStatus, StatusError } from '../api/errors.js';
import type { WatchEvent, WatchEventType } from '../api/meta.js';
import { ConnectionError, DecodeError } from './errors.js';

const eventTypes = new Set<WatchEventType>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/**
 * decodeWatchEvent parses one line of a watch stream. An `ERROR` event is
 * thrown as the StatusError it carries (410 Expired → `isGone`); a line that
 * is not a `{type, object}` event throws DecodeError.
 */
export function decodeWatchEvent<T>(line: string): WatchEvent<T> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    throw new DecodeError(`watch: invalid JSON line: ${line.slice(0, 200)}`, { cause: err });
  }
  const type = (v as { type?: unknown } | null)?.type;
  const object = (v as { object?: unknown } | null)?.object;
  if (typeof type !== 'string' || !eventTypes.has(type as WatchEventType)) {
    throw new DecodeError(`watch: not a watch event: ${line.slice(0, 200)}`);
  }
  if (typeof object !== 'object' || object === null) {
    throw new DecodeError(`watch: ${type} event without an object`);
  }
  if (type === 'ERROR') {
    throw new StatusError(
      isStatus(object)
        ? object
        : newStatus(500, 'InternalError', `watch ERROR event: ${JSON.stringify(object)}`),
    );
  }
  return { type: type as WatchEventType, object: object as T };
}

/**
 * parseWatchStream turns a stream of text chunks (split anywhere, even
 * mid-line) into watch events, decoding each line as soon as it is complete.
 * It ends cleanly when the stream ends or when `signal` aborts; a stream that
 * fails otherwise throws ConnectionError; ERROR events and bad lines throw as
 * `decodeWatchEvent` says. Blank lines are skipped.
 */
export async function* parseWatchStream<T>(
  chunks: AsyncIterable<string>,
  signal: AbortSignal,
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  const it = chunks[Symbol.asyncIterator]();
  let buf = '';
  try {
    for (;;) {
      let r: IteratorResult<string>;
      try {
        r = await it.next();
      } catch (err) {
        if (signal.aborted) return;
        throw new ConnectionError('watch stream broke off', { cause: err });
      }
      if (r.done) break;
      buf += r.value;
      let start = 0;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n', start)) {
        const line = buf.slice(start, nl).trim();
        start = nl + 1;
        if (line) yield decodeWatchEvent<T>(line);
        if (signal.aborted) return;
      }
      buf = buf.slice(start);
    }
    const tail = buf.trim();
    if (tail && !signal.aborted) yield decodeWatchEvent<T>(tail);
  } finally {
    try {
      await it.return?.();
    } catch {
      // the stream already failed; nothing more to release
    }
  }
}
