/**
 * The CRI container log format, as conmon writes it:
 * `<RFC3339Nano time> <stdout|stderr> <F|P>[:more tags] <content>\n`. A `P`
 * (partial) record is a piece of a line too long for one write; the line
 * goes on in the next records until an `F` (full) one ends it. These
 * functions turn records back into the plain text a program printed, the
 * way kubelet serves `containerLogs`. Content is kept as bytes: a partial
 * record may end in the middle of a UTF-8 character.
 */

/** LogTime is an instant with nanosecond precision: whole Unix seconds plus nanoseconds. */
export interface LogTime {
  seconds: number;
  nanos: number;
}

/** CriRecord is one parsed line of a CRI log file. */
export interface CriRecord {
  /** timeText is the record's time as written; parseLogTime reads it (only when needed: it costs). */
  timeText: string;
  stream: 'stdout' | 'stderr';
  /** partial: the line continues in the next record. */
  partial: boolean;
  content: Buffer;
}

/** CriLogError is a record that isn't in CRI format. */
export class CriLogError extends Error {
  override name = 'CriLogError';
}

const TIME_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** parseLogTime reads an RFC 3339 time with up to nine fraction digits; undefined if malformed. */
export function parseLogTime(text: string): LogTime | undefined {
  const m = TIME_RE.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return { seconds: Math.floor(ms / 1000), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}

/** logTimeFromMs converts milliseconds since the epoch (Date.now()) to a LogTime. */
export function logTimeFromMs(ms: number): LogTime {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1_000_000) };
}

/** compareLogTime orders two instants: negative, zero or positive. */
export function compareLogTime(a: LogTime, b: LogTime): number {
  return a.seconds !== b.seconds ? a.seconds - b.seconds : a.nanos - b.nanos;
}

/**
 * formatLogTime renders an instant as Go's RFC3339Nano in UTC, which is what
 * kubelet prefixes lines with for `timestamps=true`: trailing zeros of the
 * fraction dropped, no fraction at all when it is zero.
 */
export function formatLogTime(t: LogTime): string {
  const base = new Date(t.seconds * 1000).toISOString().slice(0, 19);
  const frac = String(t.nanos).padStart(9, '0').replace(/0+$/, '');
  return `${base}${frac ? `.${frac}` : ''}Z`;
}

const SPACE = 0x20;
const NEWLINE = Buffer.from('\n');

const STDOUT = Buffer.from('stdout');
const STDERR = Buffer.from('stderr');
const F = 0x46;
const P = 0x50;
const COLON = 0x3a;

/**
 * parseCriRecord parses one line (without its newline); throws CriLogError
 * when malformed. It runs once per line of a log, so it looks at bytes and
 * leaves the time as text (parseLogTime reads it when needed).
 */
export function parseCriRecord(line: Buffer): CriRecord {
  const s1 = line.indexOf(SPACE);
  const s2 = s1 < 0 ? -1 : line.indexOf(SPACE, s1 + 1);
  if (s2 < 0) throw new CriLogError('not a CRI log record: fewer than three fields');
  // A shape check (YYYY-MM-DDT…); the full parse waits until a time is needed.
  if (s1 < 20 || line[4] !== 0x2d || line[7] !== 0x2d || line[10] !== 0x54) {
    throw new CriLogError('not a CRI log record: bad timestamp');
  }
  const streamBytes = line.subarray(s1 + 1, s2);
  const stream = streamBytes.equals(STDOUT)
    ? 'stdout'
    : streamBytes.equals(STDERR)
      ? 'stderr'
      : undefined;
  if (!stream) {
    throw new CriLogError(
      `not a CRI log record: unknown stream "${streamBytes.toString('latin1')}"`,
    );
  }
  // The tag field (F or P, maybe followed by :more) is the last one; content may be empty.
  const tag = line[s2 + 1];
  const after = line[s2 + 2];
  if ((tag !== F && tag !== P) || (after !== undefined && after !== SPACE && after !== COLON)) {
    throw new CriLogError('not a CRI log record: unknown tag');
  }
  let s3 = after === SPACE ? s2 + 2 : line.indexOf(SPACE, s2 + 1);
  if (s3 < 0) s3 = line.length;
  return {
    timeText: line.subarray(0, s1).toString('latin1'),
    stream,
    partial: tag === P,
    content: line.subarray(Math.min(s3 + 1, line.length)),
  };
}

/** LineSplitter cuts a byte stream into lines; an unfinished last line waits for more bytes. */
export class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);

  /** push adds bytes and returns every line they complete (without newlines). */
  push(chunk: Buffer): Buffer[] {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const out: Buffer[] = [];
    let start = 0;
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, start)) {
      out.push(buf.subarray(start, nl));
      start = nl + 1;
    }
    // Copy so that the rest doesn't pin the whole chunk.
    this.rest = Buffer.from(buf.subarray(start));
    return out;
  }
}

/** RenderOptions say how records become output. */
export interface RenderOptions {
  /** timestamps prefixes each line with its first record's time (RFC3339Nano) and a space. */
  timestamps: boolean;
  /** since drops records older than this instant. */
  since?: LogTime;
}

/**
 * LineRenderer turns records into output bytes: partial records are joined
 * into one line, which ends with the `F` record; with `timestamps` each line
 * starts with its time. Records before `since` are dropped, as kubelet does.
 */
export class LineRenderer {
  private atLineStart = true;
  // Records mostly share their second with the one before: parse and format each second once.
  private lastSecondText = '';
  private lastSeconds = 0;
  private lastBase = '';

  constructor(private readonly opts: RenderOptions) {}

  private timeOf(text: string): { time: LogTime; base: string } | undefined {
    const m = TIME_RE.exec(text);
    if (!m) return undefined;
    const secondText = `${m[1]}${m[3]}`;
    if (secondText !== this.lastSecondText) {
      const ms = Date.parse(secondText);
      if (Number.isNaN(ms)) return undefined;
      this.lastSecondText = secondText;
      this.lastSeconds = Math.floor(ms / 1000);
      this.lastBase = new Date(this.lastSeconds * 1000).toISOString().slice(0, 19);
    }
    const nanos = Number((m[2] ?? '').padEnd(9, '0'));
    return { time: { seconds: this.lastSeconds, nanos }, base: this.lastBase };
  }

  /** render returns the bytes one record adds to the output (possibly none). */
  render(r: CriRecord): Buffer[] {
    const prefix = this.atLineStart && this.opts.timestamps;
    let t: { time: LogTime; base: string } | undefined;
    if (this.opts.since || prefix) {
      t = this.timeOf(r.timeText);
      // A record whose time can't be read can't be placed: drop it.
      if (!t) return [];
      if (this.opts.since && compareLogTime(t.time, this.opts.since) < 0) return [];
    }
    const out: Buffer[] = [];
    if (prefix && t) {
      const frac = String(t.time.nanos).padStart(9, '0').replace(/0+$/, '');
      out.push(Buffer.from(`${t.base}${frac ? `.${frac}` : ''}Z `));
    }
    out.push(r.content);
    if (!r.partial) out.push(NEWLINE);
    this.atLineStart = !r.partial;
    return out;
  }
}

/** ReadAt reads up to `length` bytes at `position` (a file handle's read, or a buffer in tests). */
export type ReadAt = (position: number, length: number) => Promise<Buffer>;

const TAIL_CHUNK = 64 * 1024;

/**
 * tailOffset finds where the last `lines` lines of a CRI log of `size` bytes
 * start, reading backwards in chunks. A line is a run of partial records
 * ended by a full one; trailing partial records count as one (unfinished)
 * line; bytes after the last newline (a record being written) are ignored;
 * malformed records count as full ones. Returns 0 when the file has no more
 * lines than asked, and the end of the last complete record for `lines` 0.
 * `chunkSize` is how much is read at a time.
 */
export async function tailOffset(
  readAt: ReadAt,
  size: number,
  lines: number,
  chunkSize = TAIL_CHUNK,
): Promise<number> {
  let pos = size;
  // buf holds the bytes [pos, pos + buf.length) whose records are not looked at yet.
  let buf: Buffer = Buffer.alloc(0);
  let later: number | undefined; // offset of the record after the ones in buf
  let seen = 0;
  let haveEnd = false;
  for (;;) {
    if (!haveEnd) {
      const nl = buf.lastIndexOf(0x0a);
      if (nl >= 0) {
        buf = buf.subarray(0, nl + 1);
        haveEnd = true;
        if (lines <= 0) return pos + nl + 1;
      }
    }
    while (haveEnd && buf.length > 0) {
      const prev = buf.length >= 2 ? buf.lastIndexOf(0x0a, buf.length - 2) : -1;
      if (prev < 0 && pos > 0) break; // this record starts in an earlier chunk
      const start = prev + 1;
      // The record after a full one starts a line.
      if (later !== undefined && !isPartial(buf.subarray(start, buf.length - 1))) {
        if (++seen === lines) return later;
      }
      later = pos + start;
      buf = buf.subarray(0, start);
    }
    if (pos === 0) return 0;
    const len = Math.min(chunkSize, pos);
    pos -= len;
    buf = Buffer.concat([await readAt(pos, len), buf]);
  }
}

function isPartial(line: Buffer): boolean {
  try {
    return parseCriRecord(line).partial;
  } catch {
    return false;
  }
}
