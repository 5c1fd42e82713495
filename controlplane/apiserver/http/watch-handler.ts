import { newBadRequest } from '../../api/errors.js';
import type { WatchEventType } from '../../api/meta.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import type { Selection } from '../registry/machinery.js';
import { toStatusError } from '../registry/status-errors.js';
import type { Store } from '../registry/store.js';
import type { ApiObject } from '../registry/types.js';
import type { CacheEvent } from '../storage/watch-cache.js';
import type { Ctx } from './context.js';
import { listOptions } from './options.js';
import type { ResourceRoute } from './router.js';
import { toTable } from './table.js';

/** maxQueued: a watcher this far behind is ended (it re-watches from its last version). */
const maxQueued = 20_000;

/** encoded caches each event's JSON per version, so N watchers serialise it once. */
const encoded = new WeakMap<CacheEvent<ApiObject>, Map<string, string>>();

function objectJson(c: Ctx, info: ResourceInfo, ev: CacheEvent<ApiObject>): string {
  let byVersion = encoded.get(ev);
  if (!byVersion) encoded.set(ev, (byVersion = new Map()));
  let s = byVersion.get(info.version);
  if (s === undefined) {
    s = JSON.stringify(c.deps.edge.fromStorage(info, ev.obj));
    byVersion.set(info.version, s);
  }
  return s;
}

/**
 * eventType applies selector semantics to a change: an object that starts
 * matching is ADDED, one that stops matching is DELETED, others pass or drop.
 */
function eventType(ev: CacheEvent<ApiObject>, sel: Selection): WatchEventType | undefined {
  if (sel.empty) return ev.type;
  const now = ev.type !== 'DELETED' && sel.matches(ev.obj);
  const before =
    ev.type === 'DELETED'
      ? sel.matches(ev.obj)
      : ev.prevObj !== undefined && sel.matches(ev.prevObj);
  if (ev.type === 'ADDED') return now ? 'ADDED' : undefined;
  if (ev.type === 'DELETED') return before ? 'DELETED' : undefined;
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

/**
 * handleWatch streams a resource's changes as newline-delimited
 * `{type, object}` from the watch cache: from a resourceVersion (nothing lost
 * or repeated), or the current state first when none is given. A version
 * older than the cache keeps gets an ERROR event with a 410 Status.
 */
export async function handleWatch(c: Ctx, r: ResourceRoute, store: Store): Promise<void> {
  const opts = listOptions(c.query);
  const fieldSelector = r.name
    ? [opts.fieldSelector, `metadata.name=${r.name}`].filter(Boolean).join(',')
    : opts.fieldSelector;
  const sel = c.deps.edge.selection(r.info, store.strategy, opts.labelSelector, fieldSelector);
  const rv = opts.resourceVersion;
  if (rv && !/^\d+$/.test(rv)) throw newBadRequest(`invalid resourceVersion "${rv}"`);
  const fromRev = rv && rv !== '0' ? Number(rv) : undefined;
  await store.cache.waitReady().catch((e: unknown) => {
    throw toStatusError(e);
  });

  const { res } = c;
  const table = c.accept.as === 'Table';
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
  });
  res.flushHeaders();

  const queue: CacheEvent<ApiObject>[] = [];
  let lastRev = fromRev ?? 0;
  let headersSent = false;
  let closed = false;
  let flushing = false;
  let unsubscribe = (): void => {};
  const timers: { timeout?: NodeJS.Timeout; bookmark?: NodeJS.Timeout } = {};
  const gauge = { group: r.info.group, resource: r.info.resource };
  c.deps.metrics.watchers.inc(gauge);

  const end = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearTimeout(timers.timeout);
    clearTimeout(timers.bookmark);
    c.deps.signal.removeEventListener('abort', end);
    c.deps.metrics.watchers.dec(gauge);
    if (!res.writableEnded) res.end();
  };

  const line = (ev: CacheEvent<ApiObject>, type: WatchEventType): string => {
    if (!table) return `{"type":"${type}","object":${objectJson(c, r.info, ev)}}\n`;
    const obj = c.deps.edge.fromStorage(r.info, ev.obj);
    const t = toTable(c.deps.edge.printer, r.info, [obj], {
      resourceVersion: obj.metadata.resourceVersion,
      now: c.deps.clock.now(),
      columns: !headersSent,
    });
    headersSent = true;
    return `${JSON.stringify({ type, object: t })}\n`;
  };

  const write = async (chunk: string): Promise<void> => {
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  };

  const flush = async (): Promise<void> => {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length && !closed) {
        const ev = queue.shift()!;
        const type = eventType(ev, sel);
        lastRev = Math.max(lastRev, ev.revision);
        if (type) await write(line(ev, type));
      }
    } catch {
      end();
    } finally {
      flushing = false;
    }
  };

  res.on('close', end);
  c.deps.signal.addEventListener('abort', end, { once: true });
  try {
    unsubscribe = store.cache.watch(
      fromRev,
      {
        push: (ev) => {
          if (closed) return;
          if (queue.length >= maxQueued) {
            c.deps.logger.warn('watcher too slow; ending its watch', { resource: r.info.resource });
            end();
            return;
          }
          queue.push(ev);
          void flush();
        },
        close: () => {
          void flush().then(end);
        },
      },
      store.prefix(r.namespace),
    );
  } catch (e) {
    const status = toStatusError(e).status;
    res.write(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
    end();
    return;
  }

  const timeoutMs = (opts.timeoutSeconds ?? 1800 + Math.floor(Math.random() * 1800)) * 1000;
  timers.timeout = setTimeout(() => void flush().then(end), timeoutMs);
  timers.timeout.unref();
  if (opts.allowWatchBookmarks) {
    // A bookmark goes out only when this watcher has sent everything queued,
    // so its resourceVersion never runs ahead of an unsent event.
    const bookmark = (): void => {
      if (closed) return;
      if (queue.length === 0 && !flushing) {
        lastRev = Math.max(lastRev, store.cache.revision);
        const obj = {
          kind: r.info.kind,
          apiVersion: apiVersionOf(r.info),
          metadata: { resourceVersion: String(lastRev) },
        };
        void write(`${JSON.stringify({ type: 'BOOKMARK', object: obj })}\n`).catch(end);
      }
      timers.bookmark = setTimeout(bookmark, c.deps.bookmarkIntervalMs);
      timers.bookmark.unref();
    };
    timers.bookmark = setTimeout(bookmark, c.deps.bookmarkIntervalMs);
    timers.bookmark.unref();
  }
  void flush();
}
