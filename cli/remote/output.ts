import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';
import type { TextSink } from '../io.js';

/**
 * OutputWriter takes a remote command's output as it arrives. `write`
 * returns false when the sink wants the writer to wait for `onDrain`
 * before sending more (a Node stream over its high-water mark).
 */
export interface OutputWriter {
  write(chunk: Buffer): boolean;
  onDrain(cb: () => void): void;
  /** end flushes a partial UTF-8 character held back (text sinks only). */
  end(): void;
}

/**
 * outputWriter adapts a CLI sink: a Node stream (process.stdout) gets the
 * bytes untouched, so binary output survives `tug exec … > file`; any other
 * sink (tests' BufferSink) gets UTF-8 text, with characters split across
 * frames put back together.
 */
export function outputWriter(sink: TextSink): OutputWriter {
  if (sink instanceof Writable) {
    return {
      write: (chunk) => sink.write(chunk),
      onDrain: (cb) => sink.once('drain', cb),
      end: () => {},
    };
  }
  const decoder = new StringDecoder('utf8');
  return {
    write: (chunk) => {
      const text = decoder.write(chunk);
      if (text) sink.write(text);
      return true;
    },
    onDrain: (cb) => queueMicrotask(cb),
    end: () => {
      const rest = decoder.end();
      if (rest) sink.write(rest);
    },
  };
}
