/**
 * The shell-like word processing Docker applies to the arguments of ADD,
 * COPY, ENV, EXPOSE, LABEL, STOPSIGNAL, USER and WORKDIR (BuildKit's
 * `shell.Lex`): quotes are removed, the escape character escapes, and
 * `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`,
 * `${VAR+alt}`, `${VAR:?msg}` and `${VAR?msg}` expand from the build's
 * environment. RUN, CMD and ENTRYPOINT are left to the container's shell.
 */

/** Env looks up a variable; undefined when it is not set. */
export type EnvLookup = (name: string) => string | undefined;

/** WordError is a malformed word (an unclosed quote or brace, a `${VAR:?}` that fired). */
export class WordError extends Error {
  override name = 'WordError';
}

/** envLookup makes an EnvLookup from `KEY=value` entries (the last entry of a key wins). */
export function envLookup(env: readonly string[]): EnvLookup {
  const m = new Map<string, string>();
  for (const e of env) {
    const i = e.indexOf('=');
    if (i > 0) m.set(e.slice(0, i), e.slice(i + 1));
  }
  return (name) => m.get(name);
}

/**
 * processWord expands `word` as one word: quotes removed, variables expanded,
 * whitespace kept. Throws WordError for malformed input.
 */
export function processWord(word: string, env: EnvLookup, escape = '\\'): string {
  const words = new Lexer(word, env, escape, false).run();
  return words.join('');
}

/**
 * processWords splits `text` into words on unquoted whitespace (including
 * whitespace that an unquoted variable expands to), then expands each as
 * processWord does. Throws WordError for malformed input.
 */
export function processWords(text: string, env: EnvLookup, escape = '\\'): string[] {
  return new Lexer(text, env, escape, true).run();
}

/**
 * splitRawWords splits `text` on unquoted, unescaped whitespace and keeps
 * every word as written (quotes and escapes included), as Docker does before
 * reading `key=value` pairs of ENV and LABEL. Throws WordError for an
 * unclosed quote.
 */
export function splitRawWords(text: string, escape = '\\'): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === undefined && /\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    cur += c;
    if (c === escape && quote !== "'" && i + 1 < text.length) {
      cur += text[++i] as string;
    } else if (quote === undefined && (c === '"' || c === "'")) {
      quote = c;
    } else if (c === quote) {
      quote = undefined;
    }
  }
  if (quote !== undefined)
    throw new WordError(`unclosed ${quote} quote in ${JSON.stringify(text)}`);
  if (inWord) out.push(cur);
  return out;
}

class Lexer {
  private i = 0;
  private readonly words: string[] = [];
  private cur = '';
  private inWord = false;

  constructor(
    private readonly s: string,
    private readonly env: EnvLookup,
    private readonly escape: string,
    private readonly split: boolean,
  ) {}

  run(): string[] {
    while (this.i < this.s.length) {
      const c = this.s[this.i] as string;
      if (this.split && /\s/.test(c)) {
        this.endWord();
        this.i++;
      } else if (c === "'") {
        this.i++;
        this.raw(this.single());
      } else if (c === '"') {
        this.i++;
        this.raw(this.double());
      } else if (c === '$') {
        this.i++;
        this.add(this.dollar());
      } else if (c === this.escape) {
        this.i++;
        // A trailing escape character stands for itself.
        this.raw(this.i < this.s.length ? (this.s[this.i++] as string) : this.escape);
      } else {
        this.raw(c);
        this.i++;
      }
    }
    this.endWord();
    if (!this.split && this.words.length === 0) return [''];
    return this.words;
  }

  private endWord(): void {
    if (this.inWord) this.words.push(this.cur);
    this.cur = '';
    this.inWord = false;
  }

  /** raw appends text that is part of the word as it is (quoted text, literals). */
  private raw(text: string): void {
    this.cur += text;
    this.inWord = true;
  }

  /** add appends an unquoted expansion: in split mode its whitespace separates words. */
  private add(text: string): void {
    if (!this.split) {
      this.raw(text);
      return;
    }
    for (const ch of text) {
      if (/\s/.test(ch)) this.endWord();
      else this.raw(ch);
    }
  }

  private single(): string {
    const end = this.s.indexOf("'", this.i);
    if (end < 0) throw new WordError(`unclosed ' quote in ${JSON.stringify(this.s)}`);
    const out = this.s.slice(this.i, end);
    this.i = end + 1;
    // An empty '' is still a word.
    this.inWord = true;
    return out;
  }

  private double(): string {
    let out = '';
    this.inWord = true;
    while (this.i < this.s.length) {
      const c = this.s[this.i] as string;
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === '$') {
        this.i++;
        out += this.dollar();
      } else if (c === this.escape && this.i + 1 < this.s.length) {
        const next = this.s[this.i + 1] as string;
        // Inside double quotes the escape only escapes what would otherwise be special.
        if (next === '"' || next === '$' || next === this.escape) {
          out += next;
          this.i += 2;
        } else {
          out += c;
          this.i++;
        }
      } else {
        out += c;
        this.i++;
      }
    }
    throw new WordError(`unclosed " quote in ${JSON.stringify(this.s)}`);
  }

  /** dollar expands what follows a `$` (the `$` already consumed). */
  private dollar(): string {
    const s = this.s;
    if (s[this.i] === '{') {
      this.i++;
      const name = this.name();
      if (name === '') throw new WordError(`bad substitution in ${JSON.stringify(s)}`);
      if (s[this.i] === '}') {
        this.i++;
        return this.env(name) ?? '';
      }
      let op = s[this.i] ?? '';
      this.i++;
      if (op === ':') {
        op += s[this.i] ?? '';
        this.i++;
      }
      if (!['-', ':-', '+', ':+', '?', ':?'].includes(op)) {
        throw new WordError(
          `unsupported modifier ${JSON.stringify(op)} in \${${name}…} in ${JSON.stringify(s)}`,
        );
      }
      const word = this.braceWord();
      const value = this.env(name);
      const set = value !== undefined && (!op.startsWith(':') || value !== '');
      switch (op.replace(':', '')) {
        case '-':
          return set ? (value ?? '') : word;
        case '+':
          return set ? word : '';
        default:
          if (!set) throw new WordError(`${name}: ${word || 'is not set'}`);
          return value ?? '';
      }
    }
    const name = this.name();
    return name === '' ? '$' : (this.env(name) ?? '');
  }

  private name(): string {
    const m = /^[A-Za-z0-9_]+/.exec(this.s.slice(this.i));
    const name = m?.[0] ?? '';
    this.i += name.length;
    return name;
  }

  /** braceWord reads the word of `${VAR:-word}` up to the matching `}`, expanding it. */
  private braceWord(): string {
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i] as string;
      if (c === '}') {
        this.i++;
        return out;
      }
      if (c === '$') {
        this.i++;
        out += this.dollar();
      } else if (c === "'") {
        this.i++;
        out += this.single();
      } else if (c === '"') {
        this.i++;
        out += this.double();
      } else if (c === this.escape && this.i + 1 < this.s.length) {
        out += this.s[this.i + 1] as string;
        this.i += 2;
      } else {
        out += c;
        this.i++;
      }
    }
    throw new WordError(`missing } in ${JSON.stringify(this.s)}`);
  }
}
