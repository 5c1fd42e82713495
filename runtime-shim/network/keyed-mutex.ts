/**
 * KeyedMutex runs async functions one at a time per key, in call order;
 * different keys run concurrently. Entries are dropped when a key goes idle,
 * so it does not grow with the number of keys ever seen.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** run waits for earlier holders of `key`, then runs `fn`; its result or error passes through. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release = (): void => {};
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

  /** size is the number of keys held or waited on (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
