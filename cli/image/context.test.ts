import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildContext, componentRegExp } from './context.js';
import { isImageBuildError } from './errors.js';

describe('BuildContext', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'tug-context-')));
    for (const f of [
      'a.txt',
      'b.txt',
      'c.md',
      'src/x.js',
      'src/y.js',
      'src/lib/z.js',
      'logs/1.log',
    ]) {
      await mkdir(path.join(dir, path.dirname(f)), { recursive: true });
      await writeFile(path.join(dir, f), f);
    }
    await symlink('/etc', path.join(dir, 'etc-link'));
    await symlink('src', path.join(dir, 'src-link'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const rels = async (ctx: BuildContext, src: string): Promise<string[]> =>
    (await ctx.sources(src)).map((e) => e.rel);

  it('finds files and directories, whatever the leading slash', async () => {
    const ctx = await BuildContext.open(dir);
    expect(await ctx.sources('/a.txt')).toEqual([
      { rel: 'a.txt', host: path.join(dir, 'a.txt'), isDir: false },
    ]);
    expect(await ctx.sources('src/')).toEqual([
      { rel: 'src', host: path.join(dir, 'src'), isDir: true },
    ]);
    expect(await ctx.sources('.')).toEqual([{ rel: '', host: dir, isDir: true }]);
    expect((await ctx.sources('src-link'))[0]?.host).toBe(path.join(dir, 'src'));
  });

  it('matches patterns per path component, as Go filepath.Match', async () => {
    const ctx = await BuildContext.open(dir);
    expect(await rels(ctx, '*.txt')).toEqual(['a.txt', 'b.txt']);
    expect(await rels(ctx, 'src/*.js')).toEqual(['src/x.js', 'src/y.js']);
    expect(await rels(ctx, '*/*.js')).toEqual([
      'src/x.js',
      'src/y.js',
      'src-link/x.js',
      'src-link/y.js',
    ]);
    expect(await rels(ctx, '[ab].txt')).toEqual(['a.txt', 'b.txt']);
    expect(await rels(ctx, '[^a].txt')).toEqual(['b.txt']);
    expect(await rels(ctx, '?.md')).toEqual(['c.md']);
    expect(componentRegExp('a\\*b').test('a*b')).toBe(true);
    expect(componentRegExp('a\\*b').test('axb')).toBe(false);
  });

  it('leaves out what .dockerignore excludes, with exceptions', async () => {
    await writeFile(
      path.join(dir, '.dockerignore'),
      '# comment\n*.md\nlogs\nsrc/*.js\n!src/y.js\n',
    );
    const ctx = await BuildContext.open(dir);
    expect(ctx.excluded('c.md')).toBe(true);
    expect(ctx.excluded('logs/1.log')).toBe(true);
    expect(ctx.excluded('src/x.js')).toBe(true);
    expect(ctx.excluded('src/y.js')).toBe(false);
    expect(ctx.excluded('src/lib/z.js')).toBe(false);
    await expect(ctx.sources('c.md')).rejects.toSatisfy((e) =>
      isImageBuildError(e, 'SourceNotFound'),
    );
    // etc-link points at /etc of the context, which is not there.
    expect(await rels(ctx, '*')).toEqual(['.dockerignore', 'a.txt', 'b.txt', 'src', 'src-link']);
    expect(await rels(ctx, 'src/*.js')).toEqual(['src/y.js']);
  });

  it('refuses sources outside the context and reports missing ones', async () => {
    const ctx = await BuildContext.open(dir);
    await expect(ctx.sources('../x')).rejects.toSatisfy(
      (e) => isImageBuildError(e, 'BadSource') && /outside the build context/.test(e.message),
    );
    await expect(ctx.sources('nope.txt')).rejects.toThrow(
      'COPY nope.txt: file not found in build context or excluded by .dockerignore',
    );
    await expect(ctx.sources('*.none')).rejects.toSatisfy((e) =>
      isImageBuildError(e, 'SourceNotFound'),
    );
    // A symlink out of the context resolves inside it: /etc is not the host's.
    await expect(ctx.sources('etc-link/passwd')).rejects.toSatisfy((e) =>
      isImageBuildError(e, 'SourceNotFound'),
    );
  });
});
