import type { EventHandler } from './informer.js';
import { objectKey, type MetaObject } from './keys.js';

/**
 * enqueueHandler is the usual controller event handler: on add, update and
 * delete it adds a key to `queue` — the object's own `namespace/name` by
 * default, or whatever `keyFor` returns (e.g. its owner's key; undefined
 * skips the object). It does nothing else, as handlers should.
 */
export function enqueueHandler<O extends MetaObject>(
  queue: { add(key: string): void },
  keyFor: (obj: O) => string | undefined = objectKey,
): EventHandler<O> {
  const enqueue = (obj: O): void => {
    const key = keyFor(obj);
    if (key) queue.add(key);
  };
  return { onAdd: enqueue, onUpdate: (_old, obj) => enqueue(obj), onDelete: enqueue };
}
