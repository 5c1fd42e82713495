import {
  createTwoWayMergePatch,
  deepEqual,
  patchMetaFor,
  type JsonValue,
} from '../../controlplane/api/patch/index.js';
import type { PodStatus, StoredPod } from '../../controlplane/api/types/index.js';
import type { PodApi } from './api.js';

const podPatchMeta = patchMetaFor('', 'Pod');

/** json turns a value into plain JSON (undefined fields dropped), for comparisons and diffs. */
function json(v: unknown): JsonValue {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as JsonValue);
}

interface Written {
  /** sent is the status we computed and sent. */
  sent: JsonValue;
  /** stored is the status the server answered with. */
  stored: JsonValue;
}

/**
 * PodStatusManager writes pod statuses to `pods/NAME/status`, only when they
 * changed, as a strategic merge patch from the pod's current status (so
 * conditions merge by type and a concurrent writer's conditions survive)
 * carrying the pod's UID. If the server normalises a status so that it never
 * equals what was computed, the last write is remembered and not repeated.
 * Calls for one pod must not overlap (the pod worker serialises them).
 */
export class PodStatusManager {
  private readonly written = new Map<string, Written>();

  constructor(private readonly api: PodApi) {}

  /**
   * setStatus makes the pod's API status `status`. Resolves with the stored
   * pod when it wrote, undefined when nothing changed. Errors are the API's.
   */
  async setStatus(
    pod: StoredPod,
    status: PodStatus,
    signal?: AbortSignal,
  ): Promise<StoredPod | undefined> {
    const current = json(pod.status ?? {});
    const next = json(status);
    if (deepEqual(current, next)) return undefined;
    const last = this.written.get(pod.metadata.uid);
    if (last && deepEqual(last.sent, next) && deepEqual(last.stored, current)) return undefined;
    const patch = createTwoWayMergePatch({ status: current }, { status: next }, podPatchMeta);
    patch['metadata'] = { uid: pod.metadata.uid };
    const stored = await this.api.patchPodStatus(
      pod.metadata.namespace ?? 'default',
      pod.metadata.name,
      patch,
      signal,
    );
    this.written.set(pod.metadata.uid, { sent: next, stored: json(stored.status ?? {}) });
    return stored;
  }

  /** forget drops what is remembered of a pod. */
  forget(uid: string): void {
    this.written.delete(uid);
  }
}
