import { resourcePath } from '../../controlplane/api/resources.js';
import type { Table } from '../../controlplane/api/types/index.js';
import type { RestClient } from '../../controlplane/client/index.js';
import type { CommandEnv } from '../command-env.js';
import { isTableFormat, printObjects, type OutputFormat } from '../printers/output.js';
import { tableLines, type TableOptions } from '../printers/table.js';
import { alignRows, type ColumnWidths } from '../printers/tabwriter.js';
import { fetchObjects, fetchTable, tableAccept, type Obj, type Scope } from '../resources/fetch.js';
import type { Selection } from '../resources/resolve.js';

/**
 * watchResource is `get -w`: print the current objects (unless
 * `watchOnly`), then one row (or object) per change until the server ends
 * the stream or the user interrupts. Rows stay aligned with the header
 * (widths are remembered, as kubectl's are); the header is printed with the
 * first row.
 */
export async function watchResource(
  env: CommandEnv,
  client: RestClient,
  sel: Selection,
  scope: Scope,
  format: OutputFormat,
  tableOpts: TableOptions,
  opts: { watchOnly: boolean },
): Promise<void> {
  const signal = env.io.signal;
  const name = sel.names?.[0];
  if (sel.names && sel.names.length > 1) {
    throw new Error('watch is only supported on a single resource name');
  }
  const watchScope: Scope = { ...scope };
  if (name) watchScope.fieldSelector = `metadata.name=${name}`;
  const widths: ColumnWidths = [];
  let headerDone = !!tableOpts.noHeaders;
  let columns: Table['columnDefinitions'] = [];
  let rv: string | undefined;

  const printRows = (table: Table): void => {
    if (table.columnDefinitions?.length) columns = table.columnDefinitions;
    const t: Table = { ...table, columnDefinitions: columns };
    const lines = tableLines(t, tableOpts, !headerDone);
    if (lines.length === 0) return;
    headerDone = true;
    env.out(alignRows(lines, widths));
  };

  if (isTableFormat(format)) {
    const r = await fetchTable(client, sel.info, watchScope, undefined, signal);
    columns = r.value.columnDefinitions;
    rv = r.value.metadata?.resourceVersion;
    if (!opts.watchOnly) printRows(r.value);
  } else {
    const r = await fetchObjects(client, sel.info, watchScope);
    if (!opts.watchOnly) {
      for (const obj of r.value) env.out(printOne(format, sel, obj));
    }
    rv = r.resourceVersion;
  }
  const events = client.watch<unknown>(
    {
      path: resourcePath(sel.info, {
        namespace: sel.info.namespaced ? scope.namespace : undefined,
      }),
      query: {
        watch: true,
        resourceVersion: rv,
        labelSelector: watchScope.labelSelector,
        fieldSelector: watchScope.fieldSelector,
      },
      accept: isTableFormat(format) ? tableAccept : 'application/json',
      timeoutMs: 0,
    },
    signal,
  );
  for await (const ev of events) {
    if (ev.type === 'BOOKMARK') continue;
    if (isTableFormat(format)) printRows(ev.object as Table);
    else env.out(printOne(format, sel, ev.object as Obj));
  }
}

function printOne(
  format: Exclude<OutputFormat, { kind: 'table' }>,
  sel: Selection,
  obj: Obj,
): string {
  const text = printObjects(format, [{ info: sel.info, obj }], true);
  return format.kind === 'yaml' ? `---\n${text}` : text;
}
