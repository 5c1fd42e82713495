import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';

/** ProjectedFile is one file of a projected volume (ConfigMap, Secret, downward API). */
export interface ProjectedFile {
  data: Buffer;
  mode: number;
}

/**
 * safeRelativePath tells whether `p` is a relative path that stays inside
 * its base: no absolute path, no `..` element, not empty.
 */
export function safeRelativePath(p: string): boolean {
  if (p === '' || isAbsolute(p)) return false;
  return !p.split('/').some((part) => part === '..');
}

/**
 * writeProjection makes directory `dir` hold exactly `files` (relative
 * path → content and mode): files whose content or mode changed are
 * replaced atomically (write then rename, so a reader in a container never
 * sees half a file), missing ones are added, and files that are no longer
 * projected are removed. Paths must be safeRelativePath (checked by the
 * caller). Idempotent.
 */
export async function writeProjection(
  dir: string,
  files: Map<string, ProjectedFile>,
): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  for (const [rel, f] of files) {
    const path = join(dir, rel);
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    const same = await readFile(path).then(
      (old) => old.equals(f.data),
      () => false,
    );
    if (same) {
      const st = await stat(path);
      if ((st.mode & 0o7777) !== f.mode) await chmod(path, f.mode);
      continue;
    }
    const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(tmp, f.data, { mode: f.mode });
    await chmod(tmp, f.mode);
    await rename(tmp, path);
  }
  const wanted = new Set([...files.keys()].map((p) => normalize(p)));
  for (const rel of await listFiles(dir)) {
    if (!wanted.has(rel)) await rm(join(dir, rel), { force: true });
  }
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full, base)));
    else out.push(relative(base, full).split(sep).join('/'));
  }
  return out;
}
