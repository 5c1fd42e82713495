/**
 * KeyedMutex serialises async work per key: `run(key, fn)` starts `fn` only
 * after every earlier `run` with the same key has settled. Different keys run
 * concurrently. Not reentrant: calling `run(k)` inside `run(k)` deadlocks.
 */
export class KeyedMutex {
  private tails = new Map<string, Promise<void>>();

  /** run runs `fn` holding `key` and resolves or rejects as `fn` does. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** size is the number of keys held or waited for; for tests. */
  get size(): number {
    return this.tails.size;
  }
}
