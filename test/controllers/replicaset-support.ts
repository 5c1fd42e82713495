/**
 * Shared pieces of the workload controllers' integration tests: a real
 * ControllerContext on a test API server, and pod readiness simulated by
 * writing pod status (there are no node agents in these tests).
 */
import { findResource } from '../../controlplane/api/resources.js';
import type { Pod, StoredPod } from '../../controlplane/api/types/index.js';
import {
  ApiEventRecorder,
  InformerFactory,
  type RestClient,
} from '../../controlplane/client/index.js';
import {
  defaultControllerManagerOptions,
  type ControllerContext,
} from '../../controlplane/controllers/controller.js';
import { formatTime } from '../../controlplane/controllers/replicaset/index.js';
import { nopLogger } from '../../lib/log.js';
import { realClock } from '../../lib/time.js';

export const podsInfo = findResource('', 'v1', 'pods')!;
export const replicaSetsInfo = findResource('apps', 'v1', 'replicasets')!;
export const deploymentsInfo = findResource('apps', 'v1', 'deployments')!;
export const eventsInfo = findResource('', 'v1', 'events')!;

/** realContext is a ControllerContext over a real API server; flush() sends pending events. */
export function realContext(rest: RestClient): ControllerContext & { flush(): Promise<void> } {
  const recorders: ApiEventRecorder[] = [];
  return {
    rest,
    informers: new InformerFactory(rest, { logger: nopLogger }),
    recorder: (component) => {
      const r = new ApiEventRecorder(rest, { component });
      recorders.push(r);
      return r;
    },
    clock: realClock,
    logger: nopLogger,
    options: { ...defaultControllerManagerOptions, workers: 2 },
    async flush() {
      await Promise.all(recorders.map((r) => r.flush()));
    },
  };
}

/** makeReady marks a pod Running and Ready (what a node agent would report). */
export async function makeReady(rest: RestClient, p: StoredPod): Promise<void> {
  const now = formatTime(Date.now());
  await rest.resource<Pod>(podsInfo, p.metadata.namespace).patch(
    p.metadata.name,
    'merge',
    {
      status: {
        phase: 'Running',
        conditions: [
          { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
          { type: 'Ready', status: 'True', lastTransitionTime: now },
        ],
      },
    },
    { subresource: 'status' },
  );
}

/** listPods lists the pods of `namespace` matching `labelSelector`, live pods only. */
export async function listPods(
  rest: RestClient,
  namespace: string,
  labelSelector: string,
): Promise<StoredPod[]> {
  const list = await rest.resource<Pod>(podsInfo, namespace).list({ labelSelector });
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}
