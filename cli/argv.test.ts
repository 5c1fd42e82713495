import { describe, expect, it } from 'vitest';
import { normalizeArgv } from './argv.js';

const flags = { all: new Set(['wait', 'watch', 'overwrite']), negatable: new Set(['wait']) };

describe('normalizeArgv', () => {
  it('splits -o=json and keeps --long=value', () => {
    expect(normalizeArgv(['get', '-o=json', '--selector=app=web'], flags)).toEqual([
      'get',
      '-o',
      'json',
      '--selector=app=web',
    ]);
  });

  it('turns --flag=true|false into the commander spellings', () => {
    expect(normalizeArgv(['--wait=false', '--watch=true', '--overwrite=false'], flags)).toEqual([
      '--no-wait',
      '--watch',
    ]);
  });

  it('makes a bare --dry-run mean client and leaves arguments after -- alone', () => {
    expect(normalizeArgv(['--dry-run', '--', '-o=x'], flags)).toEqual([
      '--dry-run=client',
      '--',
      '-o=x',
    ]);
  });
});
