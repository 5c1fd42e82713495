import { mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LineRenderer,
  LineSplitter,
  formatLogTime,
  parseCriRecord,
  parseLogTime,
  tailOffset,
  type CriRecord,
} from './cri-log.js';
import { streamCriLog, type LogReadOptions } from './log-reader.js';

const rec = (line: string): CriRecord => parseCriRecord(Buffer.from(line));

/** A small CRI log: "one", "two" split over two partial records, "three" on stderr. */
const LOG = [
  '2024-05-01T10:00:00.100000000+00:00 stdout F one',
  '2024-05-01T10:00:01.000000000+00:00 stdout P t',
  '2024-05-01T10:00:01.500000000+00:00 stdout F wo',
  '2024-05-01T10:00:02.123456789Z stderr F three',
].join('\n');

describe('CRI log records', () => {
  it('parses time, stream, partial tag and content bytes', () => {
    const r = rec('2024-05-01T10:00:00.5+02:00 stderr P:x hello world');
    expect(r.stream).toBe('stderr');
    expect(r.partial).toBe(true);
    expect(r.content.toString()).toBe('hello world');
    expect(formatLogTime(parseLogTime(r.timeText)!)).toBe('2024-05-01T08:00:00.5Z');
  });

  it('takes an empty line (no content after the tag)', () => {
    expect(rec('2024-05-01T10:00:00Z stdout F').content.length).toBe(0);
    expect(rec('2024-05-01T10:00:00Z stdout F ').content.length).toBe(0);
  });

  it('refuses what is not a record', () => {
    expect(() => rec('hello')).toThrow(/CRI/);
    expect(() => rec('yesterday stdout F x')).toThrow(/timestamp/);
    expect(() => rec('2024-05-01T10:00:00Z stdin F x')).toThrow(/stream/);
    expect(() => rec('2024-05-01T10:00:00Z stdout X x')).toThrow(/tag/);
  });

  it("formats times as Go's RFC3339Nano in UTC", () => {
    expect(formatLogTime(parseLogTime('2024-05-01T10:00:00.000000000+00:00')!)).toBe(
      '2024-05-01T10:00:00Z',
    );
    expect(formatLogTime(parseLogTime('2024-05-01T10:00:00.123456789-01:30')!)).toBe(
      '2024-05-01T11:30:00.123456789Z',
    );
    expect(parseLogTime('2024-05-01 10:00:00Z')).toBeUndefined();
  });
});

describe('rendering', () => {
  const render = (opts: ConstructorParameters<typeof LineRenderer>[0]): string => {
    const r = new LineRenderer(opts);
    const out: Buffer[] = [];
    for (const line of new LineSplitter().push(Buffer.from(LOG + '\n'))) {
      out.push(...r.render(parseCriRecord(line)));
    }
    return Buffer.concat(out).toString();
  };

  it('joins partial records into one line, stdout and stderr alike', () => {
    expect(render({ timestamps: false })).toBe('one\ntwo\nthree\n');
  });

  it("prefixes each line with its first record's time", () => {
    expect(render({ timestamps: true })).toBe(
      '2024-05-01T10:00:00.1Z one\n2024-05-01T10:00:01Z two\n2024-05-01T10:00:02.123456789Z three\n',
    );
  });

  it('drops records older than since', () => {
    expect(render({ timestamps: false, since: parseLogTime('2024-05-01T10:00:01Z')! })).toBe(
      'two\nthree\n',
    );
  });

  it('keeps a UTF-8 character split across partial records intact', () => {
    const euro = Buffer.from('€'); // three bytes
    const lines = [
      Buffer.concat([Buffer.from('2024-05-01T10:00:00Z stdout P '), euro.subarray(0, 1)]),
      Buffer.concat([Buffer.from('2024-05-01T10:00:00Z stdout F '), euro.subarray(1)]),
    ];
    const r = new LineRenderer({ timestamps: false });
    const out = Buffer.concat(lines.flatMap((l) => r.render(parseCriRecord(l))));
    expect(out.toString()).toBe('€\n');
  });

  it('splits a byte stream into lines, holding back an unfinished one', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('a\nb')).map(String)).toEqual(['a']);
    expect(s.push(Buffer.from('c\n\nd')).map(String)).toEqual(['bc', '']);
  });
});

describe('tailOffset', () => {
  const file = Buffer.from(LOG + '\n');
  const readAt = (max: number) => async (p: number, len: number) =>
    file.subarray(p, p + Math.min(len, max));
  const offsetOf = (line: number): number =>
    LOG.split('\n')
      .slice(0, line)
      .reduce((a, l) => a + l.length + 1, 0);

  it('finds where the last N lines start, partial records counting as one line', async () => {
    expect(await tailOffset(readAt(1 << 20), file.length, 1)).toBe(offsetOf(3));
    expect(await tailOffset(readAt(1 << 20), file.length, 2)).toBe(offsetOf(1));
    expect(await tailOffset(readAt(1 << 20), file.length, 3)).toBe(0);
    expect(await tailOffset(readAt(1 << 20), file.length, 10)).toBe(0);
    expect(await tailOffset(readAt(1 << 20), file.length, 0)).toBe(file.length);
  });

  it('gives the same answers reading backwards in tiny chunks', async () => {
    const whole = async (p: number, len: number) => file.subarray(p, p + len);
    for (const chunk of [1, 2, 3, 7, 50]) {
      for (const n of [0, 1, 2, 3, 4]) {
        expect(await tailOffset(whole, file.length, n, chunk), `chunk ${chunk}, ${n} lines`).toBe(
          await tailOffset(whole, file.length, n),
        );
      }
    }
  });

  it('ignores a record still being written and counts trailing partials as a line', async () => {
    const f = Buffer.from(
      LOG + '\n2024-05-01T10:00:03Z stdout P fo\n2024-05-01T10:00:04Z stdout F o',
    );
    const r = async (p: number, len: number) => f.subarray(p, p + len);
    expect(await tailOffset(r, f.length, 1)).toBe(file.length);
    expect(await tailOffset(r, f.length, 0)).toBe(f.lastIndexOf('\n') + 1);
  });
});

describe('streamCriLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tug-crilog-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const read = async (opts: Partial<LogReadOptions>): Promise<string> => {
    const path = join(dir, '0.log');
    await writeFile(path, LOG + '\n');
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (b: Buffer) => chunks.push(b));
    await streamCriLog(
      path,
      { follow: false, timestamps: false, ...opts },
      out,
      new AbortController().signal,
    );
    return Buffer.concat(chunks).toString();
  };

  it('reads everything, the tail, or up to a byte limit', async () => {
    expect(await read({})).toBe('one\ntwo\nthree\n');
    expect(await read({ tailLines: 2 })).toBe('two\nthree\n');
    expect(await read({ tailLines: 0 })).toBe('');
    expect(await read({ limitBytes: 6 })).toBe('one\ntw');
  });

  it('follows new lines until the container stops', async () => {
    const path = join(dir, '1.log');
    await writeFile(path, LOG + '\n');
    const out = new PassThrough();
    let text = '';
    const seen: ((s: string) => void)[] = [];
    out.on('data', (b: Buffer) => {
      text += b.toString();
      for (const f of seen) f(text);
    });
    const until = (want: string): Promise<void> =>
      new Promise((resolve) => {
        if (text.includes(want)) return resolve();
        seen.push((t) => t.includes(want) && resolve());
      });
    let stopped = false;
    const subs = new Set<() => void>();
    const done = streamCriLog(
      path,
      { follow: true, timestamps: false, tailLines: 1 },
      out,
      new AbortController().signal,
      {
        stopped: () => stopped,
        onStop: (cb) => {
          subs.add(cb);
          return () => subs.delete(cb);
        },
      },
    );
    await until('three\n');
    await appendFile(path, '2024-05-01T10:00:05Z stdout F four\n');
    await until('four\n');
    await appendFile(path, '2024-05-01T10:00:06Z stdout F five\n');
    stopped = true;
    for (const f of subs) f();
    await done;
    expect(text).toBe('three\nfour\nfive\n');
  });

  it('stops following when the reader goes away', async () => {
    const path = join(dir, '2.log');
    await writeFile(path, LOG + '\n');
    const out = new PassThrough();
    out.resume();
    const ac = new AbortController();
    const done = streamCriLog(path, { follow: true, timestamps: false }, out, ac.signal, {
      stopped: () => false,
      onStop: () => () => {},
    });
    ac.abort();
    await expect(done).resolves.toBeUndefined();
  });
});
