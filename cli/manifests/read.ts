import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';
import type { Obj } from '../resources/fetch.js';

/**
 * Manifest is one object read from `-f`: where it came from (the path as
 * given, or `STDIN`), its place in that file, and the object — or why it
 * could not be read.
 */
export interface Manifest {
  source: string;
  /** index is the document's 0-based position in its file (List items share it). */
  index: number;
  obj?: Obj;
  error?: string;
}

const extensions = new Set(['.json', '.yaml', '.yml']);

async function filesUnder(dir: string, recursive: boolean): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...(await filesUnder(p, recursive)));
    } else if (extensions.has(extname(e.name))) {
      out.push(p);
    }
  }
  return out;
}

async function readStdin(io: CliIo): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin)
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return text;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * parseManifests splits a file's text into objects: every YAML document (a
 * JSON file is one; YAML 1.1 as kubectl reads it, so `0644` is octal), `kind: List` (any `…List` with items) expanded into its
 * items, empty documents skipped. A document that does not parse gives a
 * Manifest with `error` (line and column), the others still count.
 */
export function parseManifests(text: string, source: string): Manifest[] {
  const out: Manifest[] = [];
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: true });
  const all = Array.isArray(docs) ? docs : [docs];
  all.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const at = e?.linePos?.[0];
      const where = at ? `line ${at.line}, column ${at.col}: ` : '';
      const why = (e?.message ?? 'invalid YAML').split('\n')[0] ?? '';
      out.push({ source, index, error: `error parsing ${source}: yaml: ${where}${why}` });
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    if (!isObj(value)) {
      out.push({
        source,
        index,
        error: `error parsing ${source}: document ${index + 1} is not an object`,
      });
      return;
    }
    if (
      typeof value.kind === 'string' &&
      value.kind.endsWith('List') &&
      Array.isArray(value['items'])
    ) {
      for (const item of value['items'] as unknown[]) {
        if (isObj(item)) out.push({ source, index, obj: item });
        else
          out.push({
            source,
            index,
            error: `error parsing ${source}: a List item is not an object`,
          });
      }
      return;
    }
    out.push({ source, index, obj: value });
  });
  return out;
}

/**
 * readManifests reads every `-f` argument: a file, a folder (its .json,
 * .yaml and .yml files, in name order; sub-folders with `recursive`), or
 * `-` for stdin. A path that does not exist is a CliError before anything
 * is sent, as with kubectl.
 */
export async function readManifests(
  paths: readonly string[],
  recursive: boolean,
  io: CliIo,
): Promise<Manifest[]> {
  if (paths.length === 0) throw new CliError('must specify one of -f and -k');
  const out: Manifest[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(...parseManifests(await readStdin(io), 'STDIN'));
      continue;
    }
    const abs = resolve(io.cwd, p);
    let isDir: boolean;
    try {
      isDir = (await stat(abs)).isDirectory();
    } catch {
      throw new CliError(`the path "${p}" does not exist`);
    }
    const files = isDir
      ? (await filesUnder(abs, recursive)).map((f) => ({
          abs: f,
          shown: join(p, f.slice(abs.length + 1)),
        }))
      : [{ abs, shown: p }];
    for (const f of files) {
      out.push(...parseManifests(await readFile(f.abs, 'utf8'), f.shown));
    }
  }
  return out;
}
