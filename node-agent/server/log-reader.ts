import { watch, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import {
  LineRenderer,
  LineSplitter,
  parseCriRecord,
  tailOffset,
  type CriRecord,
  type LogTime,
} from './cri-log.js';

/** LogReadOptions are containerLogs' query options, parsed. */
export interface LogReadOptions {
  /** follow keeps streaming new lines until the container stops or the reader goes. */
  follow: boolean;
  /** tailLines starts this many lines before the end (all lines when absent). */
  tailLines?: number;
  /** since drops lines older than this instant (sinceSeconds / sinceTime). */
  since?: LogTime;
  timestamps: boolean;
  /** limitBytes stops after this many bytes of output. */
  limitBytes?: number;
}

/** FollowControl tells a followed read when its container has stopped. */
export interface FollowControl {
  /** stopped is true once the container is known to have stopped. */
  stopped(): boolean;
  /** onStop registers a callback for when it stops; returns an unsubscribe. */
  onStop(cb: () => void): () => void;
}

const CHUNK = 64 * 1024;

/**
 * Wakeup is a level-triggered wake-up: `wait` resolves at once if `wake` was
 * called since the last wait, or on the next `wake`, or when `signal` aborts.
 */
class Wakeup {
  private pending = false;
  private resolve: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.resolve?.();
  }

  wait(signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.resolve = undefined;
        this.pending = false;
        resolve();
      };
      this.resolve = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** write writes to `out` and waits for it to drain; false if it closed instead. */
async function write(out: Writable, chunk: Buffer, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted || out.destroyed) return false;
  if (out.write(chunk)) return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => (): void => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      signal.removeEventListener('abort', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    out.once('drain', onDrain);
    out.once('close', onClose);
    signal.addEventListener('abort', onClose, { once: true });
  });
}

/**
 * streamCriLog copies the CRI log at `path` to `out` as plain text
 * (LineRenderer), from the tail offset on. Without follow it stops at the
 * end of the file; with follow it waits for the file to grow (inotify) and
 * stops once `follow.stopped()` and the file has been read to its end, or
 * when `signal` aborts (the client went). Stops early once `limitBytes` is
 * written. Malformed records are skipped. Does not end `out`.
 */
export async function streamCriLog(
  path: string,
  opts: LogReadOptions,
  out: Writable,
  signal: AbortSignal,
  follow?: FollowControl,
): Promise<void> {
  const fh: FileHandle = await open(path, 'r');
  const wakeup = new Wakeup();
  let watcher: FSWatcher | undefined;
  let unsubscribe = (): void => {};
  try {
    if (opts.follow && follow) {
      watcher = watch(path, { persistent: false }, () => wakeup.wake());
      watcher.on('error', () => wakeup.wake());
      unsubscribe = follow.onStop(() => wakeup.wake());
    }
    const size = (await fh.stat()).size;
    let pos =
      opts.tailLines === undefined
        ? 0
        : await tailOffset(
            async (p, len) => {
              const b = Buffer.alloc(len);
              const { bytesRead } = await fh.read(b, 0, len, p);
              return b.subarray(0, bytesRead);
            },
            size,
            opts.tailLines,
          );
    const lines = new LineSplitter();
    const render = new LineRenderer({
      timestamps: opts.timestamps,
      ...(opts.since ? { since: opts.since } : {}),
    });
    let left = opts.limitBytes ?? Infinity;
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const stoppedBefore = !follow || follow.stopped();
      // Read to the current end of the file.
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        // One write per chunk read: many tiny writes would cost a chunk header each.
        const batch: Buffer[] = [];
        let size = 0;
        for (const line of lines.push(Buffer.from(buf.subarray(0, bytesRead)))) {
          let rec: CriRecord;
          try {
            rec = parseCriRecord(line);
          } catch {
            continue;
          }
          for (const piece of render.render(rec)) {
            const part = piece.length > left - size ? piece.subarray(0, left - size) : piece;
            batch.push(part);
            size += part.length;
            if (size >= left) break;
          }
          if (size >= left) break;
        }
        if (size > 0 && !(await write(out, Buffer.concat(batch, size), signal))) return;
        left -= size;
        if (left <= 0) return;
      }
      if (!opts.follow || stoppedBefore || signal.aborted) return;
      await wakeup.wait(signal);
      if (signal.aborted) return;
    }
  } finally {
    unsubscribe();
    watcher?.close();
    await fh.close();
  }
}
