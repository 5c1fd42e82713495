import { readFile } from 'node:fs/promises';
import { isInvalidArgument } from '../../runtime-shim/errors.js';
import { parseGroup, parsePasswd, resolveUserFrom } from '../../runtime-shim/oci/user.js';
import type { OciUser } from '../../runtime-shim/oci/types.js';
import type { Owner } from './copy.js';
import { ImageBuildError } from './errors.js';
import { resolveInRoot } from './scoped-path.js';

/**
 * Users and groups of the image being built, read from its /etc/passwd and
 * /etc/group (resolved inside its root filesystem): who a RUN command runs
 * as (the shim's rules, shared through runtime-shim/oci/user.ts) and whom
 * COPY --chown makes the owner (Docker's: a user without a group gets the
 * uid as gid).
 */

/** ImageUsers holds one root filesystem's passwd and group files. */
export class ImageUsers {
  private constructor(
    private readonly passwdText: string,
    private readonly groupText: string,
  ) {}

  /** read loads /etc/passwd and /etc/group from `rootfs` (missing files count as empty). */
  static async read(rootfs: string): Promise<ImageUsers> {
    return new ImageUsers(await readIn(rootfs, '/etc/passwd'), await readIn(rootfs, '/etc/group'));
  }

  /**
   * runUser resolves the image's USER (`name`, `uid`, `name:group`,
   * `uid:gid`, '' for root) to ids and the home directory. Throws
   * ImageBuildError(UserNotFound) for a name the image does not define.
   */
  runUser(user: string): { user: OciUser; home: string } {
    let resolved: OciUser;
    try {
      resolved = resolveUserFrom(
        { imageUser: user, supplementalGroups: [] },
        parsePasswd(this.passwdText),
        parseGroup(this.groupText),
      );
    } catch (e) {
      if (isInvalidArgument(e)) {
        throw new ImageBuildError('UserNotFound', `USER ${user}: ${e.message}`, { cause: e });
      }
      throw e;
    }
    return { user: resolved, home: this.home(resolved.uid) };
  }

  /**
   * chownOwner resolves a `--chown` value. Throws
   * ImageBuildError(UserNotFound) for a name the image does not define.
   */
  chownOwner(spec: string): Owner {
    const [u = '', g] = spec.split(':', 2);
    const uid = /^\d+$/.test(u) ? Number(u) : this.lookupUser(u, spec);
    if (g === undefined) return { uid, gid: uid };
    const gid = /^\d+$/.test(g) ? Number(g) : this.lookupGroup(g, spec);
    return { uid, gid };
  }

  private lookupUser(name: string, spec: string): number {
    const p = parsePasswd(this.passwdText).find((e) => e.name === name);
    if (!p) {
      throw new ImageBuildError(
        'UserNotFound',
        `--chown=${spec}: user ${JSON.stringify(name)} is not in the image's /etc/passwd`,
      );
    }
    return p.uid;
  }

  private lookupGroup(name: string, spec: string): number {
    const g = parseGroup(this.groupText).find((e) => e.name === name);
    if (!g) {
      throw new ImageBuildError(
        'UserNotFound',
        `--chown=${spec}: group ${JSON.stringify(name)} is not in the image's /etc/group`,
      );
    }
    return g.gid;
  }

  private home(uid: number): string {
    for (const line of this.passwdText.split('\n')) {
      const f = line.split(':');
      if (f[2] === String(uid) && f[5]) return f[5];
    }
    return uid === 0 ? '/root' : '/';
  }
}

async function readIn(rootfs: string, file: string): Promise<string> {
  try {
    const r = await resolveInRoot(rootfs, file);
    return r.exists ? await readFile(r.host, 'utf8') : '';
  } catch {
    // An unreadable passwd file (a directory, a loop) is as good as none.
    return '';
  }
}
