import dockerignore, { type Ignore } from '@balena/dockerignore';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ImageBuildError } from './errors.js';
import { resolveInRoot, ScopedPathError } from './scoped-path.js';

/**
 * The build context: the directory COPY and ADD read from, filtered by its
 * `.dockerignore` (Docker's rules, through @balena/dockerignore, a port of
 * Docker's matcher), with sources resolved as Docker resolves them: relative
 * to the context whatever their leading slash, never outside it (symlinks
 * included), and `*`, `?` and `[…]` patterns matched per path component.
 */

/** ContextEntry is one source a COPY or ADD argument names. */
export interface ContextEntry {
  /** rel is the path in the context as matched ('' for the context itself). */
  rel: string;
  /** host is where its content is (symlinks within the context followed). */
  host: string;
  isDir: boolean;
}

/** BuildContext reads sources out of one context directory. */
export class BuildContext {
  private constructor(
    /** root is the context directory, absolute and symlink-free. */
    readonly root: string,
    private readonly ig: Ignore | undefined,
    private readonly hasExceptions: boolean,
  ) {}

  /** open reads `dir`'s .dockerignore (when it has one). Throws when `dir` is not a directory. */
  static async open(dir: string): Promise<BuildContext> {
    const root = await realpath(dir);
    if (!(await stat(root)).isDirectory()) {
      throw new ImageBuildError('BadSource', `build context ${dir} is not a directory`);
    }
    let text: string | undefined;
    try {
      text = await readFile(path.join(root, '.dockerignore'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (text === undefined) return new BuildContext(root, undefined, false);
    const lines = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    return new BuildContext(
      root,
      // The package is CommonJS; its factory is also its `default` member.
      dockerignore.default().add(lines),
      lines.some((l) => l.startsWith('!')),
    );
  }

  /** excluded tells whether .dockerignore leaves out context path `rel`. */
  excluded(rel: string): boolean {
    return rel !== '' && this.ig !== undefined && this.ig.ignores(rel);
  }

  /**
   * walkInto tells whether a copy should look inside directory `rel`: yes
   * unless it is excluded and no `!` exception could bring back something
   * under it.
   */
  walkInto(rel: string): boolean {
    return !this.excluded(rel) || this.hasExceptions;
  }

  /**
   * sources returns what one COPY/ADD source names: the file or directory,
   * or every match of a pattern (sorted). Throws ImageBuildError
   * (SourceNotFound) when nothing is there or all of it is excluded, and
   * (BadSource) for a path outside the context.
   */
  async sources(src: string, instruction = 'COPY'): Promise<ContextEntry[]> {
    const norm = path.posix.normalize(src);
    if (norm === '..' || norm.startsWith('../')) {
      throw new ImageBuildError(
        'BadSource',
        `${instruction} ${src}: forbidden path outside the build context`,
      );
    }
    const clean = path.posix.normalize(`/${src}`).slice(1).replace(/\/+$/, '');
    if (/[*?[]/.test(clean)) {
      const out = await this.match(clean);
      if (out.length === 0) {
        throw new ImageBuildError(
          'SourceNotFound',
          `${instruction} ${src}: no files in the build context match (or all are excluded by .dockerignore)`,
        );
      }
      return out;
    }
    const entry = this.excluded(clean) ? undefined : await this.entry(clean);
    if (!entry) {
      throw new ImageBuildError(
        'SourceNotFound',
        `${instruction} ${src}: file not found in build context or excluded by .dockerignore`,
      );
    }
    return [entry];
  }

  private async entry(rel: string): Promise<ContextEntry | undefined> {
    let r;
    try {
      r = await resolveInRoot(this.root, rel);
    } catch (e) {
      if (e instanceof ScopedPathError) return undefined;
      throw e;
    }
    if (!r.exists) return undefined;
    return { rel, host: r.host, isDir: (await stat(r.host)).isDirectory() };
  }

  /** match walks the context to the pattern's depth and returns what matches it. */
  private async match(pattern: string): Promise<ContextEntry[]> {
    const parts = pattern.split('/');
    const res = parts.map(componentRegExp);
    const out: ContextEntry[] = [];
    // hostDir is relDir resolved inside the context: readdir never follows a symlink out of it.
    const walk = async (relDir: string, hostDir: string, depth: number): Promise<void> => {
      const re = res[depth] as RegExp;
      const literal = parts[depth] as string;
      let names: string[];
      if (!/[*?[\\]/.test(literal)) names = [literal];
      else {
        try {
          names = (await readdir(hostDir)).sort();
        } catch {
          return;
        }
      }
      for (const name of names) {
        if (!re.test(name)) continue;
        const rel = relDir === '' ? name : `${relDir}/${name}`;
        if (depth === parts.length - 1) {
          if (this.excluded(rel)) continue;
          const e = await this.entry(rel);
          if (e) out.push(e);
        } else if (this.walkInto(rel)) {
          const e = await this.entry(rel);
          if (e?.isDir) await walk(rel, e.host, depth + 1);
        }
      }
    };
    await walk('', this.root, 0);
    return out;
  }
}

/** componentRegExp turns one path component of a Go filepath.Match pattern into a RegExp. */
export function componentRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i] as string);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^') || body.startsWith('!');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\]\\]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, (m) => `\\${m}`);
}
