import type { DeleteOptions, KubeObject, ListMeta, ObjectMeta, Stored } from '../meta.js';
import type { MicroTime, ObjectReference } from './common.js';

/** Lease, Binding, Eviction and meta/v1 Table. */

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: MicroTime;
  renewTime?: MicroTime;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

export interface Lease extends KubeObject {
  apiVersion?: 'coordination.k8s.io/v1';
  kind?: 'Lease';
  spec?: LeaseSpec;
}

export type StoredLease = Stored<Lease>;

/** Binding assigns a pod to a node (POST pods/NAME/binding); target.kind is Node. */
export interface Binding extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Binding';
  target: ObjectReference;
}

/** Eviction asks to delete a pod subject to disruption budgets (POST pods/NAME/eviction). */
export interface Eviction extends KubeObject {
  apiVersion?: 'policy/v1';
  kind?: 'Eviction';
  deleteOptions?: DeleteOptions;
}

/** TableColumnDefinition describes one column of a server-side Table. */
export interface TableColumnDefinition {
  name: string;
  /** type is an OpenAPI type (string, integer, number, boolean) or `date` for timestamps. */
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** format is an OpenAPI format; `name` marks the column holding the object's name. */
  format: string;
  description: string;
  /** priority 0 columns always show; 1 only with `-o wide`. */
  priority: number;
}

/** TableCell is one cell value: a string, a number or a boolean. */
export type TableCell = string | number | boolean;

export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** PartialObjectMetadata is what each Table row carries as its object. */
export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  object?: PartialObjectMetadata | Record<string, unknown>;
}

/** Table is meta.k8s.io/v1 Table, the answer to `Accept: …;as=Table`. */
export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}
