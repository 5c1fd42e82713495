import { convertHpa } from '../conversion/index.js';
import { gvkKey, kinds, type GroupVersionKind } from '../types/gvk.js';
import type * as T from '../types/index.js';
import { ageCol, col, nameCol, wide } from './columns.js';
import {
  configMapCells,
  deploymentCells,
  endpointsCells,
  eventCells,
  hpaCells,
  leaseCells,
  namespaceCells,
  nodeCells,
  replicaSetCells,
  scaleCells,
  secretCells,
  serviceCells,
} from './kinds.js';
import { podCells, podColumns, podRowConditions } from './pod.js';

/**
 * Server-side Table printing: the columns and cells `kubectl get` shows for
 * each kind, matching Kubernetes' printers. The API server builds the Table
 * envelope (rows[].object etc.) around these. Every cell is computed, wide
 * columns included, exactly as the Kubernetes API server does; kubectl hides
 * priority-1 columns unless asked for `-o wide`.
 */

interface Printer {
  columns: () => T.TableColumnDefinition[];
  cells: (obj: never, now: number) => T.TableCell[];
}

const containersCol = () => wide(col('Containers', 'Names of each container in the template.'));
const imagesCol = () => wide(col('Images', 'Images referenced by each container in the template.'));
const selectorCol = () => wide(col('Selector', 'The label selector of the pods.'));

const printers = new Map<string, Printer>([
  [gvkKey(kinds.Pod), { columns: podColumns, cells: podCells }],
  [
    gvkKey(kinds.Deployment),
    {
      columns: () => [
        nameCol(),
        col('Ready', 'Number of the pod with ready state'),
        col(
          'Up-to-date',
          'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
        ),
        col(
          'Available',
          'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
        ),
        ageCol(),
        containersCol(),
        imagesCol(),
        selectorCol(),
      ],
      cells: deploymentCells,
    },
  ],
  [
    gvkKey(kinds.ReplicaSet),
    {
      columns: () => [
        nameCol(),
        col('Desired', 'Number of desired pods.', { type: 'integer' }),
        col('Current', 'The most recently observed number of replicas.', { type: 'integer' }),
        col('Ready', 'The number of pods targeted by this ReplicaSet with a Ready condition.', {
          type: 'integer',
        }),
        ageCol(),
        containersCol(),
        imagesCol(),
        selectorCol(),
      ],
      cells: replicaSetCells,
    },
  ],
  [
    gvkKey(kinds.Service),
    {
      columns: () => [
        nameCol(),
        col(
          'Type',
          'How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.',
        ),
        col('Cluster-IP', 'The IP address of the service, allocated by the server.'),
        col('External-IP', 'The addresses the service is reachable at from outside the cluster.'),
        col('Port(s)', 'The ports the service exposes.'),
        ageCol(),
        wide(col('Selector', 'Pods with labels matching this selector receive the traffic.')),
      ],
      cells: serviceCells,
    },
  ],
  [
    gvkKey(kinds.Endpoints),
    {
      columns: () => [
        nameCol(),
        col('Endpoints', 'The addresses and ports that serve the service.'),
        ageCol(),
      ],
      cells: endpointsCells,
    },
  ],
  [
    gvkKey(kinds.Node),
    {
      columns: () => [
        nameCol(),
        col('Status', 'The status of the node'),
        col('Roles', 'The roles of the node'),
        ageCol(),
        col('Version', 'Kubelet Version reported by the node.'),
        wide(col('Internal-IP', 'The first InternalIP address of the node.')),
        wide(col('External-IP', 'The first ExternalIP address of the node.')),
        wide(col('OS-Image', 'OS image reported by the node.')),
        wide(col('Kernel-Version', 'Kernel version reported by the node.')),
        wide(col('Container-Runtime', 'Container runtime version reported by the node.')),
      ],
      cells: nodeCells,
    },
  ],
  [
    gvkKey(kinds.Namespace),
    {
      columns: () => [nameCol(), col('Status', 'The status of the namespace'), ageCol()],
      cells: namespaceCells,
    },
  ],
  [
    gvkKey(kinds.ConfigMap),
    {
      columns: () => [nameCol(), col('Data', 'The number of keys in the config map.'), ageCol()],
      cells: configMapCells,
    },
  ],
  [
    gvkKey(kinds.Secret),
    {
      columns: () => [
        nameCol(),
        col('Type', 'The type of the secret.'),
        col('Data', 'The number of keys in the secret.'),
        ageCol(),
      ],
      cells: secretCells,
    },
  ],
  [
    gvkKey(kinds.Event),
    {
      columns: () => [
        col(
          'Last Seen',
          'The time at which the most recent occurrence of this event was recorded.',
        ),
        col('Type', 'Type of this event (Normal, Warning).'),
        col('Reason', 'A short, machine understandable reason for the event.'),
        col('Object', 'The object this event is about.'),
        wide(col('Subobject', 'The part of the object the event is about, such as a container.')),
        wide(col('Source', 'The component reporting this event.')),
        col('Message', 'A human-readable description of the event.'),
        wide(col('First Seen', 'The time at which the event was first recorded.')),
        wide(col('Count', 'The number of times this event has occurred.')),
        wide(col('Name', 'The name of the event.', { format: 'name' })),
      ],
      cells: eventCells,
    },
  ],
  [
    gvkKey(kinds.HorizontalPodAutoscaler),
    {
      columns: () => [
        nameCol(),
        col('Reference', 'The target resource of the autoscaler.'),
        col('Targets', 'The metrics used to calculate the desired replica count, current/target.'),
        col('MinPods', 'The lower limit for the number of replicas.'),
        col('MaxPods', 'The upper limit for the number of replicas.'),
        col('Replicas', 'Current number of replicas of pods managed by this autoscaler.'),
        ageCol(),
      ],
      cells: hpaCells,
    },
  ],
  [
    gvkKey(kinds.Lease),
    {
      columns: () => [nameCol(), col('Holder', 'The holder of the lease.'), ageCol()],
      cells: leaseCells,
    },
  ],
  [
    gvkKey(kinds.Scale),
    {
      columns: () => [
        col('Name', 'The name of the scaled object.'),
        col('Desired', 'The desired number of instances.', { type: 'integer' }),
        col('Available', 'The actual number of observed instances.', { type: 'integer' }),
        ageCol(),
      ],
      cells: scaleCells,
    },
  ],
]);

/** defaultColumns are the server's columns for kinds without a printer: NAME and CREATED AT. */
function defaultColumns(): T.TableColumnDefinition[] {
  return [nameCol(), col('Created At', 'The time the object was created.', { type: 'date' })];
}

function printerFor(gvk: GroupVersionKind): Printer | undefined {
  const key =
    gvk.group === 'autoscaling' && gvk.kind === 'HorizontalPodAutoscaler'
      ? gvkKey(kinds.HorizontalPodAutoscaler)
      : gvkKey(gvk);
  return printers.get(key);
}

/** hasTablePrinter tells whether kind `gvk` has its own columns (else NAME and CREATED AT). */
export function hasTablePrinter(gvk: GroupVersionKind): boolean {
  return printerFor(gvk) !== undefined;
}

/**
 * tableColumns returns the column definitions of kind `gvk` in Kubernetes'
 * order (priority 1 = `-o wide` only). Kinds without a printer get NAME and
 * CREATED AT. Returns a fresh array.
 */
export function tableColumns(gvk: GroupVersionKind): T.TableColumnDefinition[] {
  return (printerFor(gvk)?.columns ?? defaultColumns)();
}

/**
 * tableCells returns one row's cells for `obj`, a stored object of kind
 * `gvk`, with ages measured at `now` (ms since the epoch, from the injected
 * clock). There is one cell per column of tableColumns(gvk). autoscaling/v1
 * HPAs are printed like v2 ones. Pure; tolerant of missing fields.
 */
export function tableCells(gvk: GroupVersionKind, obj: unknown, now: number): T.TableCell[] {
  const o = (typeof obj === 'object' && obj !== null ? obj : {}) as Record<string, unknown>;
  if (
    gvk.group === 'autoscaling' &&
    gvk.version === 'v1' &&
    gvk.kind === 'HorizontalPodAutoscaler'
  ) {
    return hpaCells(
      convertHpa({ ...o, apiVersion: 'autoscaling/v1' } as T.HorizontalPodAutoscalerV1, 'v2'),
      now,
    );
  }
  const p = printerFor(gvk);
  if (p) return (p.cells as (obj: unknown, now: number) => T.TableCell[])(o, now);
  const meta = (o.metadata ?? {}) as { name?: string; creationTimestamp?: string };
  return [meta.name ?? '', meta.creationTimestamp ?? ''];
}

/** tableRowConditions returns a row's conditions: `Completed` for finished pods, else undefined. */
export function tableRowConditions(
  gvk: GroupVersionKind,
  obj: unknown,
): T.TableRowCondition[] | undefined {
  return gvkKey(gvk) === gvkKey(kinds.Pod) ? podRowConditions(obj as T.Pod) : undefined;
}

export { humanDuration } from './duration.js';
export { podCells } from './pod.js';
