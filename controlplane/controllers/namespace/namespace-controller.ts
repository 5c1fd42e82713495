import type { KubeObject, Stored } from '../../api/meta.js';
import { findResource } from '../../api/resources.js';
import type { Namespace, NamespaceCondition, StoredNamespace } from '../../api/types/index.js';
import { enqueueHandler, type SharedInformer, type WorkQueue } from '../../client/index.js';
import type { Logger } from '../../../lib/log.js';
import {
  newControllerQueue,
  runController,
  type Controller,
  type ControllerContext,
  type ControllerFactory,
} from '../controller.js';
import { deleteContent, namespacedResources, type ContentReport } from './content.js';

const namespacesInfo = findResource('', 'v1', 'namespaces')!;

/** KubernetesFinalizer is the namespace finalizer this controller owns (spec.finalizers). */
export const KubernetesFinalizer = 'kubernetes';

/** The fallback re-check while content remains and nothing says when it goes: 1 s doubling to 1 min. */
const minRetryMs = 1_000;
const maxRetryMs = 60_000;

const rfc3339 = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * NamespaceController empties namespaces being deleted (Kubernetes'
 * namespace controller). A namespace with deletionTimestamp (phase
 * Terminating, which the API server sets) has every namespaced object in it
 * deleted; its status conditions say what is left
 * (`NamespaceDeletionContentFailure`, `NamespaceContentRemaining`,
 * `NamespaceFinalizersRemaining`); once nothing is left the `kubernetes`
 * finalizer is removed through `PUT …/finalize` and the API server deletes
 * the namespace. While content remains the namespace is re-checked when an
 * object in it is deleted (the shared informers' delete events), when
 * graceful deletions should be over, and otherwise after a backoff of 1 s
 * doubling to 1 min. Deletion failures are retried with the queue's backoff.
 */
export class NamespaceController implements Controller {
  readonly name = 'namespace';
  /** queue holds namespace names; exposed for tests. */
  readonly queue: WorkQueue<string>;
  private readonly namespaces: SharedInformer<StoredNamespace>;
  private readonly content: SharedInformer<Stored<KubeObject>>[] = [];
  private readonly retries = new Map<string, number>();
  private readonly log: Logger;

  constructor(private readonly ctx: ControllerContext) {
    this.log = ctx.logger.with({ controller: this.name });
    this.queue = newControllerQueue(ctx, this.name);
    this.namespaces = ctx.informers.informerFor<Namespace>(namespacesInfo);
    this.namespaces.addEventHandler(enqueueHandler(this.queue));
    // Content deletions wake a terminating namespace. Events are left out:
    // watching every event costs more than the sweep that deletes them at once.
    for (const info of namespacedResources()) {
      if (info.resource === 'events') continue;
      const inf = ctx.informers.informerFor<KubeObject>(info);
      inf.addEventHandler({
        onDelete: (o) => {
          const ns = o.metadata.namespace;
          if (ns && this.namespaces.indexer.get(ns)?.metadata.deletionTimestamp) this.queue.add(ns);
        },
      });
      this.content.push(inf);
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    const reconcile = (k: string, s: AbortSignal): Promise<void> => this.reconcile(k, s);
    await runController(
      this.ctx,
      {
        name: this.name,
        queue: this.queue,
        reconcile,
        informers: [this.namespaces, ...this.content],
      },
      signal,
    );
  }

  /**
   * reconcile takes one step in deleting namespace `name`: sweep its content,
   * record what remains in its conditions, and finalize it once empty.
   * It does nothing for a namespace that is not being deleted.
   */
  async reconcile(name: string, signal?: AbortSignal): Promise<void> {
    const ns = this.namespaces.indexer.get(name);
    if (
      !ns?.metadata.deletionTimestamp ||
      !(ns.spec?.finalizers ?? []).includes(KubernetesFinalizer)
    ) {
      this.retries.delete(name);
      return;
    }
    const now = this.ctx.clock.now();
    const report = await deleteContent(this.ctx.rest, name, now, signal);
    const latest = await this.writeConditions(ns, report, now);
    if (report.errors.length > 0) {
      throw new Error(`deleting the content of namespace ${name}: ${report.errors.join('; ')}`);
    }
    if (report.remaining.size > 0) {
      this.requeue(name, report.estimateMs);
      return;
    }
    this.retries.delete(name);
    const body = structuredClone(latest) as Namespace;
    body.spec = {
      ...body.spec,
      finalizers: (latest.spec?.finalizers ?? []).filter((f) => f !== KubernetesFinalizer),
    };
    await this.ctx.rest
      .resource<Namespace>(namespacesInfo)
      .updateSubresource(name, 'finalize', body);
    this.log.info('namespace emptied; finalized', { namespace: name });
  }

  private requeue(name: string, estimateMs: number): void {
    const n = this.retries.get(name) ?? 0;
    this.retries.set(name, n + 1);
    const delay =
      estimateMs > 0 ? estimateMs / 2 + minRetryMs : Math.min(maxRetryMs, minRetryMs * 2 ** n);
    this.queue.addAfter(name, delay);
  }

  // writeConditions records the sweep in the namespace's status (only when it changed).
  private async writeConditions(
    ns: StoredNamespace,
    report: ContentReport,
    now: number,
  ): Promise<StoredNamespace> {
    const at = rfc3339(now);
    const wanted = contentConditions(report);
    const current = ns.status?.conditions ?? [];
    let changed = false;
    const conditions: NamespaceCondition[] = current.filter(
      (c) => !wanted.some((w) => w.type === c.type),
    );
    for (const w of wanted) {
      const old = current.find((c) => c.type === w.type);
      const same =
        old && old.status === w.status && old.reason === w.reason && old.message === w.message;
      if (!same) changed = true;
      conditions.push(
        same
          ? old
          : { ...w, lastTransitionTime: old?.status === w.status ? old.lastTransitionTime : at },
      );
    }
    if (!changed) return ns;
    return this.ctx.rest
      .resource<Namespace>(namespacesInfo)
      .patch(
        ns.metadata.name,
        'merge',
        { metadata: { resourceVersion: ns.metadata.resourceVersion }, status: { conditions } },
        { subresource: 'status' },
      );
  }
}

/** contentConditions are the namespace conditions Kubernetes reports for a sweep. */
export function contentConditions(report: ContentReport): NamespaceCondition[] {
  const failed = report.errors.length > 0;
  const remaining = [...report.remaining].sort(([a], [b]) => a.localeCompare(b));
  const finalizers = [...report.finalizers].sort(([a], [b]) => a.localeCompare(b));
  return [
    failed
      ? {
          type: 'NamespaceDeletionContentFailure',
          status: 'True',
          reason: 'ContentDeletionFailed',
          message: `Failed to delete all resource types, ${report.errors.length} remaining: ${report.errors.join(', ')}`,
        }
      : {
          type: 'NamespaceDeletionContentFailure',
          status: 'False',
          reason: 'ContentDeleted',
          message: 'All content successfully deleted, may be waiting on finalization',
        },
    remaining.length > 0
      ? {
          type: 'NamespaceContentRemaining',
          status: 'True',
          reason: 'SomeResourcesRemain',
          message: `Some resources are remaining: ${remaining.map(([r, n]) => `${r} has ${n} resource instances`).join(', ')}`,
        }
      : {
          type: 'NamespaceContentRemaining',
          status: 'False',
          reason: 'ContentRemoved',
          message: 'All content successfully removed',
        },
    finalizers.length > 0
      ? {
          type: 'NamespaceFinalizersRemaining',
          status: 'True',
          reason: 'SomeFinalizersRemain',
          message: `Some content in the namespace has finalizers remaining: ${finalizers.map(([f, n]) => `${f} in ${n} resource instances`).join(', ')}`,
        }
      : {
          type: 'NamespaceFinalizersRemaining',
          status: 'False',
          reason: 'ContentHasNoFinalizers',
          message: 'All content-preserving finalizers finished',
        },
  ];
}

/** namespaceController is the ControllerFactory of the namespace deletion controller. */
export const namespaceController: ControllerFactory = (ctx) => new NamespaceController(ctx);
