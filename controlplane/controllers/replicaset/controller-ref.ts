import { isInvalid, isNotFound } from '../../api/errors.js';
import type { OwnerReference } from '../../api/meta.js';
import type { Selector } from '../../api/labels/index.js';
import { controllerOf } from './pod-utils.js';

/** Claimable is an object a controller may own: metadata with labels and owner references. */
export interface Claimable {
  metadata: {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    deletionTimestamp?: string;
  };
}

/** ClaimOptions: who claims, by what selector, and how to adopt and release. */
export interface ClaimOptions<O extends Claimable> {
  owner: { metadata: { uid: string; deletionTimestamp?: string } };
  selector: Selector;
  /**
   * canAdopt re-reads the owner from the server and throws if it changed
   * identity or is being deleted; called once, before the first adoption.
   */
  canAdopt(): Promise<void>;
  /** adopt makes the owner the object's controller (a patch); it may return the patched object. */
  adopt(obj: O): Promise<O | void>;
  /** release removes the owner's reference from the object (a patch). */
  release(obj: O): Promise<void>;
}

/** ClaimError aggregates the adoptions and releases that failed during a claim. */
export class ClaimError extends Error {
  override name = 'ClaimError';
  constructor(readonly errors: readonly unknown[]) {
    super(
      `claiming failed for ${errors.length} object(s): ${errors
        .map((e) => (e instanceof Error ? e.message : String(e)))
        .join('; ')}`,
      { cause: errors[0] },
    );
  }
}

/**
 * claimObjects is Kubernetes' ControllerRefManager.ClaimObject over a list:
 * it returns the objects the owner controls after adopting orphans that
 * match the selector and releasing owned objects that no longer match.
 * Objects controlled by someone else are left alone; an owner being
 * deleted neither adopts nor releases; objects being deleted are not
 * adopted. Objects that vanished meanwhile are skipped. If any adoption or
 * release failed it throws a ClaimError after trying all of them. Adopted
 * objects are returned as `adopt` returned them, if it did.
 */
export async function claimObjects<O extends Claimable>(
  objs: readonly O[],
  opts: ClaimOptions<O>,
): Promise<O[]> {
  const claimed: O[] = [];
  const errors: unknown[] = [];
  const ownerUid = opts.owner.metadata.uid;
  const ownerGoing = !!opts.owner.metadata.deletionTimestamp;
  let adoptable: Promise<void> | undefined;
  for (const obj of objs) {
    const ref = controllerOf(obj);
    const matches = opts.selector.matches(obj.metadata.labels ?? {});
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue;
        if (matches) {
          claimed.push(obj);
          continue;
        }
        if (ownerGoing) continue;
        await opts.release(obj).catch((e: unknown) => {
          // Gone, or being deleted: nothing to release.
          if (!isNotFound(e) && !isInvalid(e)) throw e;
        });
        continue;
      }
      if (ownerGoing || !matches || obj.metadata.deletionTimestamp) continue;
      adoptable ??= opts.canAdopt();
      await adoptable;
      let adopted: O | void;
      try {
        adopted = await opts.adopt(obj);
      } catch (e) {
        if (isNotFound(e)) continue;
        throw e;
      }
      // The patched object carries the new resourceVersion: later writes need it.
      claimed.push(adopted ?? obj);
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length > 0) throw new ClaimError(errors);
  return claimed;
}

/** adoptPatch is the strategic merge patch that makes `ref` the object's controller. */
export function adoptPatch(ref: OwnerReference, objUid: string): unknown {
  return { metadata: { ownerReferences: [ref], uid: objUid } };
}

/** releasePatch is the strategic merge patch that drops the reference to `ownerUid`. */
export function releasePatch(ownerUid: string, objUid: string): unknown {
  return { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid: objUid } };
}

/**
 * canAdoptCheck is the usual `canAdopt`: `fresh` reads the owner from the
 * server; adoption is refused if it is another object now (same name, new
 * uid) or is being deleted.
 */
export async function canAdoptCheck(
  what: string,
  uid: string,
  fresh: () => Promise<{ metadata: { uid: string; deletionTimestamp?: string } }>,
): Promise<void> {
  const cur = await fresh();
  if (cur.metadata.uid !== uid) {
    throw new Error(`original ${what} is gone: got uid ${cur.metadata.uid}, wanted ${uid}`);
  }
  if (cur.metadata.deletionTimestamp) {
    throw new Error(`${what} has just been deleted at ${cur.metadata.deletionTimestamp}`);
  }
}
