/**
 * Parsing of kubectl's JSONPath templates (client-go util/jsonpath): text
 * with `{…}` actions holding a path (`.spec.replicas`, `.items[*].name`,
 * `..name`, `[?(@.type=="Ready")]`, `['a.b']`, `[1:3]`, `[0,2]`), a quoted
 * string (`{"\n"}`), or `range PATH` … `end`.
 */

/** JsonPathError is a template that cannot be parsed or evaluated. */
export class JsonPathError extends Error {
  override name = 'JsonPathError';
}

/** Segment is one step of a path. */
export type Segment =
  | { kind: 'field'; names: string[] }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'index'; indexes: number[] }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'filter'; filter: Filter };

/** Path is a list of segments from the root (`$`), the current value (`@`) or the range element. */
export interface Path {
  root: '$' | '@' | '.';
  segments: Segment[];
}

/** Operand of a filter comparison. */
export type Operand = { kind: 'path'; path: Path } | { kind: 'literal'; value: unknown };

/** Filter is `?(left)` (existence) or `?(left op right)`. */
export interface Filter {
  left: Operand;
  op?: '==' | '!=' | '<' | '>' | '<=' | '>=';
  right?: Operand;
}

/** Node is a parsed template piece. */
export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'path'; path: Path }
  | { kind: 'range'; path: Path; body: Node[] };

const fieldStop = new Set([
  ' ',
  '\t',
  '\r',
  '\n',
  '.',
  ',',
  '[',
  ']',
  '(',
  ')',
  '}',
  '=',
  '!',
  '<',
  '>',
]);

/** Scanner walks one action's text. */
class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(n = 0): string {
    return this.text[this.pos + n] ?? '';
  }

  skipSpaces(): void {
    while (/\s/.test(this.peek())) this.pos++;
  }

  fail(what: string): never {
    throw new JsonPathError(`${what} at position ${this.pos} of ${JSON.stringify(this.text)}`);
  }

  expect(s: string): void {
    if (!this.text.startsWith(s, this.pos)) this.fail(`expected ${JSON.stringify(s)}`);
    this.pos += s.length;
  }

  quoted(): string {
    const q = this.peek();
    let i = this.pos + 1;
    let raw = '';
    while (i < this.text.length && this.text[i] !== q) {
      if (this.text[i] === '\\' && i + 1 < this.text.length) {
        raw += this.text[i] === '\\' && this.text[i + 1] === q ? q : `\\${this.text[i + 1]}`;
        i += 2;
        continue;
      }
      raw += this.text[i];
      i++;
    }
    if (i >= this.text.length) this.fail('unterminated quoted string');
    this.pos = i + 1;
    return unescape(raw);
  }

  fieldName(): string {
    let name = '';
    while (!this.done) {
      const c = this.peek();
      if (c === '\\' && this.peek(1) !== '') {
        name += this.peek(1);
        this.pos += 2;
        continue;
      }
      if (fieldStop.has(c)) break;
      name += c;
      this.pos++;
    }
    return name;
  }

  number(): number | undefined {
    const m = /^-?\d+/.exec(this.text.slice(this.pos));
    if (!m) return undefined;
    this.pos += m[0].length;
    return Number(m[0]);
  }
}

function unescape(raw: string): string {
  return raw.replace(/\\(.)/g, (_, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c,
  );
}

function parsePath(s: Scanner, inFilter: boolean): Path {
  let root: Path['root'] = '.';
  if (s.peek() === '$' || s.peek() === '@') {
    root = s.peek() as '$' | '@';
    s.pos++;
  }
  const segments: Segment[] = [];
  while (!s.done) {
    const c = s.peek();
    if (c === '.' && s.peek(1) === '.') {
      s.pos += 2;
      segments.push({ kind: 'recursive' });
      if (s.peek() === '*') {
        s.pos++;
        segments.push({ kind: 'wildcard' });
      } else if (s.peek() !== '[') {
        const name = s.fieldName();
        if (name) segments.push({ kind: 'field', names: [name] });
      }
    } else if (c === '.') {
      s.pos++;
      if (s.peek() === '*') {
        s.pos++;
        segments.push({ kind: 'wildcard' });
        continue;
      }
      const name = s.fieldName();
      if (name) segments.push({ kind: 'field', names: [name] });
    } else if (c === '[') {
      segments.push(parseBracket(s));
    } else if (/[A-Za-z_]/.test(c) && segments.length === 0 && root === '.') {
      segments.push({ kind: 'field', names: [s.fieldName()] });
    } else {
      break;
    }
    if (inFilter && /[\s=!<>)]/.test(s.peek())) break;
  }
  return { root, segments };
}

function parseBracket(s: Scanner): Segment {
  s.expect('[');
  s.skipSpaces();
  const c = s.peek();
  let seg: Segment;
  if (c === '*') {
    s.pos++;
    seg = { kind: 'wildcard' };
  } else if (c === '?') {
    s.pos++;
    s.skipSpaces();
    s.expect('(');
    seg = { kind: 'filter', filter: parseFilter(s) };
    s.skipSpaces();
    s.expect(')');
  } else if (c === "'" || c === '"') {
    const names = [s.quoted()];
    s.skipSpaces();
    while (s.peek() === ',') {
      s.pos++;
      s.skipSpaces();
      names.push(s.quoted());
      s.skipSpaces();
    }
    seg = { kind: 'field', names };
  } else {
    seg = parseIndexOrSlice(s);
  }
  s.skipSpaces();
  s.expect(']');
  return seg;
}

function parseIndexOrSlice(s: Scanner): Segment {
  const first = s.number();
  s.skipSpaces();
  if (s.peek() === ':') {
    const slice: { kind: 'slice'; start?: number; end?: number; step?: number } = { kind: 'slice' };
    if (first !== undefined) slice.start = first;
    s.pos++;
    s.skipSpaces();
    const end = s.number();
    if (end !== undefined) slice.end = end;
    s.skipSpaces();
    if (s.peek() === ':') {
      s.pos++;
      const step = s.number();
      if (step !== undefined) slice.step = step;
    }
    return slice;
  }
  if (first === undefined) s.fail('expected an index, a slice, a quoted name, * or a filter');
  const indexes = [first];
  while (s.peek() === ',') {
    s.pos++;
    s.skipSpaces();
    const n = s.number();
    if (n === undefined) s.fail('expected an index');
    indexes.push(n);
    s.skipSpaces();
  }
  return { kind: 'index', indexes };
}

function parseOperand(s: Scanner): Operand {
  s.skipSpaces();
  const c = s.peek();
  if (c === '"' || c === "'") return { kind: 'literal', value: s.quoted() };
  const num = /^-?\d+(\.\d+)?/.exec(s.text.slice(s.pos));
  if (num) {
    s.pos += num[0].length;
    return { kind: 'literal', value: Number(num[0]) };
  }
  for (const word of ['true', 'false', 'null']) {
    if (s.text.startsWith(word, s.pos) && !/[\w.]/.test(s.peek(word.length))) {
      s.pos += word.length;
      return { kind: 'literal', value: JSON.parse(word) as unknown };
    }
  }
  return { kind: 'path', path: parsePath(s, true) };
}

function parseFilter(s: Scanner): Filter {
  const left = parseOperand(s);
  s.skipSpaces();
  const op = /^(==|!=|<=|>=|<|>)/.exec(s.text.slice(s.pos))?.[0] as Filter['op'] | undefined;
  if (!op) return { left };
  s.pos += op.length;
  return { left, op, right: parseOperand(s) };
}

function parseAction(text: string): Node | { kind: 'end' } | { kind: 'rangeStart'; path: Path } {
  const s = new Scanner(text.trim());
  if (s.text === 'end') return { kind: 'end' };
  if (s.text.startsWith('"') || s.text.startsWith("'")) {
    const str = s.quoted();
    if (!s.done) s.fail('unexpected text after a string');
    return { kind: 'text', text: str };
  }
  if (/^range\s/.test(s.text)) {
    s.pos = 5;
    s.skipSpaces();
    const path = parsePath(s, false);
    if (!s.done) s.fail('unexpected character');
    return { kind: 'rangeStart', path };
  }
  const path = parsePath(s, false);
  if (!s.done) s.fail('unexpected character');
  return { kind: 'path', path };
}

/** splitActions cuts a template into text and `{…}` actions, honouring quotes inside actions. */
function splitActions(template: string): { text?: string; action?: string }[] {
  const parts: { text?: string; action?: string }[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      parts.push({ text: template.slice(i) });
      break;
    }
    if (open > i) parts.push({ text: template.slice(i, open) });
    let j = open + 1;
    let quote = '';
    let depth = 0;
    for (; j < template.length; j++) {
      const c = template[j] as string;
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '[') depth++;
      else if (c === ']') depth--;
      else if (c === '}' && depth <= 0) break;
    }
    if (j >= template.length) throw new JsonPathError('unclosed action');
    parts.push({ action: template.slice(open + 1, j) });
    i = j + 1;
  }
  return parts;
}

/** parseTemplate parses a whole template; throws JsonPathError with the place at fault. */
export function parseTemplate(template: string): Node[] {
  const stack: { nodes: Node[]; path?: Path }[] = [{ nodes: [] }];
  for (const part of splitActions(template)) {
    const top = stack[stack.length - 1] as { nodes: Node[]; path?: Path };
    if (part.text !== undefined) {
      top.nodes.push({ kind: 'text', text: part.text });
      continue;
    }
    const node = parseAction(part.action ?? '');
    if (node.kind === 'rangeStart') {
      stack.push({ nodes: [], path: node.path });
    } else if (node.kind === 'end') {
      if (stack.length < 2) throw new JsonPathError('not in range, nothing to end');
      stack.pop();
      const parent = stack[stack.length - 1] as { nodes: Node[] };
      parent.nodes.push({ kind: 'range', path: top.path as Path, body: top.nodes });
    } else {
      top.nodes.push(node);
    }
  }
  if (stack.length > 1) throw new JsonPathError('unclosed range: missing {end}');
  return (stack[0] as { nodes: Node[] }).nodes;
}
