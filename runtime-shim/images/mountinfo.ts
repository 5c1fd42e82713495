import { readFile } from 'node:fs/promises';

/** MountInfo is one line of /proc/self/mountinfo. */
export interface MountInfo {
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string;
}

/**
 * readMountInfo parses /proc/self/mountinfo (proc(5)): the mount point is
 * field 5, and after the ` - ` separator come the fs type, the source and
 * the super options. Octal escapes (`\040` for a space) are decoded.
 */
export async function readMountInfo(file = '/proc/self/mountinfo'): Promise<MountInfo[]> {
  const text = await readFile(file, 'utf8');
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [left = '', right = ''] = line.split(' - ');
    const l = left.split(' ');
    const r = right.split(' ');
    out.push({
      mountPoint: unescapeOctal(l[4] ?? ''),
      fsType: r[0] ?? '',
      source: unescapeOctal(r[1] ?? ''),
      superOptions: r[2] ?? '',
    });
  }
  return out;
}

/** isMountPoint tells whether `p` (an absolute, real path) is a mount point now. */
export async function isMountPoint(p: string): Promise<boolean> {
  return (await readMountInfo()).some((m) => m.mountPoint === p);
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
