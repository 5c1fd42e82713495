import { describe, expect, it } from 'vitest';
import { parseGroup, parsePasswd, resolveUserFrom } from './user.js';

const passwd = parsePasswd(
  'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nbroken line\n',
);
const group = parseGroup('root:x:0:\napp:x:1000:\nextra:x:2000:app,other\nwheel:x:10:root\n');
const req = { imageUser: '', supplementalGroups: [] };

describe('resolveUserFrom', () => {
  it('defaults to root with root groups', () => {
    expect(resolveUserFrom(req, passwd, group)).toEqual({ uid: 0, gid: 0, additionalGids: [10] });
  });

  it('resolves the image User by name or number, with group memberships', () => {
    expect(resolveUserFrom({ ...req, imageUser: 'app' }, passwd, group)).toEqual({
      uid: 1000,
      gid: 1000,
      additionalGids: [2000],
    });
    expect(resolveUserFrom({ ...req, imageUser: '1000:extra' }, passwd, group)).toMatchObject({
      uid: 1000,
      gid: 2000,
    });
    // An unknown numeric uid is fine (gid 0), as in Docker.
    expect(resolveUserFrom({ ...req, imageUser: '4242' }, passwd, group)).toEqual({
      uid: 4242,
      gid: 0,
    });
  });

  it('lets the security context override the image user', () => {
    const u = resolveUserFrom(
      { imageUser: 'app', runAsUser: 0, runAsGroup: 3000, supplementalGroups: [5, 3000] },
      passwd,
      group,
    );
    expect(u).toEqual({ uid: 0, gid: 3000, additionalGids: [5, 10] });
    expect(resolveUserFrom({ ...req, runAsUsername: 'app' }, passwd, group).uid).toBe(1000);
  });

  it('refuses names the image does not define', () => {
    expect(() => resolveUserFrom({ ...req, imageUser: 'ghost' }, passwd, group)).toThrow(/ghost/);
    expect(() => resolveUserFrom({ ...req, imageUser: 'app:nogroup' }, passwd, group)).toThrow(
      /nogroup/,
    );
  });
});
