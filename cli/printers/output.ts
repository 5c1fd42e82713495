import type { ResourceInfo } from '../../controlplane/api/resources.js';
import { CliError } from '../errors.js';
import { JsonPath, JsonPathError, jsonText, relaxedTemplate } from './jsonpath/index.js';
import { asList, objectName, toJson, toYaml } from './objects.js';
import { alignRows } from './tabwriter.js';

/** CustomColumn is one `HEADER:.json.path` of `-o custom-columns`. */
export interface CustomColumn {
  header: string;
  path: JsonPath;
}

/** OutputFormat is a parsed `-o` flag. */
export type OutputFormat =
  | { kind: 'table'; wide: boolean }
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'name' }
  | { kind: 'jsonpath'; path: JsonPath }
  | { kind: 'custom-columns'; columns: CustomColumn[] };

const allowed = 'custom-columns,json,jsonpath,jsonpath-as-json,name,wide,yaml';

function jsonPath(template: string, asJson: boolean): JsonPath {
  try {
    return new JsonPath(template, { allowMissingKeys: true, asJson });
  } catch (e) {
    if (e instanceof JsonPathError)
      throw new CliError(`error parsing jsonpath ${template}, ${e.message}`);
    throw e;
  }
}

/**
 * parseOutput reads `-o`: '' (a table), `wide`, `json`, `yaml`, `name`,
 * `jsonpath=TEMPLATE`, `jsonpath-as-json=TEMPLATE`,
 * `custom-columns=NAME:.metadata.name,…`. Throws CliError with kubectl's
 * list of formats for anything else.
 */
export function parseOutput(flag: string | undefined): OutputFormat {
  const o = flag ?? '';
  if (o === '') return { kind: 'table', wide: false };
  if (o === 'wide') return { kind: 'table', wide: true };
  if (o === 'json' || o === 'yaml' || o === 'name') return { kind: o };
  const eq = o.indexOf('=');
  const name = eq < 0 ? o : o.slice(0, eq);
  const arg = eq < 0 ? '' : o.slice(eq + 1);
  if (name === 'jsonpath' || name === 'jsonpath-as-json') {
    if (!arg) throw new CliError('template format specified but no template given');
    return { kind: 'jsonpath', path: jsonPath(arg, name === 'jsonpath-as-json') };
  }
  if (name === 'custom-columns') {
    if (!arg) throw new CliError('custom-columns format specified but no custom columns given');
    const columns = arg.split(',').map((spec) => {
      const i = spec.indexOf(':');
      if (i < 0) {
        throw new CliError(
          `unexpected custom-columns spec: ${spec}, expected <header>:<json-path-expr>`,
        );
      }
      return {
        header: spec.slice(0, i),
        path: jsonPath(relaxedTemplate(spec.slice(i + 1)), false),
      };
    });
    return { kind: 'custom-columns', columns };
  }
  throw new CliError(
    `unable to match a printer suitable for the output format "${o}", allowed formats are: ${allowed}`,
  );
}

/** isTableFormat tells whether the format prints server-side Tables (the default and wide). */
export function isTableFormat(f: OutputFormat): f is { kind: 'table'; wide: boolean } {
  return f.kind === 'table';
}

/** PrintedObject is an object with the resource it belongs to (for `-o name`). */
export interface PrintedObject {
  info: Pick<ResourceInfo, 'kind' | 'group'>;
  obj: Record<string, unknown>;
}

function runPath(p: JsonPath, data: unknown): string {
  try {
    return p.execute(data);
  } catch (e) {
    if (e instanceof JsonPathError) {
      throw new CliError(`error executing jsonpath ${JSON.stringify(p.template)}: ${e.message}`);
    }
    throw e;
  }
}

function customColumns(columns: CustomColumn[], items: unknown[], noHeaders: boolean): string {
  const rows: string[][] = [];
  if (!noHeaders) rows.push(columns.map((c) => c.header));
  for (const item of items) {
    rows.push(
      columns.map((c) => {
        const vs = c.path.values(item);
        return vs.length === 0
          ? '<none>'
          : vs
              .map((v) => (typeof v === 'object' && v !== null ? jsonText(v) : String(v)))
              .join(',');
      }),
    );
  }
  return alignRows(rows);
}

/**
 * printObjects prints objects in a non-table format. `single` is kubectl's
 * "one object was asked for by name": it prints the object itself instead
 * of a `List`.
 */
export function printObjects(
  format: Exclude<OutputFormat, { kind: 'table' }>,
  objects: readonly PrintedObject[],
  single: boolean,
  noHeaders = false,
): string {
  const data = single && objects.length === 1 ? objects[0]?.obj : asList(objects.map((o) => o.obj));
  switch (format.kind) {
    case 'json':
      return toJson(data);
    case 'yaml':
      return toYaml(data);
    case 'name':
      return objects
        .map(
          (o) =>
            `${objectName(o.info, String((o.obj['metadata'] as { name?: string } | undefined)?.name ?? ''))}\n`,
        )
        .join('');
    case 'jsonpath':
      return runPath(format.path, data);
    case 'custom-columns':
      return customColumns(
        format.columns,
        objects.map((o) => o.obj),
        noHeaders,
      );
  }
}
