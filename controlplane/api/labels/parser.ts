import { FieldPath, formatFieldError } from '../field-path.js';
import {
  InvalidSelectorError,
  isInvalidSelector,
  keyErrors,
  newRequirement,
  type Requirement,
  type SelectorOperator,
} from './requirement.js';

/**
 * The label selector parser, behaving like apimachinery's `labels.Parse`: the
 * same tokens, the same contexts (`in`/`notin` are plain identifiers where a
 * value is expected), the same inferred `exists`, the same error texts.
 */

type Token =
  | 'end'
  | 'closePar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

interface Item {
  tok: Token;
  lit: string;
}

const symbolTokens: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', 'closePar'],
  [',', 'comma'],
  ['!', 'doesNotExist'],
  ['==', 'doubleEquals'],
  ['=', 'equals'],
  ['>', 'greaterThan'],
  ['<', 'lessThan'],
  ['!=', 'notEquals'],
  ['(', 'openPar'],
]);

const keywordTokens: ReadonlyMap<string, Token> = new Map<string, Token>([
  ['in', 'in'],
  ['notin', 'notIn'],
]);

const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);

/** lex splits a selector into tokens; symbols take the longest known match (`!=` over `!`). */
function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos] as string)) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'end', lit: '' });
      return items;
    }
    const start = pos;
    if (isSpecial(s[pos] as string)) {
      let best: Item | undefined;
      while (pos < s.length && isSpecial(s[pos] as string)) {
        const tok = symbolTokens.get(s.slice(start, pos + 1));
        if (tok) best = { tok, lit: s.slice(start, pos + 1) };
        else if (best) break;
        pos++;
      }
      // Every single special character is a token, so `best` is always set.
      const item = best as Item;
      pos = start + item.lit.length;
      items.push(item);
    } else {
      while (pos < s.length && !isSpecial(s[pos] as string) && !isWhitespace(s[pos] as string))
        pos++;
      const lit = s.slice(start, pos);
      items.push({ tok: keywordTokens.get(lit) ?? 'identifier', lit });
    }
  }
}

const binaryOperators = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  private pos = 0;

  constructor(private readonly items: Item[]) {}

  /** lookahead returns the next token; in a value context `in`/`notin` are identifiers. */
  private lookahead(values: boolean): Item {
    const item = this.items[this.pos] as Item;
    if (values && (item.tok === 'in' || item.tok === 'notIn'))
      return { tok: 'identifier', lit: item.lit };
    return item;
  }

  private consume(values: boolean): Item {
    const item = this.lookahead(values);
    if (this.pos < this.items.length - 1) this.pos++;
    return item;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      switch (tok) {
        case 'identifier':
        case 'doesNotExist': {
          reqs.push(this.requirement());
          const next = this.consume(true);
          if (next.tok === 'end') return reqs;
          if (next.tok !== 'comma') {
            throw new InvalidSelectorError(`found '${next.lit}', expected: ',' or 'end of string'`);
          }
          const after = this.lookahead(true);
          if (after.tok !== 'identifier' && after.tok !== 'doesNotExist') {
            throw new InvalidSelectorError(`found '${after.lit}', expected: identifier after ','`);
          }
          break;
        }
        case 'end':
          return reqs;
        default:
          throw new InvalidSelectorError(
            `found '${lit}', expected: !, identifier, or 'end of string'`,
          );
      }
    }
  }

  private requirement(): Requirement {
    try {
      const { key, operator } = this.keyAndInferredOperator();
      if (operator === 'exists' || operator === '!') return newRequirement(key, operator, []);
      const op = this.operator();
      const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
      // Parsed values are a set: sorted and deduplicated, as apimachinery's sets.String gives them.
      return newRequirement(key, op, [...new Set(values)].sort());
    } catch (e) {
      if (!isInvalidSelector(e)) throw e;
      throw new InvalidSelectorError(`unable to parse requirement: ${e.message}`, e.fieldErrors, {
        cause: e,
      });
    }
  }

  private keyAndInferredOperator(): { key: string; operator: SelectorOperator | '' } {
    let operator: SelectorOperator | '' = '';
    let item = this.consume(true);
    if (item.tok === 'doesNotExist') {
      operator = '!';
      item = this.consume(true);
    }
    if (item.tok !== 'identifier') {
      throw new InvalidSelectorError(`found '${item.lit}', expected: identifier`);
    }
    const errs = keyErrors(item.lit, FieldPath.root());
    if (errs.length > 0) {
      throw new InvalidSelectorError(errs.map(formatFieldError).join(', '), errs);
    }
    const next = this.lookahead(true).tok;
    if ((next === 'end' || next === 'comma') && operator !== '!') operator = 'exists';
    return { key: item.lit, operator };
  }

  private operator(): SelectorOperator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case 'in':
        return 'in';
      case 'equals':
        return '=';
      case 'doubleEquals':
        return '==';
      case 'greaterThan':
        return 'gt';
      case 'lessThan':
        return 'lt';
      case 'notIn':
        return 'notin';
      case 'notEquals':
        return '!=';
      default:
        throw new InvalidSelectorError(`found '${lit}', expected: ${binaryOperators}`);
    }
  }

  /** valueSet reads `(a,b,…)`; empty entries (`()`, `(a,)`, `(,,)`) stand for the empty value. */
  private valueSet(): string[] {
    const open = this.consume(true);
    if (open.tok !== 'openPar') throw new InvalidSelectorError(`found '${open.lit}' expected: '('`);
    const first = this.lookahead(true);
    switch (first.tok) {
      case 'identifier':
      case 'comma': {
        const values = this.identifierList();
        if (this.consume(true).tok !== 'closePar') {
          throw new InvalidSelectorError(`found '${first.lit}', expected: ')'`);
        }
        return values;
      }
      case 'closePar':
        this.consume(true);
        return [''];
      default:
        throw new InvalidSelectorError(`found '${first.lit}', expected: ',', ')' or identifier`);
    }
  }

  private identifierList(): string[] {
    const values: string[] = [];
    for (;;) {
      const { tok, lit } = this.consume(true);
      if (tok === 'identifier') {
        values.push(lit);
        const next = this.lookahead(true);
        if (next.tok === 'comma') continue;
        if (next.tok === 'closePar') return values;
        throw new InvalidSelectorError(`found '${next.lit}', expected: ',' or ')'`);
      } else if (tok === 'comma') {
        if (values.length === 0) values.push('');
        const next = this.lookahead(true).tok;
        if (next === 'closePar') {
          values.push('');
          return values;
        }
        if (next === 'comma') {
          this.consume(true);
          values.push('');
        }
      } else {
        throw new InvalidSelectorError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): string[] {
    const next = this.lookahead(true).tok;
    if (next === 'end' || next === 'comma') return [''];
    const { tok, lit } = this.consume(true);
    if (tok === 'identifier') return [lit];
    throw new InvalidSelectorError(`found '${lit}', expected: identifier`);
  }
}

/**
 * parseRequirements parses selector text into requirements sorted by key
 * (stable), exactly as apimachinery's labels.Parse accepts it. It throws
 * InvalidSelectorError with apimachinery's message.
 */
export function parseRequirements(text: string): Requirement[] {
  const reqs = new Parser(lex(text)).parse();
  return reqs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r.key < b.r.key ? -1 : a.r.key > b.r.key ? 1 : a.i - b.i))
    .map(({ r }) => r);
}
