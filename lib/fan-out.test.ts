import { describe, expect, it } from 'vitest';
import { fanOut } from './fan-out.js';

describe('fanOut', () => {
  it('aborts with the parent, carries many listeners without a warning, and detaches on dispose', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const parent = new AbortController();
      const all = fanOut(parent.signal);
      let woken = 0;
      for (let i = 0; i < 50; i++) all.signal.addEventListener('abort', () => woken++);
      parent.abort(new Error('stop'));
      expect(all.signal.aborted).toBe(true);
      expect((all.signal.reason as Error).message).toBe('stop');
      expect(woken).toBe(50);
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);

      const other = new AbortController();
      const detached = fanOut(other.signal);
      detached.dispose();
      other.abort();
      expect(detached.signal.aborted).toBe(false);

      const already = fanOut(AbortSignal.abort(new Error('gone')));
      expect((already.signal.reason as Error).message).toBe('gone');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
