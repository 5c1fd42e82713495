import {
  JsonPathError,
  parseTemplate,
  type Filter,
  type Node,
  type Operand,
  type Path,
  type Segment,
} from './parser.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * JsonPathOptions: `allowMissingKeys` (kubectl's `-o jsonpath` sets it)
 * prints nothing for a missing field instead of failing; `asJson` prints all
 * results as one indented JSON array (`-o jsonpath-as-json`).
 */
export interface JsonPathOptions {
  allowMissingKeys?: boolean;
  asJson?: boolean;
}

/**
 * jsonText prints a value as Go's json.Marshal does for kubectl: compact,
 * keys sorted, and `<`, `>`, `&` escaped.
 */
export function jsonText(v: unknown, indent?: string): string {
  const text = JSON.stringify(sortKeys(v), null, indent) ?? 'null';
  return text.replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** sortKeys copies a JSON value with every object's keys in sorted order. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
  return out;
}

function textOf(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'object') return jsonText(v);
  return String(v);
}

class Evaluator {
  constructor(
    private readonly root: unknown,
    private readonly opts: JsonPathOptions,
  ) {}

  path(path: Path, current: unknown): unknown[] {
    let values: unknown[] = [path.root === '$' ? this.root : current];
    for (const seg of path.segments) values = this.segment(seg, values);
    return values;
  }

  private segment(seg: Segment, values: unknown[]): unknown[] {
    const out: unknown[] = [];
    for (const v of values) {
      switch (seg.kind) {
        case 'field':
          for (const name of seg.names) {
            if (isObj(v) && Object.hasOwn(v, name)) out.push(v[name]);
            else if (!this.opts.allowMissingKeys) throw new JsonPathError(`${name} is not found`);
          }
          break;
        case 'wildcard':
          if (Array.isArray(v)) out.push(...v);
          else if (isObj(v)) for (const k of Object.keys(v).sort()) out.push(v[k]);
          break;
        case 'recursive':
          collect(v, out);
          break;
        case 'index':
          if (!Array.isArray(v)) break;
          for (const i of seg.indexes) {
            const at = i < 0 ? v.length + i : i;
            if (at >= 0 && at < v.length) out.push(v[at]);
            else if (!this.opts.allowMissingKeys) {
              throw new JsonPathError(`array index out of bounds: index ${i}, length ${v.length}`);
            }
          }
          break;
        case 'slice':
          if (Array.isArray(v)) out.push(...slice(v, seg));
          break;
        case 'filter': {
          const items = Array.isArray(v)
            ? v
            : isObj(v)
              ? Object.keys(v)
                  .sort()
                  .map((k) => v[k])
              : [];
          for (const item of items) if (this.test(seg.filter, item)) out.push(item);
          break;
        }
      }
    }
    return out;
  }

  private operand(o: Operand, item: unknown): unknown[] {
    if (o.kind === 'literal') return [o.value];
    return new Evaluator(this.root, { allowMissingKeys: true }).path(o.path, item);
  }

  private test(f: Filter, item: unknown): boolean {
    const left = this.operand(f.left, item);
    if (!f.op || !f.right) return left.length > 0 && left[0] !== false && left[0] !== null;
    const right = this.operand(f.right, item);
    if (left.length === 0 || right.length === 0)
      return f.op === '!=' && left.length !== right.length;
    return compare(left[0], f.op, right[0]);
  }
}

function collect(v: unknown, out: unknown[]): void {
  out.push(v);
  if (Array.isArray(v)) for (const x of v) collect(x, out);
  else if (isObj(v)) for (const k of Object.keys(v).sort()) collect(v[k], out);
}

function slice(v: unknown[], s: { start?: number; end?: number; step?: number }): unknown[] {
  const len = v.length;
  const norm = (n: number): number => Math.min(len, Math.max(0, n < 0 ? len + n : n));
  const start = norm(s.start ?? 0);
  const end = norm(s.end ?? len);
  const step = s.step && s.step > 0 ? s.step : 1;
  const out: unknown[] = [];
  for (let i = start; i < end; i += step) out.push(v[i]);
  return out;
}

function compare(a: unknown, op: NonNullable<Filter['op']>, b: unknown): boolean {
  const numeric = typeof a === 'number' && typeof b === 'number';
  const x = numeric ? a : textOf(a);
  const y = numeric ? b : textOf(b);
  switch (op) {
    case '==':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    case '>=':
      return x >= y;
  }
}

function render(
  nodes: Node[],
  ev: Evaluator,
  current: unknown,
  out: string[],
  all: unknown[],
): void {
  for (const n of nodes) {
    if (n.kind === 'text') {
      out.push(n.text);
    } else if (n.kind === 'path') {
      const values = ev.path(n.path, current);
      all.push(...values);
      out.push(values.map(textOf).join(' '));
    } else {
      const values = ev.path(n.path, current);
      const items = values.length === 1 && Array.isArray(values[0]) ? values[0] : values;
      for (const item of items) render(n.body, ev, item, out, all);
    }
  }
}

/**
 * JsonPath is a parsed kubectl JSONPath template; `execute` prints it
 * against a JSON value. Construction throws JsonPathError for a bad
 * template; `execute` throws it for, e.g., a missing key when
 * `allowMissingKeys` is off.
 */
export class JsonPath {
  private readonly nodes: Node[];

  constructor(
    readonly template: string,
    private readonly opts: JsonPathOptions = {},
  ) {
    this.nodes = parseTemplate(template);
  }

  /** execute returns the printed template for `data`. */
  execute(data: unknown): string {
    const out: string[] = [];
    const all: unknown[] = [];
    render(this.nodes, new Evaluator(data, this.opts), data, out, all);
    if (this.opts.asJson) return `${jsonText(all, '    ')}\n`;
    return out.join('');
  }

  /** values returns the values a single-path template selects (for custom columns and --sort-by). */
  values(data: unknown): unknown[] {
    const all: unknown[] = [];
    render(
      this.nodes,
      new Evaluator(data, { ...this.opts, allowMissingKeys: true }),
      data,
      [],
      all,
    );
    return all;
  }
}

export { JsonPathError };
