import { Document, parse, Scalar, visit } from 'yaml';
import { sortKeys } from './jsonpath/index.js';

/**
 * toYaml prints a JSON value as kubectl's `-o yaml` does (sigs.k8s.io/yaml
 * over go-yaml): keys sorted, sequences not indented under their key, lines
 * folded at 80 columns, multi-line strings as `|` blocks, strings that would
 * read as another type (`"123"`, `"true"`, `""`) double-quoted, strings that
 * cannot be plain single-quoted.
 */
export function toYaml(value: unknown): string {
  const doc = new Document(sortKeys(value), { version: '1.1', aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      const s = node.value;
      if (s.includes('\n')) return;
      if (hasControlChar(s)) {
        node.type = Scalar.QUOTE_DOUBLE;
        return;
      }
      if (readsAsNonString(s)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({
    indentSeq: false,
    lineWidth: 80,
    minContentWidth: 0,
    singleQuote: true,
    blockQuote: 'literal',
  });
}

// readsAsNonString tells whether a plain scalar `s` would resolve to a
// number, boolean, null or timestamp under YAML 1.1, as go-yaml's resolve does.
function readsAsNonString(s: string): boolean {
  let v: unknown;
  try {
    v = parse(s, { version: '1.1' });
  } catch {
    return false;
  }
  if (v === null) return /^(~|null|Null|NULL|)$/.test(s);
  return (
    typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v instanceof Date
  );
}

// hasControlChar finds characters go-yaml will only print double-quoted (tabs, C0 controls, DEL).
function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x0a) || c === 0x7f) return true;
  }
  return false;
}
