import { Command, Option } from 'commander';
import { isNotFound } from '../../controlplane/api/errors.js';
import type { ResourceInfo } from '../../controlplane/api/resources.js';
import type { Table } from '../../controlplane/api/types/index.js';
import type { CommandEnv } from '../command-env.js';
import { CliError, ManyErrors, ReportedError, formatError } from '../errors.js';
import { JsonPath, relaxedTemplate } from '../printers/jsonpath/index.js';
import { kindName } from '../printers/objects.js';
import {
  isTableFormat,
  parseOutput,
  printObjects,
  type PrintedObject,
} from '../printers/output.js';
import { printTable, type TableOptions } from '../printers/table.js';
import { fetchObjects, fetchTable, type Scope } from '../resources/fetch.js';
import { parseResourceArgs, type Selection } from '../resources/resolve.js';
import { watchResource } from './get-watch.js';

/** GetFlags are `tug get`'s own flags. */
export interface GetFlags {
  output?: string;
  selector?: string;
  fieldSelector?: string;
  allNamespaces?: boolean;
  watch?: boolean;
  watchOnly?: boolean;
  showLabels?: boolean;
  headers: boolean;
  labelColumns?: string[];
  sortBy?: string;
  ignoreNotFound?: boolean;
  raw?: string;
}

const collect = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v.split(',').filter((s) => s),
];

/** registerGet adds `tug get`. */
export function registerGet(program: Command, env: CommandEnv): void {
  program
    .command('get')
    .description('Display one or many resources')
    .argument('[resources...]', 'TYPE[,TYPE...] [NAME...] or TYPE/NAME...')
    .option(
      '-o, --output <format>',
      'json|yaml|name|wide|jsonpath=...|jsonpath-as-json=...|custom-columns=...',
    )
    .option('-l, --selector <selector>', 'label selector (e.g. -l key1=value1,key2=value2)')
    .option(
      '--field-selector <selector>',
      'field selector (e.g. --field-selector metadata.name=web)',
    )
    .option('-A, --all-namespaces', 'list the requested objects across all namespaces')
    .option('-w, --watch', 'after listing/getting the requested object, watch for changes')
    .option('--watch-only', 'watch for changes without listing/getting first')
    .option('--show-labels', 'show all labels as the last column')
    .option('--no-headers', "don't print headers")
    .addOption(
      new Option('-L, --label-columns <keys>', 'labels to show as columns').argParser(collect),
    )
    .option('--sort-by <jsonpath>', 'sort list types by this JSONPath expression')
    .option('--ignore-not-found', 'do not report an error for objects that do not exist')
    .option('--raw <path>', 'raw URI to request from the server')
    .action(async (args: string[], flags: GetFlags, cmd: Command) => {
      await runGet(env, cmd, args, flags);
    });
}

async function runGet(env: CommandEnv, cmd: Command, args: string[], f: GetFlags): Promise<void> {
  const ctx = env.context(cmd);
  if (f.raw) {
    const client = await ctx.client();
    env.out(await client.requestText({ path: f.raw }));
    return;
  }
  const format = parseOutput(f.output);
  if (args.length === 0) {
    env.err(
      'You must specify the type of resource to get. Use "tug api-resources" for a complete list of supported resources.\n\n',
    );
    throw new CliError('Required resource not specified.');
  }
  const selections = parseResourceArgs(args);
  const named = selections.some((s) => s.names);
  if (named && (f.selector || f.fieldSelector)) {
    throw new CliError('name cannot be provided when a selector is specified');
  }
  if (named && f.allNamespaces) {
    throw new CliError('a resource cannot be retrieved by name across all namespaces');
  }
  const client = await ctx.client();
  const namespace = f.allNamespaces ? undefined : await ctx.namespace();
  const scope: Scope = {};
  if (namespace) scope.namespace = namespace;
  if (f.selector) scope.labelSelector = f.selector;
  if (f.fieldSelector) scope.fieldSelector = f.fieldSelector;

  if (f.watch || f.watchOnly) {
    if (selections.length !== 1) throw new CliError('you may only specify a single resource type');
    const sel = selections[0] as Selection;
    await watchResource(
      env,
      client,
      sel,
      scope,
      format,
      tableOptions(f, sel.info, false, isTableFormat(format) && format.wide),
      {
        watchOnly: !!f.watchOnly,
      },
    );
    return;
  }

  const errors: unknown[] = [];
  const printed = { any: false };
  if (isTableFormat(format)) {
    const withKind = selections.length > 1 || args[0]?.split(',').includes('all') === true;
    if (f.sortBy) scope.includeObject = 'Object';
    for (const sel of selections) {
      const r = await fetchTable(client, sel.info, scope, sel.names);
      errors.push(...r.errors);
      if (f.sortBy) sortRows(r.value, f.sortBy);
      const text = printTable(r.value, tableOptions(f, sel.info, withKind, format.wide));
      if (!text) continue;
      if (printed.any) env.out('\n');
      env.out(text);
      printed.any = true;
    }
  } else {
    const objects: PrintedObject[] = [];
    for (const sel of selections) {
      const r = await fetchObjects(client, sel.info, scope, sel.names);
      errors.push(...r.errors);
      for (const obj of r.value) objects.push({ info: sel.info, obj });
    }
    if (f.sortBy) sortObjects(objects, f.sortBy);
    const single = selections.length === 1 && selections[0]?.names?.length === 1;
    // kubectl says "No resources found" only for tables; other formats print
    // an empty List (or nothing) silently.
    printed.any = true;
    if (objects.length > 0 || !single) env.out(printObjects(format, objects, single, !f.headers));
  }
  const reported = f.ignoreNotFound ? errors.filter((e) => !isNotFound(e)) : errors;
  if (!printed.any && reported.length === 0 && !f.ignoreNotFound) {
    const allNamespaced = !f.allNamespaces && selections.every((s) => s.info.namespaced);
    env.err(
      allNamespaced ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n',
    );
  }
  if (reported.length > 0) {
    if (printed.any || reported.length > 1) {
      for (const e of reported) env.err(`${formatError(e)}\n`);
      throw new ReportedError(1);
    }
    throw new ManyErrors(reported);
  }
}

/** tableOptions maps get's flags onto the table printer's options for one kind. */
export function tableOptions(
  f: GetFlags,
  info: ResourceInfo,
  withKind: boolean,
  wide: boolean,
): TableOptions {
  const o: TableOptions = { wide, noHeaders: !f.headers };
  if (f.allNamespaces && info.namespaced) o.withNamespace = true;
  if (withKind) o.kindPrefix = kindName(info);
  if (f.showLabels) o.showLabels = true;
  if (f.labelColumns?.length) o.labelColumns = f.labelColumns;
  return o;
}

function sortKey(path: JsonPath, obj: unknown): unknown {
  return path.values(obj)[0];
}

function compareKeys(a: unknown, b: unknown): number {
  if (a === undefined) return b === undefined ? 0 : -1;
  if (b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

function sortRows(table: Table, expr: string): void {
  const path = new JsonPath(relaxedTemplate(expr), { allowMissingKeys: true });
  table.rows.sort((x, y) => compareKeys(sortKey(path, x.object), sortKey(path, y.object)));
}

function sortObjects(objects: PrintedObject[], expr: string): void {
  const path = new JsonPath(relaxedTemplate(expr), { allowMissingKeys: true });
  objects.sort((x, y) => compareKeys(sortKey(path, x.obj), sortKey(path, y.obj)));
}
