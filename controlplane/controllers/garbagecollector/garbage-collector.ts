import { isConflict, isNotFound } from '../../api/errors.js';
import type { KubeObject, OwnerReference } from '../../api/meta.js';
import type { WorkQueue } from '../../client/index.js';
import type { Logger } from '../../../lib/log.js';
import {
  newControllerQueue,
  runController,
  type Controller,
  type ControllerContext,
  type ControllerFactory,
} from '../controller.js';
import { Monitors, type GcObject, type Monitor } from './monitors.js';

/** OrphanFinalizer is what the API server adds for propagationPolicy Orphan. */
export const OrphanFinalizer = 'orphan';
/** ForegroundFinalizer is what the API server adds for propagationPolicy Foreground. */
export const ForegroundFinalizer = 'foregroundDeletion';

/** OwnerState is what the collector knows of one owner reference. */
type OwnerState =
  /** solid: the owner exists and is not deleting its dependents. */
  | 'solid'
  /** waiting: the owner exists and waits for its dependents (foreground deletion). */
  | 'waiting'
  /** absent: no object with that uid exists (confirmed with a live read). */
  | 'absent'
  /** unknown: a resource the collector does not watch; treated as solid. */
  | 'unknown';

const absentCacheSize = 1000;

/**
 * GarbageCollector deletes objects whose owners are gone and carries out
 * the Orphan and Foreground propagation policies (Kubernetes' garbage
 * collector). Its graph is the owner-uid index of the shared informers of
 * every watched resource (monitors.ts); the queue holds object keys.
 *
 * For an object with ownerReferences each owner is classified: solid,
 * waiting (being deleted with `foregroundDeletion`) or absent. The cache is
 * trusted only to say an owner exists; "absent" (missing, or another uid
 * under that name) is confirmed with a live GET before anything is deleted.
 * With a solid owner, references to absent and waiting owners are removed;
 * without one the object is deleted (uid precondition) — in Foreground when
 * a waiting owner needs it gone and it has dependents itself, otherwise as
 * its own finalizers say (Background by default).
 *
 * An owner being deleted with the `orphan` finalizer has its reference
 * removed from every dependent, then the finalizer; one with
 * `foregroundDeletion` has its dependents queued (they delete themselves as
 * above) and loses the finalizer once no dependent with blockOwnerDeletion
 * remains, so the API server deletes it. Deletes of objects queue their
 * dependents and owners, so every step is event-driven.
 *
 * Not done: cycle detection between foreground-deleting objects, and
 * owners in unwatched resources (events, or kinds not served) count as solid.
 */
export class GarbageCollector implements Controller {
  readonly name = 'garbagecollector';
  /** queue holds object keys (`replicasets.apps:ns/name`); exposed for tests. */
  readonly queue: WorkQueue<string>;
  /** monitors are the watched resources; exposed for tests. */
  readonly monitors: Monitors;
  // uids confirmed absent: uids are never reused, so the answer never goes stale.
  private readonly absent = new Set<string>();
  private readonly log: Logger;

  constructor(private readonly ctx: ControllerContext) {
    this.log = ctx.logger.with({ controller: this.name });
    this.queue = newControllerQueue(ctx, this.name);
    this.monitors = new Monitors(ctx.informers);
    for (const m of this.monitors.all()) {
      m.informer.addEventHandler({
        onAdd: (o) => this.onChange(m, undefined, o),
        onUpdate: (old, o) => this.onChange(m, old, o),
        onDelete: (o) => this.onDelete(o),
      });
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = this.monitors.all().map((m) => m.informer);
    const reconcile = (k: string): Promise<void> => this.reconcile(k);
    await runController(
      this.ctx,
      { name: this.name, queue: this.queue, reconcile, informers },
      signal,
    );
  }

  /** reconcile takes one step for the object under `key`, as owner and as dependent. */
  async reconcile(key: string): Promise<void> {
    const at = this.monitors.resolve(key);
    const obj = at?.monitor.informer.indexer.get(at.objKey);
    if (!at || !obj) return;
    const m = obj.metadata;
    if (m.deletionTimestamp) {
      const finalizers = m.finalizers ?? [];
      if (finalizers.includes(OrphanFinalizer)) await this.orphanDependents(at.monitor, obj);
      else if (finalizers.includes(ForegroundFinalizer))
        await this.deleteDependents(at.monitor, obj);
      // Already being deleted: nothing to collect.
      return;
    }
    if ((m.ownerReferences ?? []).length > 0) await this.collect(at.monitor, obj);
  }

  private onChange(m: Monitor, old: GcObject | undefined, o: GcObject): void {
    // Only what the graph reads matters: status churn (pods) queues nothing.
    if (old && !graphChanged(old, o)) return;
    const meta = o.metadata;
    const finalizers = meta.finalizers ?? [];
    const propagating =
      meta.deletionTimestamp &&
      (finalizers.includes(OrphanFinalizer) || finalizers.includes(ForegroundFinalizer));
    if (propagating || (meta.ownerReferences ?? []).length > 0)
      this.queue.add(this.monitors.keyFor(m, o));
    // A reference dropped may have been the last thing a foreground owner waited for.
    const kept = new Set((meta.ownerReferences ?? []).map((r) => r.uid));
    for (const r of old?.metadata.ownerReferences ?? []) {
      if (!kept.has(r.uid)) this.enqueueOwner(r, meta.namespace);
    }
  }

  private onDelete(o: GcObject): void {
    for (const d of this.monitors.dependentsOf(o.metadata.uid)) {
      this.queue.add(this.monitors.keyFor(d.monitor, d.obj));
    }
    for (const r of o.metadata.ownerReferences ?? []) this.enqueueOwner(r, o.metadata.namespace);
  }

  private enqueueOwner(ref: OwnerReference, namespace: string | undefined): void {
    const owner = this.monitors.ownerKey(ref, namespace);
    if (owner) this.queue.add(owner.key);
  }

  // collect deletes `obj` if none of its owners is solid, or drops references to gone owners.
  private async collect(monitor: Monitor, obj: GcObject): Promise<void> {
    const refs = obj.metadata.ownerReferences ?? [];
    const states = await Promise.all(refs.map((r) => this.ownerState(r, obj)));
    const solid = refs.filter((_, i) => states[i] === 'solid' || states[i] === 'unknown');
    const gone = refs.filter((_, i) => states[i] === 'absent' || states[i] === 'waiting');
    if (gone.length === 0) return;
    if (solid.length > 0) {
      const goneUids = new Set(gone.map((r) => r.uid));
      await this.setOwnerReferences(
        monitor,
        obj,
        refs.filter((r) => !goneUids.has(r.uid)),
      );
      return;
    }
    const waiting = states.includes('waiting');
    const finalizers = obj.metadata.finalizers ?? [];
    let policy: 'Background' | 'Foreground' | 'Orphan' = 'Background';
    if (waiting && this.monitors.dependentsOf(obj.metadata.uid).length > 0) policy = 'Foreground';
    else if (finalizers.includes(OrphanFinalizer)) policy = 'Orphan';
    else if (finalizers.includes(ForegroundFinalizer)) policy = 'Foreground';
    this.log.info('deleting object whose owners are gone', {
      object: this.monitors.keyFor(monitor, obj),
      policy,
    });
    try {
      await this.ctx.rest
        .resource<KubeObject>(monitor.info, obj.metadata.namespace)
        .delete(obj.metadata.name, {
          propagationPolicy: policy,
          preconditions: { uid: obj.metadata.uid },
        });
    } catch (e) {
      // Gone already, or a new object took the name: nothing of ours to delete.
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  // ownerState classifies one owner reference, reading the API server when the cache says absent.
  private async ownerState(ref: OwnerReference, dependent: GcObject): Promise<OwnerState> {
    if (this.absent.has(ref.uid)) return 'absent';
    const owner = this.monitors.ownerKey(ref, dependent.metadata.namespace);
    if (!owner) return 'unknown';
    const cached = owner.monitor.informer.indexer.get(owner.objKey);
    if (cached && cached.metadata.uid === ref.uid) return classify(cached);
    let live: GcObject | undefined;
    try {
      live = await this.ctx.rest
        .resource<KubeObject>(owner.monitor.info, dependent.metadata.namespace)
        .get(ref.name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (live && live.metadata.uid === ref.uid) return classify(live);
    this.absent.add(ref.uid);
    if (this.absent.size > absentCacheSize) {
      const first = this.absent.values().next();
      if (!first.done) this.absent.delete(first.value);
    }
    return 'absent';
  }

  // orphanDependents removes the owner's references from its dependents, then its orphan finalizer.
  private async orphanDependents(monitor: Monitor, owner: GcObject): Promise<void> {
    const uid = owner.metadata.uid;
    for (const d of this.monitors.dependentsOf(uid)) {
      const refs = (d.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      await this.setOwnerReferences(d.monitor, d.obj, refs);
    }
    await this.removeFinalizer(monitor, owner, OrphanFinalizer);
  }

  // deleteDependents queues a foreground owner's dependents and lets it go once none blocks it.
  private async deleteDependents(monitor: Monitor, owner: GcObject): Promise<void> {
    const uid = owner.metadata.uid;
    let blocking = 0;
    for (const d of this.monitors.dependentsOf(uid)) {
      if (!d.obj.metadata.deletionTimestamp) this.queue.add(this.monitors.keyFor(d.monitor, d.obj));
      const ref = d.obj.metadata.ownerReferences?.find((r) => r.uid === uid);
      if (ref?.blockOwnerDeletion) blocking++;
    }
    if (blocking > 0) return;
    await this.removeFinalizer(monitor, owner, ForegroundFinalizer);
  }

  private async setOwnerReferences(
    monitor: Monitor,
    obj: GcObject,
    refs: OwnerReference[],
  ): Promise<void> {
    try {
      await this.ctx.rest
        .resource<KubeObject>(monitor.info, obj.metadata.namespace)
        .patch(obj.metadata.name, 'merge', {
          metadata: {
            resourceVersion: obj.metadata.resourceVersion,
            ownerReferences: refs.length > 0 ? refs : null,
          },
        });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  private async removeFinalizer(monitor: Monitor, obj: GcObject, finalizer: string): Promise<void> {
    const rest = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    this.log.info('removing finalizer', { object: this.monitors.keyFor(monitor, obj), finalizer });
    try {
      await this.ctx.rest
        .resource<KubeObject>(monitor.info, obj.metadata.namespace)
        .patch(obj.metadata.name, 'merge', {
          metadata: {
            resourceVersion: obj.metadata.resourceVersion,
            finalizers: rest.length > 0 ? rest : null,
          },
        });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

// graphChanged tells whether an update touched what the collector reads.
function graphChanged(a: GcObject, b: GcObject): boolean {
  const x = a.metadata;
  const y = b.metadata;
  return (
    x.uid !== y.uid ||
    x.deletionTimestamp !== y.deletionTimestamp ||
    JSON.stringify(x.finalizers ?? []) !== JSON.stringify(y.finalizers ?? []) ||
    JSON.stringify(x.ownerReferences ?? []) !== JSON.stringify(y.ownerReferences ?? [])
  );
}

function classify(owner: GcObject): OwnerState {
  const m = owner.metadata;
  return m.deletionTimestamp && (m.finalizers ?? []).includes(ForegroundFinalizer)
    ? 'waiting'
    : 'solid';
}

/** garbageCollector is the ControllerFactory of the garbage collector. */
export const garbageCollector: ControllerFactory = (ctx) => new GarbageCollector(ctx);
