import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Writable as NodeWritable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { runCommand } from './fs-util.js';
import { drained } from './tar-entries.js';

/**
 * Packing a directory into a layer tar: the inverse of layer-unpack. Entries
 * are written in byte order of their names with no user or group names, and
 * mtimes can be clamped, so the same tree gives the same bytes (and so the
 * same diffID) every time. Overlay whiteouts (character devices 0/0) become
 * `.wh.NAME` and opaque directories get a `.wh..wh..opq` marker, so an
 * unpacked layer or a container's upper dir packs back into a layer tar.
 */

/** PackOptions tune packLayer. */
export interface PackOptions {
  /** mtime clamps every entry's mtime to at most this (SOURCE_DATE_EPOCH style). */
  mtime?: Date;
}

/**
 * packLayer writes `dir` as an uncompressed layer tar to `out` and ends it.
 * Sockets are skipped. Rejects when `dir` cannot be read or `out` fails.
 */
export async function packLayer(
  dir: string,
  out: NodeWritable,
  opts: PackOptions = {},
): Promise<void> {
  const opaque = await opaqueDirs(dir);
  const pack = tar.pack();
  const sending = pipeline(Readable.from(pack), out);
  sending.catch(() => {});
  const seen = new Map<string, string>();
  const clamp = (d: Date): Date => (opts.mtime && d > opts.mtime ? opts.mtime : d);

  const walk = async (absDir: string, relDir: string): Promise<void> => {
    const names = (await readdir(absDir)).sort((a, b) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)),
    );
    for (const name of names) {
      const abs = path.join(absDir, name);
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const st = await lstat(abs);
      const base = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, mtime: clamp(st.mtime) };
      if (st.isDirectory()) {
        await addEntry(pack, { ...base, name: `${rel}/`, type: 'directory' });
        if (opaque.has(abs)) {
          await addEntry(pack, {
            ...base,
            name: `${rel}/.wh..wh..opq`,
            type: 'file',
            mode: 0,
            size: 0,
          });
        }
        await walk(abs, rel);
      } else if (st.isCharacterDevice() && st.rdev === 0) {
        const wh = relDir === '' ? `.wh.${name}` : `${relDir}/.wh.${name}`;
        await addEntry(pack, { ...base, name: wh, type: 'file', mode: 0, size: 0 });
      } else if (st.isFile() && st.nlink > 1 && seen.has(inoKey(st))) {
        await addEntry(pack, {
          ...base,
          name: rel,
          type: 'link',
          linkname: seen.get(inoKey(st)) ?? '',
        });
      } else if (st.isFile()) {
        if (st.nlink > 1) seen.set(inoKey(st), rel);
        await addFile(pack, { ...base, name: rel, type: 'file', size: st.size }, abs);
      } else if (st.isSymbolicLink()) {
        await addEntry(pack, {
          ...base,
          name: rel,
          type: 'symlink',
          linkname: await readlink(abs),
        });
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        await addEntry(pack, {
          ...base,
          name: rel,
          type: st.isCharacterDevice() ? 'character-device' : 'block-device',
          devmajor: major(st.rdev),
          devminor: minor(st.rdev),
        });
      } else if (st.isFIFO()) {
        await addEntry(pack, { ...base, name: rel, type: 'fifo' });
      }
    }
  };

  try {
    await walk(dir, '');
    pack.finalize();
  } catch (e) {
    pack.destroy(e instanceof Error ? e : new Error(String(e)));
    throw e;
  }
  await sending;
}

// tar-stream replaces a mode of 0 by its default; a bit above 07777 keeps
// the value truthy and is masked off when the header is encoded.
const ZERO_MODE = 0o100000;

function fixMode(header: EntryHeader): EntryHeader {
  return header.mode === 0 ? { ...header, mode: ZERO_MODE } : header;
}

function addEntry(pack: tar.Pack, header: EntryHeader): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(fixMode(header), Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
  });
}

async function addFile(pack: tar.Pack, header: EntryHeader, abs: string): Promise<void> {
  let entry!: ReturnType<tar.Pack['entry']>;
  const done = new Promise<void>((resolve, reject) => {
    entry = pack.entry(fixMode(header), (err) => (err ? reject(err) : resolve()));
  });
  for await (const chunk of createReadStream(abs)) {
    if (!entry.write(chunk as Buffer) && !(await drained(entry))) break;
  }
  entry.end(undefined);
  await done;
}

type EntryHeader = Partial<tar.Header> & { name: string };

function inoKey(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

// Linux's dev_t encoding (glibc's major()/minor()).
function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}

function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}

/**
 * opaqueDirs lists the directories under `dir` marked opaque for overlayfs,
 * with one `getfattr` walk (Node has no xattr call).
 */
export async function opaqueDirs(dir: string): Promise<Set<string>> {
  const out = await runCommand('getfattr', [
    '-R',
    '-P',
    '-h',
    '--absolute-names',
    '-d',
    '-m',
    '^trusted\\.overlay\\.opaque$',
    '-e',
    'text',
    '--',
    dir,
  ]);
  const found = new Set<string>();
  let file: string | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('# file: ')) file = unescapeAttrPath(line.slice('# file: '.length));
    else if (file !== undefined && line === 'trusted.overlay.opaque="y"') found.add(file);
  }
  return found;
}

// getfattr escapes unusual bytes in paths as \ooo and a backslash as \\.
function unescapeAttrPath(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === '\\') {
      bytes.push(0x5c);
      i++;
    } else if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(s[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
