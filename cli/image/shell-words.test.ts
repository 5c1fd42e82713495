import { describe, expect, it } from 'vitest';
import { envLookup, processWord, processWords, splitRawWords, WordError } from './shell-words.js';

const env = envLookup(['HOME=/root', 'EMPTY=', 'TWO=a b', 'X=1', 'X=2']);

describe('processWord', () => {
  it('expands $VAR and ${VAR}, unset as empty, the last entry of a key winning', () => {
    expect(processWord('$HOME/bin', env)).toBe('/root/bin');
    expect(processWord('${HOME}x', env)).toBe('/rootx');
    expect(processWord('a${NOPE}b', env)).toBe('ab');
    expect(processWord('$X', env)).toBe('2');
    expect(processWord('cost: $', env)).toBe('cost: $');
  });

  it('applies the default and alternative modifiers', () => {
    expect(processWord('${NOPE:-/tmp}', env)).toBe('/tmp');
    expect(processWord('${EMPTY:-d}', env)).toBe('d');
    expect(processWord('${EMPTY-d}', env)).toBe('');
    expect(processWord('${HOME:+set}', env)).toBe('set');
    expect(processWord('${NOPE:+set}', env)).toBe('');
    expect(processWord('${NOPE:-$HOME/x}', env)).toBe('/root/x');
    expect(() => processWord('${NOPE:?must be set}', env)).toThrow(WordError);
    expect(() => processWord('${NOPE%%x}', env)).toThrow(/unsupported modifier/);
  });

  it('removes quotes: single quotes are literal, double quotes expand', () => {
    expect(processWord(`'$HOME'`, env)).toBe('$HOME');
    expect(processWord(`"$HOME is home"`, env)).toBe('/root is home');
    expect(processWord(`"a \\"q\\" \\$HOME \\n"`, env)).toBe('a "q" $HOME \\n');
    expect(processWord('a\\ b\\$HOME', env)).toBe('a b$HOME');
    expect(processWord('hello world', env)).toBe('hello world');
  });

  it('uses the escape character the Dockerfile chose', () => {
    expect(processWord('C:\\dir`$HOME', env, '`')).toBe('C:\\dir$HOME');
  });

  it('refuses unclosed quotes and braces', () => {
    expect(() => processWord(`"abc`, env)).toThrow(/unclosed "/);
    expect(() => processWord(`'abc`, env)).toThrow(/unclosed '/);
    expect(() => processWord('${HOME', env)).toThrow(WordError);
  });
});

describe('processWords', () => {
  it('splits on unquoted whitespace, also inside unquoted expansions', () => {
    expect(processWords('a  "b c"  $TWO', env)).toEqual(['a', 'b c', 'a', 'b']);
    expect(processWords('"$TWO" \'\'', env)).toEqual(['a b', '']);
    expect(processWords('  ', env)).toEqual([]);
  });
});

describe('splitRawWords', () => {
  it('keeps quotes and escapes, splitting only outside them', () => {
    expect(splitRawWords(`a="x y" b=c\\ d 'e f'`)).toEqual([`a="x y"`, 'b=c\\ d', `'e f'`]);
    expect(() => splitRawWords('a="x')).toThrow(WordError);
  });
});
