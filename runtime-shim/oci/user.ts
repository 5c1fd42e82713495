import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { readTextIfExists } from '../util/fs.js';
import type { OciUser } from './types.js';

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** parsePasswd parses /etc/passwd text; malformed lines are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || !/^\d+$/.test(f[2] ?? '') || !/^\d+$/.test(f[3] ?? '')) continue;
    out.push({ name: f[0] ?? '', uid: Number(f[2]), gid: Number(f[3]) });
  }
  return out;
}

/** parseGroup parses /etc/group text; malformed lines are skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || !/^\d+$/.test(f[2] ?? '')) continue;
    const members = (f[3] ?? '').split(',').filter((m) => m !== '');
    out.push({ name: f[0] ?? '', gid: Number(f[2]), members });
  }
  return out;
}

/** UserRequest is who a container should run as, from the image and the security context. */
export interface UserRequest {
  /** imageUser is the image config's User: "", "name", "uid", "name:group", "uid:gid". */
  imageUser: string;
  runAsUser?: number;
  runAsUsername?: string;
  runAsGroup?: number;
  supplementalGroups: readonly number[];
}

const isNumeric = (s: string): boolean => /^\d+$/.test(s);

/**
 * resolveUser decides the uid, gid and additional gids of a container's
 * process. The security context wins over the image's User; names are looked
 * up in the image's /etc/passwd and /etc/group (read from `rootfs`). A name
 * that is not there is an InvalidArgumentError; a numeric uid need not exist
 * (its gid is then 0 unless one is given), as in Docker.
 */
export function resolveUserFrom(
  req: UserRequest,
  passwd: readonly PasswdEntry[],
  groups: readonly GroupEntry[],
): OciUser {
  let userPart: string;
  let groupPart: string | undefined;
  if (req.runAsUser !== undefined) userPart = String(req.runAsUser);
  else if (req.runAsUsername) userPart = req.runAsUsername;
  else {
    const [u, g] = req.imageUser.split(':', 2);
    userPart = u ?? '';
    groupPart = g;
  }
  if (req.runAsGroup !== undefined) groupPart = String(req.runAsGroup);

  let uid = 0;
  let gid = 0;
  let name: string | undefined;
  if (userPart === '') {
    name = passwd.find((p) => p.uid === 0)?.name;
  } else if (isNumeric(userPart)) {
    uid = Number(userPart);
    const p = passwd.find((e) => e.uid === uid);
    if (p) {
      gid = p.gid;
      name = p.name;
    }
  } else {
    const p = passwd.find((e) => e.name === userPart);
    if (!p) {
      throw new InvalidArgumentError(
        `user ${JSON.stringify(userPart)} is not in the image's /etc/passwd; use a numeric uid (run_as_user) or a user the image defines`,
      );
    }
    uid = p.uid;
    gid = p.gid;
    name = p.name;
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (isNumeric(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((e) => e.name === groupPart);
      if (!g) {
        throw new InvalidArgumentError(
          `group ${JSON.stringify(groupPart)} is not in the image's /etc/group`,
        );
      }
      gid = g.gid;
    }
  }
  const extra = new Set<number>();
  if (name !== undefined) {
    for (const g of groups) if (g.members.includes(name) && g.gid !== gid) extra.add(g.gid);
  }
  for (const g of req.supplementalGroups) if (g !== gid) extra.add(g);
  const user: OciUser = { uid, gid };
  if (extra.size > 0) user.additionalGids = [...extra].sort((a, b) => a - b);
  return user;
}

/** resolveUser is resolveUserFrom with /etc/passwd and /etc/group read from the container's rootfs. */
export async function resolveUser(rootfs: string, req: UserRequest): Promise<OciUser> {
  const [passwd, group] = await Promise.all([
    readTextIfExists(join(rootfs, 'etc', 'passwd')),
    readTextIfExists(join(rootfs, 'etc', 'group')),
  ]);
  return resolveUserFrom(req, parsePasswd(passwd ?? ''), parseGroup(group ?? ''));
}
