/**
 * Column alignment as kubectl's tab writer does it (Go text/tabwriter with
 * minwidth 6, padding 3, padchar ' '): every column but the last is padded
 * to the widest cell plus three spaces, and at least six; the last column is
 * not padded. A ColumnWidths value remembers widths across calls, so that
 * the rows `get -w` prints one by one stay aligned with the header (widths
 * only grow, as kubectl's do).
 */

const minWidth = 6;
const padding = 3;

/** ColumnWidths holds the width of each column seen so far. */
export type ColumnWidths = number[];

/** cellWidth counts characters as a terminal shows them (code points, not UTF-16 units). */
function cellWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * alignRows renders rows of cells as aligned lines, each ending in "\n".
 * `widths` (mutated) carries remembered column widths in and out.
 */
export function alignRows(rows: readonly (readonly string[])[], widths: ColumnWidths = []): string {
  for (const row of rows) {
    for (let i = 0; i < row.length - 1; i++) {
      const w = Math.max(minWidth, cellWidth(row[i] as string) + padding);
      if (w > (widths[i] ?? 0)) widths[i] = w;
    }
  }
  let out = '';
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < row.length; i++) {
      const cell = row[i] as string;
      line += i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - cellWidth(cell));
    }
    out += `${line}\n`;
  }
  return out;
}

/**
 * formatTabbed aligns tab-separated text exactly as Go's text/tabwriter does
 * (no flags, padchar ' '): a cell is text ended by a tab; a column is
 * aligned over each run of consecutive lines that have a cell in it (a
 * "column block"), so a line without tabs ends every block. Width is the
 * widest cell plus `padding`, at least `minWidth`. `kubectl describe` prints
 * through such a writer with minwidth 0 and padding 2.
 */
export function formatTabbed(text: string, minWidth: number, pad: number): string {
  const lines = text.split('\n');
  const trailingNewline = lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();
  const cells = lines.map((l) => l.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const line = cells[i] as string[];
      let s = '';
      line.forEach((c, j) => {
        s += c;
        if (j < line.length - 1 && j < widths.length)
          s += ' '.repeat(Math.max(0, (widths[j] as number) - cellWidth(c)));
      });
      out.push(s);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= (cells[i] as string[]).length - 1) continue;
      writeLines(start, i);
      start = i;
      let width = minWidth;
      for (; i < line1; i++) {
        const line = cells[i] as string[];
        if (column >= line.length - 1) break;
        width = Math.max(width, cellWidth(line[column] as string) + pad);
      }
      widths.push(width);
      format(start, i);
      widths.pop();
      start = i;
      i--;
    }
    writeLines(start, line1);
  };

  format(0, cells.length);
  return out.join('\n') + (trailingNewline ? '\n' : '');
}
