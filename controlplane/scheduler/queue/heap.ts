/**
 * KeyedHeap is a binary min-heap (by `less`) whose items are addressed by a
 * string key, so an item can be looked up, replaced or removed in O(log n)
 * (kube-scheduler's `internal/heap`). Adding a key that is present replaces
 * the item.
 */
export class KeyedHeap<T> {
  private readonly items: { key: string; item: T }[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i]?.item;
  }

  /** peek returns the least item without removing it. */
  peek(): T | undefined {
    return this.items[0]?.item;
  }

  /** push adds `item` under `key`, or replaces the item already there. */
  push(key: string, item: T): void {
    const i = this.index.get(key);
    if (i !== undefined) {
      (this.items[i] as { item: T }).item = item;
      this.fix(i);
      return;
    }
    this.items.push({ key, item });
    this.index.set(key, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  /** pop removes and returns the least item. */
  pop(): T | undefined {
    const top = this.items[0];
    if (!top) return undefined;
    this.removeAt(0);
    return top.item;
  }

  /** delete removes the item under `key` and returns it. */
  delete(key: string): T | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const item = (this.items[i] as { item: T }).item;
    this.removeAt(i);
    return item;
  }

  /** values lists the items in no particular order. */
  values(): T[] {
    return this.items.map((e) => e.item);
  }

  private removeAt(i: number): void {
    const last = this.items.length - 1;
    const gone = this.items[i] as { key: string };
    this.swap(i, last);
    this.items.pop();
    this.index.delete(gone.key);
    if (i < this.items.length) this.fix(i);
  }

  private fix(i: number): void {
    if (!this.down(i)) this.up(i);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.lessAt(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  // down sifts item i down; true if it moved.
  private down(i0: number): boolean {
    let i = i0;
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let m = l;
      if (l + 1 < n && this.lessAt(l + 1, l)) m = l + 1;
      if (!this.lessAt(m, i)) break;
      this.swap(i, m);
      i = m;
    }
    return i > i0;
  }

  private lessAt(a: number, b: number): boolean {
    return this.less((this.items[a] as { item: T }).item, (this.items[b] as { item: T }).item);
  }

  private swap(a: number, b: number): void {
    if (a === b) return;
    const x = this.items[a] as { key: string; item: T };
    const y = this.items[b] as { key: string; item: T };
    this.items[a] = y;
    this.items[b] = x;
    this.index.set(y.key, a);
    this.index.set(x.key, b);
  }
}
