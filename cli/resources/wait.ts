import { isGone } from '../../controlplane/api/errors.js';
import { resourcePath, type ResourceInfo } from '../../controlplane/api/resources.js';
import type { RestClient } from '../../controlplane/client/index.js';
import { CliError } from '../errors.js';
import type { Obj } from './fetch.js';

/** Check decides from the object's latest state (undefined: it is gone) whether the wait is over. */
export type Check = (obj: Obj | undefined) => boolean;

/**
 * waitForObject follows one object by list + watch on its name (the way
 * kubectl's `rollout status` and `delete --wait` do) until `check` is
 * satisfied, and resolves with the object's state at that moment. It
 * relists when the server ends the stream or answers 410. Rejects with the
 * signal's reason when `signal` aborts (a timeout or Ctrl-C).
 */
export async function waitForObject(
  client: RestClient,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  check: Check,
  signal: AbortSignal,
  onChange?: (obj: Obj | undefined) => void,
): Promise<Obj | undefined> {
  const path = resourcePath(info, { namespace: info.namespaced ? namespace : undefined });
  const fieldSelector = `metadata.name=${name}`;
  for (;;) {
    signal.throwIfAborted();
    const list = await client.request<{ metadata?: { resourceVersion?: string }; items?: Obj[] }>({
      path,
      query: { fieldSelector },
      signal,
    });
    let obj = list.items?.[0];
    onChange?.(obj);
    if (check(obj)) return obj;
    try {
      const events = client.watch<Obj>(
        {
          path,
          query: { watch: true, fieldSelector, resourceVersion: list.metadata?.resourceVersion },
          timeoutMs: 0,
        },
        signal,
      );
      for await (const ev of events) {
        if (ev.type === 'BOOKMARK') continue;
        obj = ev.type === 'DELETED' ? undefined : ev.object;
        onChange?.(obj);
        if (check(obj)) return obj;
      }
    } catch (e) {
      if (!isGone(e)) throw e;
    }
    signal.throwIfAborted();
  }
}

/**
 * timeoutSignal combines the user's signal with a deadline of `ms`
 * milliseconds (none when `ms` is 0 or less). The deadline aborts with a
 * CliError of `message`.
 */
export function timeoutSignal(signal: AbortSignal, ms: number, message: string): AbortSignal {
  if (ms <= 0) return signal;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new CliError(message)), ms);
  timer.unref();
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return AbortSignal.any([signal, ac.signal]);
}
