import type { Strategy } from '../strategy.js';
import type { ApiObject } from '../types.js';

type With<T> = ApiObject & T;

/** clearStatus makes a new object's status empty: status belongs to its controller. */
function clearStatus(to: Record<string, unknown>) {
  return (obj: ApiObject): void => {
    obj['status'] = structuredClone(to);
  };
}

/** deploymentStrategy: status starts empty (the controller fills it). */
export const deploymentStrategy: Strategy = {
  prepareForCreate: clearStatus({}),
  tracksGeneration: true,
};

/** replicaSetStrategy: status starts at zero replicas; `status.replicas` is selectable. */
export const replicaSetStrategy: Strategy = {
  prepareForCreate: clearStatus({ replicas: 0 }),
  tracksGeneration: true,
  fields: (obj) => ({
    'status.replicas': String(
      (obj as With<{ status?: { replicas?: number } }>).status?.replicas ?? 0,
    ),
  }),
};

/** hpaStrategy: status starts empty. */
export const hpaStrategy: Strategy = {
  prepareForCreate: clearStatus({ desiredReplicas: 0 }),
  tracksGeneration: true,
};

/** nodeStrategy: `spec.unschedulable` is selectable. */
export const nodeStrategy: Strategy = {
  fields: (obj) => ({
    'spec.unschedulable': String(
      (obj as With<{ spec?: { unschedulable?: boolean } }>).spec?.unschedulable ?? false,
    ),
  }),
};

/** secretStrategy: `type` is selectable. */
export const secretStrategy: Strategy = {
  fields: (obj) => ({ type: (obj as With<{ type?: string }>).type ?? 'Opaque' }),
};

/** endpointsStrategy: PUT may create (the endpoints controller writes them whole). */
export const endpointsStrategy: Strategy = { allowCreateOnUpdate: true };

interface EventLike {
  involvedObject?: Record<string, string | undefined>;
  reason?: string;
  type?: string;
  reportingComponent?: string;
  source?: { component?: string };
}

/** eventStrategy: events expire after `ttlSeconds` (kube's --event-ttl); involvedObject.* are selectable. */
export function eventStrategy(ttlSeconds: number): Strategy {
  return {
    leaseTtlSeconds: ttlSeconds,
    fields(obj) {
      const ev = obj as With<EventLike>;
      const io = ev.involvedObject ?? {};
      return {
        'involvedObject.kind': io['kind'] ?? '',
        'involvedObject.namespace': io['namespace'] ?? '',
        'involvedObject.name': io['name'] ?? '',
        'involvedObject.uid': io['uid'] ?? '',
        'involvedObject.apiVersion': io['apiVersion'] ?? '',
        'involvedObject.resourceVersion': io['resourceVersion'] ?? '',
        'involvedObject.fieldPath': io['fieldPath'] ?? '',
        reason: ev.reason ?? '',
        reportingComponent: ev.reportingComponent ?? '',
        source: ev.source?.component ?? '',
        type: ev.type ?? '',
      };
    },
  };
}
