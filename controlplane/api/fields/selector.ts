/**
 * Field selectors (apimachinery `fields`): `metadata.name=web,status.phase!=Failed`.
 * Only `=`, `==` (the same as `=`) and `!=` exist; values escape `\`, `,` and
 * `=` with a backslash. A field the object lacks reads as ''.
 */

/** FieldOperator is `=` (equal, also written `==`) or `!=`. */
export type FieldOperator = '=' | '!=';

/** FieldRequirement is one `field op value` term; a selector ANDs them. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** InvalidFieldSelectorError is field selector text that does not parse; its message suits a 400 answer. */
export class InvalidFieldSelectorError extends Error {
  override name = 'InvalidFieldSelectorError';
}

/** isInvalidFieldSelector tells whether `e` is an InvalidFieldSelectorError. */
export function isInvalidFieldSelector(e: unknown): e is InvalidFieldSelectorError {
  return e instanceof InvalidFieldSelectorError;
}

/** escapeFieldValue escapes `\`, `,` and `=` so a value can be written in a selector. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * unescapeFieldValue undoes escapeFieldValue; an unknown escape, a trailing
 * backslash or a bare `,`/`=` throws InvalidFieldSelectorError.
 */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw new InvalidFieldSelectorError(
          `invalid field selector: invalid escape sequence: \\${c}`,
        );
      }
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      throw new InvalidFieldSelectorError(
        `invalid field selector: unescaped character in value: ${c}`,
      );
    } else {
      out += c;
    }
  }
  if (inSlash)
    throw new InvalidFieldSelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** splitTerms cuts at commas that are not escaped. */
function splitTerms(text: string): string[] {
  if (text.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** splitTerm splits at the first operator; the field part has no escaping. `==` is tried before `=`. */
function splitTerm(
  term: string,
): { field: string; op: '!=' | '==' | '='; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i))
        return { field: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/**
 * FieldTransform rewrites one term, as the API server does to map a field
 * label to the field it reads (or to reject an unsupported one by throwing).
 * Returning an empty field and value drops the term.
 */
export type FieldTransform = (field: string, value: string) => { field: string; value: string };

/**
 * FieldSelector is an immutable field selector. The empty one matches
 * everything; `FieldSelector.nothing()` matches nothing.
 */
export class FieldSelector {
  private constructor(
    private readonly reqs: readonly FieldRequirement[],
    private readonly matchesNothing: boolean,
  ) {}

  /** everything matches every object. */
  static everything(): FieldSelector {
    return new FieldSelector([], false);
  }

  /** nothing matches no object; it prints as ''. */
  static nothing(): FieldSelector {
    return new FieldSelector([], true);
  }

  /** of builds a selector from requirements, in the order given. */
  static of(reqs: readonly FieldRequirement[]): FieldSelector {
    return new FieldSelector([...reqs], false);
  }

  /** requirements are the ANDed terms (parsed ones in the sorted order Kubernetes keeps). */
  requirements(): readonly FieldRequirement[] {
    return this.reqs;
  }

  /** matches applies every term; `get` returns a field's value, undefined (read as '') if absent. */
  matches(get: (field: string) => string | undefined): boolean {
    if (this.matchesNothing) return false;
    return this.reqs.every((r) => ((get(r.field) ?? '') === r.value) === (r.operator === '='));
  }

  /** empty is true for the match-everything selector. */
  empty(): boolean {
    return !this.matchesNothing && this.reqs.length === 0;
  }

  /** isNothing is true for the match-nothing selector. */
  isNothing(): boolean {
    return this.matchesNothing;
  }

  /**
   * requiresExactMatch returns the value of the first `field=value` term for
   * `field`, or undefined (RequiresExactMatch): the server can look the
   * candidates up in an index and still apply the whole selector to them.
   */
  requiresExactMatch(field: string): string | undefined {
    return this.reqs.find((r) => r.field === field && r.operator === '=')?.value;
  }

  /**
   * onlyExactMatch returns `value` when the selector is exactly `field=value`
   * (one or more identical terms, nothing else), else undefined: then an
   * index lookup alone answers it, as for `spec.nodeName=node1`.
   */
  onlyExactMatch(field: string): string | undefined {
    const first = this.reqs[0];
    if (this.matchesNothing || !first) return undefined;
    const same = this.reqs.every(
      (r) => r.field === field && r.operator === '=' && r.value === first.value,
    );
    return same ? first.value : undefined;
  }

  /** fields lists the distinct fields the selector reads, in order. */
  fields(): string[] {
    return [...new Set(this.reqs.map((r) => r.field))];
  }

  /** transform rewrites every term with `fn` (see FieldTransform); errors `fn` throws pass through. */
  transform(fn: FieldTransform): FieldSelector {
    if (this.matchesNothing) return this;
    const next: FieldRequirement[] = [];
    for (const r of this.reqs) {
      const { field, value } = fn(r.field, r.value);
      if (field === '' && value === '') continue;
      next.push({ field, operator: r.operator, value });
    }
    return FieldSelector.of(next);
  }

  /** toString prints `field=value,field!=value` with values escaped; '' for everything and nothing. */
  toString(): string {
    return this.reqs.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
  }
}

/**
 * parseFieldSelector parses selector text as apimachinery's
 * fields.ParseSelector: terms split at unescaped commas and sorted, each split
 * at its first operator, values unescaped. Throws InvalidFieldSelectorError.
 */
export function parseFieldSelector(text: string): FieldSelector {
  const terms = splitTerms(text).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const reqs: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (!parts) {
      throw new InvalidFieldSelectorError(
        `invalid selector: '${text}'; can't understand '${term}'`,
      );
    }
    reqs.push({
      field: parts.field,
      operator: parts.op === '!=' ? '!=' : '=',
      value: unescapeFieldValue(parts.rhs),
    });
  }
  return FieldSelector.of(reqs);
}

/** fieldSelectorFromSet builds `k1=v1,k2=v2` (keys sorted) from a map; an empty map is everything. */
export function fieldSelectorFromSet(set: Readonly<Record<string, string>>): FieldSelector {
  return FieldSelector.of(
    Object.keys(set)
      .sort()
      .map((field) => ({ field, operator: '=' as const, value: set[field] as string })),
  );
}

/**
 * fieldGetter makes a `get` for FieldSelector.matches from a flat map of
 * field values (what a resource's "fields set" function returns, e.g.
 * `{ 'metadata.name': …, 'spec.nodeName': … }`).
 */
export function fieldGetter(
  fields: Readonly<Record<string, string>>,
): (field: string) => string | undefined {
  return (field) => (Object.hasOwn(fields, field) ? fields[field] : undefined);
}
