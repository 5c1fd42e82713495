/**
 * EventQueue is a push-fed async iterable for one consumer: a source
 * `push`es items, then `end`s or `fail`s it; iteration yields the items in
 * order, then finishes or throws. Items pushed before iteration starts are
 * kept, which is why runtime event subscriptions use it: the subscription
 * exists from the moment it is made, not from the first `next()`.
 */
export class EventQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private done = false;
  private error: unknown;
  private wake: (() => void) | undefined;

  constructor(private readonly onClose: () => void = () => {}) {}

  push(item: T): void {
    if (this.done) return;
    this.items.push(item);
    this.wake?.();
  }

  end(): void {
    this.done = true;
    this.wake?.();
  }

  fail(err: unknown): void {
    if (this.done) return;
    this.error = err;
    this.done = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        const item = this.items.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (this.done) {
          if (this.error !== undefined) throw this.error;
          return;
        }
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
      }
    } finally {
      this.done = true;
      this.onClose();
    }
  }
}
