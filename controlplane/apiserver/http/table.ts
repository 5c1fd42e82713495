import type { KubeList } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { ApiObject } from '../registry/types.js';

/** ColumnDefinition is one column of a meta.k8s.io/v1 Table. */
export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** TablePrinter gives a kind's columns and a row's cells (controlplane/api/tables). */
export interface TablePrinter {
  columns(info: ResourceInfo): ColumnDefinition[] | undefined;
  cells(info: ResourceInfo, obj: ApiObject, now: number): unknown[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const defaultColumns: ColumnDefinition[] = [
  {
    name: 'Name',
    type: 'string',
    format: 'name',
    description: 'Name must be unique within a namespace.',
    priority: 0,
  },
  {
    name: 'Created At',
    type: 'date',
    format: '',
    description: 'When the object was created.',
    priority: 0,
  },
];

/** partialMetadata is an object reduced to its metadata (PartialObjectMetadata). */
export function partialMetadata(obj: ApiObject): object {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/**
 * toTable renders objects as a server-side Table, the way `kubectl get`
 * prints them; kinds without a printer get kube's default Name/Created At.
 */
export function toTable(
  printer: TablePrinter | undefined,
  info: ResourceInfo,
  objs: ApiObject[],
  opts: {
    resourceVersion?: string;
    continue?: string;
    remainingItemCount?: number;
    includeObject?: IncludeObject;
    now: number;
    columns?: boolean;
  },
): object {
  const columns = printer?.columns(info);
  const rows = objs.map((obj) => {
    const cells =
      columns && printer
        ? printer.cells(info, obj, opts.now)
        : [obj.metadata.name, obj.metadata.creationTimestamp];
    const include = opts.includeObject ?? 'Metadata';
    return {
      cells,
      ...(include === 'Object'
        ? { object: obj }
        : include === 'Metadata'
          ? { object: partialMetadata(obj) }
          : {}),
    };
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}),
      ...(opts.continue ? { continue: opts.continue } : {}),
      ...(opts.remainingItemCount !== undefined
        ? { remainingItemCount: opts.remainingItemCount }
        : {}),
    },
    ...(opts.columns === false ? {} : { columnDefinitions: columns ?? defaultColumns }),
    rows,
  };
}

/** partialList reduces a list to PartialObjectMetadataList. */
export function partialList(list: KubeList<ApiObject>): object {
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion: 'meta.k8s.io/v1',
    metadata: list.metadata,
    items: list.items.map(partialMetadata),
  };
}
