import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../registry/types.js';

/** TokenFileError: the static token file can't be read or parsed. */
export class TokenFileError extends Error {
  override name = 'TokenFileError';
}

/**
 * parseTokenCsv reads kube-apiserver's static token file format:
 * `token,user,uid,"group1,group2"` per line (groups optional, quoted when
 * several). Blank lines and lines starting with # are skipped.
 */
export function parseTokenCsv(text: string, source = 'token file'): Map<string, UserInfo> {
  const users = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim() || line.trimStart().startsWith('#')) return;
    const fields = splitCsvLine(line);
    const [token, name, uid, groups] = fields;
    if (!token || !name || uid === undefined) {
      throw new TokenFileError(`${source}:${i + 1}: want at least token,user,uid`);
    }
    if (users.has(token)) throw new TokenFileError(`${source}:${i + 1}: duplicate token`);
    users.set(token, {
      name,
      uid,
      groups: groups
        ? groups
            .split(',')
            .map((g) => g.trim())
            .filter(Boolean)
        : [],
    });
  });
  return users;
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/**
 * TokenAuthenticator answers who a bearer token belongs to. Tokens are kept
 * and looked up by their SHA-256, so lookup timing says nothing about a token.
 */
export class TokenAuthenticator {
  private readonly byHash: Map<string, UserInfo>;

  constructor(users: Map<string, UserInfo>) {
    this.byHash = new Map([...users].map(([t, u]) => [hash(t), u]));
  }

  static fromFile(path: string): TokenAuthenticator {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new TokenFileError(`cannot read --token-auth-file ${path}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return new TokenAuthenticator(parseTokenCsv(text, path));
  }

  /** authenticate returns the user of the request's bearer token, or undefined. */
  authenticate(req: IncomingMessage): UserInfo | undefined {
    const h = req.headers.authorization;
    if (!h) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (!m) return undefined;
    return this.byHash.get(hash(m[1]!));
  }
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
