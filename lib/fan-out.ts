import { setMaxListeners } from 'node:events';

/**
 * fanOut returns a signal that aborts with `parent` and may carry any number
 * of listeners, for handing one caller's signal to many waiters at once (an
 * informer factory's informers, each watching): the parent gets one listener
 * instead of one per waiter, and Node's 10-listener leak warning stays for
 * real leaks. `dispose` detaches it from the parent once the waiters are done.
 */
export function fanOut(parent: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const own = new AbortController();
  setMaxListeners(0, own.signal);
  if (parent.aborted) {
    own.abort(parent.reason);
    return { signal: own.signal, dispose: () => {} };
  }
  const stop = (): void => own.abort(parent.reason);
  parent.addEventListener('abort', stop, { once: true });
  return { signal: own.signal, dispose: () => parent.removeEventListener('abort', stop) };
}
