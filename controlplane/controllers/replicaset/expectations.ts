import type { Clock } from '../../../lib/time.js';

/** expectationsTimeoutMs is how long unmet expectations block a sync (client-go's ExpectationsTimeout). */
export const expectationsTimeoutMs = 5 * 60 * 1000;

interface Record {
  add: number;
  del: number;
  at: number;
  /** podKeys expected to be deleted; a deletion counts only for one of these. */
  deleting: Set<string>;
}

/**
 * Expectations remember, per controller key, the creations and deletions a
 * controller has asked for and its informer has not reported yet
 * (Kubernetes' UIDTrackingControllerExpectations). While some are pending
 * the controller must not act on its cache again, or it would create or
 * delete twice; they expire after `timeoutMs` so a lost event cannot wedge
 * a controller. Deletions are tracked by pod key, so a deletion the
 * controller did not ask for does not count. Synchronous; not shared
 * between processes.
 */
export class Expectations {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs = expectationsTimeoutMs,
  ) {}

  /**
   * satisfied tells whether `key` may be synced: nothing expected, all
   * expectations met, or the expectations expired. A key never seen is
   * satisfied.
   */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.clock.now() - r.at > this.timeoutMs;
  }

  /** expectCreations replaces `key`'s expectations with `count` creations. */
  expectCreations(key: string, count: number): void {
    this.records.set(key, { add: count, del: 0, at: this.clock.now(), deleting: new Set() });
  }

  /** expectDeletions replaces `key`'s expectations with the deletion of `podKeys`. */
  expectDeletions(key: string, podKeys: readonly string[]): void {
    const deleting = new Set(podKeys);
    this.records.set(key, { add: 0, del: deleting.size, at: this.clock.now(), deleting });
  }

  /** creationObserved records that one expected creation was seen (or will never happen). */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.add--;
  }

  /** deletionObserved records that `podKey` is gone; ignored unless its deletion was expected. */
  deletionObserved(key: string, podKey: string): void {
    const r = this.records.get(key);
    if (!r || !r.deleting.delete(podKey)) return;
    r.del--;
  }

  /** pending reports the creations and deletions still expected for `key`. */
  pending(key: string): { add: number; del: number } {
    const r = this.records.get(key);
    return { add: Math.max(0, r?.add ?? 0), del: Math.max(0, r?.del ?? 0) };
  }

  /** delete forgets `key` (its controller object is gone). */
  delete(key: string): void {
    this.records.delete(key);
  }
}
