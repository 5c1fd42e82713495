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
