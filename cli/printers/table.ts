import type {
  Table,
  TableCell,
  TableColumnDefinition,
} from '../../controlplane/api/types/index.js';
import { alignRows, type ColumnWidths } from './tabwriter.js';

/**
 * TableOptions are the `kubectl get` flags that shape a server-side Table:
 * `-o wide` (priority-1 columns), `-A` on a namespaced kind (a NAMESPACE
 * column first), several kinds (`deployment.apps/web` names), `-L` label
 * columns, `--show-labels`, `--no-headers`.
 */
export interface TableOptions {
  wide?: boolean;
  withNamespace?: boolean;
  /** kindPrefix such as `deployment.apps`, put before every name when several kinds print. */
  kindPrefix?: string;
  labelColumns?: readonly string[];
  showLabels?: boolean;
  noHeaders?: boolean;
}

interface RowMeta {
  namespace?: string;
  labels?: Record<string, string>;
}

/** formatLabels prints labels as `a=b,c=d` sorted by key, or `<none>` (labels.FormatLabels). */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${(labels as Record<string, string>)[k]}`).join(',');
}

/** formatCell prints a cell as kubectl's table printer: text up to its first line break. */
export function formatCell(cell: TableCell | null | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell !== 'string') return String(cell);
  const cut = cell.search(/[\f\n\r]/);
  return cut >= 0 ? `${cell.slice(0, cut)}...` : cell;
}

function rowMeta(obj: unknown): RowMeta | undefined {
  const m = (obj as { metadata?: unknown } | undefined)?.metadata;
  return typeof m === 'object' && m !== null ? (m as RowMeta) : undefined;
}

/**
 * tableLines turns a Table into rows of text cells (header first unless
 * `noHeaders`), decorated as kubectl's decorateTable does. An empty table
 * gives no lines at all, not even a header.
 */
export function tableLines(
  table: Table,
  opts: TableOptions = {},
  withHeader = !opts.noHeaders,
): string[][] {
  const defs = table.columnDefinitions ?? [];
  const shown = defs.map((c) => opts.wide === true || c.priority === 0);
  const nameIdx = opts.kindPrefix
    ? defs.findIndex((c: TableColumnDefinition) => c.format === 'name' && c.type === 'string')
    : -1;
  const labelCols = opts.labelColumns ?? [];
  const lines: string[][] = [];
  if (table.rows.length === 0) return lines;
  if (withHeader) {
    const header: string[] = [];
    if (opts.withNamespace) header.push('NAMESPACE');
    defs.forEach((c, i) => {
      if (shown[i]) header.push(c.name.toUpperCase());
    });
    for (const l of labelCols) header.push((l.split('/').pop() ?? l).toUpperCase());
    if (opts.showLabels) header.push('LABELS');
    lines.push(header);
  }
  for (const row of table.rows) {
    const meta = rowMeta(row.object);
    const cells: string[] = [];
    if (opts.withNamespace) cells.push(meta?.namespace ?? '');
    defs.forEach((_, i) => {
      if (!shown[i]) return;
      const text = formatCell(row.cells[i]);
      cells.push(i === nameIdx ? `${opts.kindPrefix}/${text}` : text);
    });
    for (const l of labelCols) cells.push(meta?.labels?.[l] ?? '');
    if (opts.showLabels) cells.push(meta ? formatLabels(meta.labels) : '');
    lines.push(cells);
  }
  return lines;
}

/** printTable renders a Table as kubectl get prints it; '' for an empty table. */
export function printTable(table: Table, opts: TableOptions = {}, widths?: ColumnWidths): string {
  return alignRows(tableLines(table, opts), widths);
}
