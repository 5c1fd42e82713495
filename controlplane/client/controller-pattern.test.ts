import { describe, expect, it } from 'vitest';
import type { ObjectMeta } from '../api/meta.js';
import { nopLogger } from '../../lib/log.js';
import { FakeClock } from '../../lib/time.js';
import {
  FakeListerWatcher,
  ItemExponentialFailureRateLimiter,
  SharedInformer,
  WorkQueue,
  enqueueHandler,
  runWorkers,
} from './index.js';

interface Thing {
  metadata: ObjectMeta;
  spec?: { failTimes?: number };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

describe('informer + workqueue + runWorkers (the controller pattern)', () => {
  it('reconciles keys from cache events, retries failures with backoff, sees deletes as absent', async () => {
    const clock = new FakeClock();
    const lw = new FakeListerWatcher<Thing>();
    lw.upsert({ metadata: { namespace: 'ns', name: 'a' } });
    lw.upsert({ metadata: { namespace: 'ns', name: 'flaky' }, spec: { failTimes: 2 } });

    const informer = new SharedInformer(lw, { clock });
    const queue = new WorkQueue({
      clock,
      rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000),
    });
    informer.addEventHandler(enqueueHandler(queue));
    const lister = informer.lister();

    const log: string[] = [];
    const failures = new Map<string, number>();
    const reconcile = async (key: string): Promise<void> => {
      const obj = lister.getByKey(key);
      if (!obj) {
        log.push(`gone ${key}`); // NotFound: clean up
        return;
      }
      const failed = failures.get(key) ?? 0;
      if (failed < (obj.spec?.failTimes ?? 0)) {
        failures.set(key, failed + 1);
        throw new Error('transient');
      }
      log.push(`synced ${key}@${obj.metadata.resourceVersion}`);
    };

    const ac = new AbortController();
    const informerDone = informer.run(ac.signal);
    expect(await informer.waitForSync(ac.signal)).toBe(true);
    const workersDone = runWorkers(queue, 2, reconcile, ac.signal, nopLogger);

    await until(() => log.includes('synced ns/a@101'), 'a synced');
    expect(log.filter((l) => l.includes('flaky'))).toEqual([]);
    clock.advance(5); // first retry after 5 ms
    await until(() => failures.get('ns/flaky') === 2, 'second failure');
    clock.advance(10); // second retry after 10 ms
    await until(() => log.includes('synced ns/flaky@102'), 'flaky synced');
    expect(queue.numRequeues('ns/flaky')).toBe(0);

    await until(() => lw.activeWatches === 1, 'watching');
    lw.upsert({ metadata: { namespace: 'ns', name: 'a', labels: { v: '2' } } });
    await until(() => log.includes('synced ns/a@103'), 'update reconciled');
    lw.remove('ns/a');
    await until(() => log.includes('gone ns/a'), 'delete reconciled');

    ac.abort();
    await Promise.all([informerDone, workersDone]);
    expect(queue.shuttingDown).toBe(true);
  });
});
