import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BufferSink } from '../io.js';
import { LineWriter, logPrefix } from './log-lines.js';
import { outputWriter } from './output.js';

class Recorder extends BufferSink {
  writes: string[] = [];
  override write(chunk: string): boolean {
    this.writes.push(chunk);
    return super.write(chunk);
  }
}

describe('LineWriter', () => {
  it('passes whole lines only, holding a partial line until it ends or the stream does', () => {
    const sink = new Recorder();
    const w = new LineWriter(sink);
    w.write('one\ntw');
    w.write('o\nthr');
    expect(sink.writes).toEqual(['one\n', 'two\n']);
    w.end();
    w.end();
    expect(sink.text).toBe('one\ntwo\nthr');
  });

  it('tags every line, empty ones too, with the prefix', () => {
    const sink = new BufferSink();
    const w = new LineWriter(sink, logPrefix('web-1', 'main'));
    w.write('a\n\nb\nc');
    w.end();
    expect(sink.text).toBe(
      '[pod/web-1/main] a\n[pod/web-1/main] \n[pod/web-1/main] b\n[pod/web-1/main] c',
    );
  });

  it('keeps two interleaved streams apart at line boundaries', () => {
    const sink = new BufferSink();
    const a = new LineWriter(sink, 'A ');
    const b = new LineWriter(sink, 'B ');
    a.write('a1 part');
    b.write('b1\n');
    a.write(' rest\n');
    expect(sink.text).toBe('B b1\nA a1 part rest\n');
  });
});

describe('outputWriter', () => {
  it('joins a UTF-8 character split across frames for text sinks', () => {
    const sink = new BufferSink();
    const w = outputWriter(sink);
    const bytes = Buffer.from('héllo');
    w.write(bytes.subarray(0, 2));
    w.write(bytes.subarray(2));
    w.end();
    expect(sink.text).toBe('héllo');
  });

  it('hands a Node stream the bytes untouched and reports backpressure', () => {
    const got: Buffer[] = [];
    const stream = new Writable({
      highWaterMark: 4,
      write(chunk: Buffer, _enc, cb) {
        got.push(chunk);
        setImmediate(cb);
      },
    });
    const w = outputWriter(stream);
    const binary = Buffer.from([0xff, 0x00, 0xfe]);
    expect(w.write(binary)).toBe(true);
    expect(w.write(Buffer.alloc(8))).toBe(false);
    expect(got[0]).toEqual(binary);
  });
});
