import type { TextSink } from '../io.js';

/**
 * LineWriter passes text on whole lines at a time, each with an optional
 * prefix (`[pod/web-1/main] `), the way kubectl writes log streams: several
 * streams followed at once interleave only between lines. A last line
 * without a newline is written by `end`.
 */
export class LineWriter {
  private partial = '';

  constructor(
    private readonly sink: TextSink,
    private readonly prefix = '',
  ) {}

  /** write takes text as it arrives; complete lines go to the sink at once. */
  write(text: string): void {
    const data = this.partial + text;
    const cut = data.lastIndexOf('\n');
    if (cut < 0) {
      this.partial = data;
      return;
    }
    this.partial = data.slice(cut + 1);
    const lines = data.slice(0, cut + 1);
    if (!this.prefix) {
      this.sink.write(lines);
      return;
    }
    const tagged = lines.split('\n').slice(0, -1);
    this.sink.write(tagged.map((l) => `${this.prefix}${l}\n`).join(''));
  }

  /** end writes what is left of an unfinished line. Idempotent. */
  end(): void {
    if (!this.partial) return;
    this.sink.write(this.prefix + this.partial);
    this.partial = '';
  }
}

/** logPrefix is kubectl's `--prefix` tag of a stream: `[pod/NAME/CONTAINER] `. */
export const logPrefix = (pod: string, container: string): string => `[pod/${pod}/${container}] `;
