import { newBadRequest, newResourceExpired } from '../../api/errors.js';
import type { KubeList } from '../../api/meta.js';
import { apiVersionOf } from '../../api/resources.js';
import type { EtcdStorage } from '../storage/etcd-storage.js';
import { isCompacted } from '../storage/errors.js';
import { deepCopy } from './codec.js';
import type { Selection } from './machinery.js';
import type { Store } from './store.js';
import { toStatusError } from './status-errors.js';
import type { ApiObject, ListOptions } from './types.js';

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

/** encodeContinue makes the opaque continue token: the list's revision and where the next page starts. */
export function encodeContinue(rv: number, startAfterKey: string, prefix: string): string {
  const token: ContinueToken = {
    v: 'meta.k8s.io/v1',
    rv,
    start: startAfterKey.slice(prefix.length) + '\u0000',
  };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

/** decodeContinue reads a continue token back; a malformed one is a 400. */
export function decodeContinue(token: string, prefix: string): { rv: number; startKey: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw newBadRequest('continue key is not valid: not a valid continue token');
  }
  const t = parsed as Partial<ContinueToken> | null;
  if (
    !t ||
    t.v !== 'meta.k8s.io/v1' ||
    typeof t.rv !== 'number' ||
    typeof t.start !== 'string' ||
    t.rv <= 0
  ) {
    throw newBadRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
  if (t.start.includes('/..') || t.start.startsWith('/')) {
    throw newBadRequest('continue key is not valid: the start key may not contain a path');
  }
  return { rv: t.rv, startKey: prefix + t.start };
}

const expiredContinue =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/**
 * listObjects answers a list: from the watch cache for resourceVersion "0" or
 * "not older than N" without a limit; otherwise from etcd, one consistent
 * revision across every page (`limit`/`continue`), filtering as it goes.
 */
export async function listObjects(
  store: Store,
  storage: EtcdStorage,
  namespace: string | undefined,
  opts: ListOptions,
  selection: Selection,
): Promise<KubeList<ApiObject>> {
  const info = store.info;
  const prefix = store.prefix(namespace);
  const listOf = (
    items: ApiObject[],
    meta: KubeList<ApiObject>['metadata'],
  ): KubeList<ApiObject> => ({
    apiVersion: apiVersionOf({ ...info, version: info.storageVersion }),
    kind: info.listKind,
    metadata: meta,
    items,
  });
  try {
    const rv = opts.resourceVersion;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    if (rv !== undefined && rv !== '' && !/^\d+$/.test(rv)) {
      throw newBadRequest(`invalid resourceVersion "${rv}": must be a non-negative integer`);
    }
    if (opts.resourceVersionMatch && !rv) {
      throw newBadRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    }
    if (opts.continue && rv && rv !== '0') {
      throw newBadRequest('specifying resource version is not allowed when using continue');
    }
    const fromCache =
      !opts.continue &&
      (rv === '0' ||
        (rv && opts.resourceVersionMatch === 'NotOlderThan') ||
        (rv && !opts.resourceVersionMatch && !limit));
    if (fromCache) {
      if (rv !== '0') await store.cache.waitForRevision(Number(rv));
      else await store.cache.waitReady();
      const { items, revision } = store.cache.list(prefix);
      return listOf(
        items.filter((o) => selection.matches(o)).map((o) => deepCopy(o)),
        { resourceVersion: String(revision) },
      );
    }
    let revision: number | undefined;
    let startKey = prefix;
    if (opts.continue) {
      const t = decodeContinue(opts.continue, prefix);
      revision = t.rv;
      startKey = t.startKey;
    } else if (rv && rv !== '0') {
      revision = Number(rv);
    }
    const items: ApiObject[] = [];
    const chunk = limit ? (selection.empty ? limit : Math.max(limit, 500)) : 0;
    for (;;) {
      const page = await storage.list(prefix, {
        startKey,
        limit: chunk,
        ...(revision ? { revision } : {}),
      });
      // etcd's header carries its current revision; a read at a fixed revision keeps that one.
      revision ??= page.revision;
      for (let i = 0; i < page.kvs.length; i++) {
        const kv = page.kvs[i]!;
        const obj = store.decodeKV(kv);
        if (obj && selection.matches(obj)) items.push(obj);
        if (limit && items.length >= limit) {
          const more = i < page.kvs.length - 1 || page.more;
          if (!more) return listOf(items, { resourceVersion: String(revision) });
          const meta: KubeList<ApiObject>['metadata'] = {
            resourceVersion: String(revision),
            continue: encodeContinue(revision, kv.key, prefix),
          };
          if (selection.empty) meta.remainingItemCount = page.count - (i + 1);
          return listOf(items, meta);
        }
      }
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || !last) break;
      startKey = last.key + '\u0000';
    }
    return listOf(items, { resourceVersion: String(revision) });
  } catch (e) {
    if (isCompacted(e))
      throw newResourceExpired(
        opts.continue ? expiredContinue : 'The resourceVersion for the provided list is too old.',
      );
    throw toStatusError(e);
  }
}
