import type { FieldError } from '../../api/field-path.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { Guard, Write } from '../storage/etcd-storage.js';
import type { ApiObject, DeleteOptions } from './types.js';

/** Allocation is what a strategy adds to a create or update transaction (service IPs, node ports). */
export interface Allocation {
  guards: Guard[];
  writes: Write[];
  deletes: string[];
}

/** AllocationContext lets a strategy read what is allocated already. */
export interface AllocationContext {
  /** allocatedKeys lists the keys under a prefix (e.g. every allocated service IP). */
  allocatedKeys(prefix: string): Promise<string[]>;
}

/**
 * Strategy holds what is particular to one resource (apiserver
 * pkg/registry/<group>/<resource>/strategy.go): how a new object is prepared,
 * what an update may change, extra validation, selectable fields, graceful
 * deletion, finalizers kept outside metadata, and allocations made in the same
 * etcd transaction as the write. Every hook is optional; the generic store
 * does the rest.
 */
export interface Strategy {
  /** prepareForCreate sets server-owned fields of a new object (after defaulting). */
  prepareForCreate?(obj: ApiObject): void;
  /** prepareForUpdate adjusts a main-resource update, given the current object. */
  prepareForUpdate?(obj: ApiObject, old: ApiObject): void;
  /** validate adds kind-specific checks to the shared validation (old set on update). */
  validate?(obj: ApiObject, old?: ApiObject): FieldError[];
  /** fields are the selectable fields beyond metadata.name and metadata.namespace. */
  fields?(obj: ApiObject): Record<string, string | undefined>;
  /**
   * deleteGracePeriod tells how many seconds a delete waits before the object
   * is removed (pods); 0 or undefined removes it at once.
   */
  deleteGracePeriod?(obj: ApiObject, opts: DeleteOptions): number | undefined;
  /** pendingFinalizers lists finalizers kept outside metadata.finalizers (a namespace's spec.finalizers). */
  pendingFinalizers?(obj: ApiObject): string[];
  /** onDeletionMarked records a deletion in progress (a namespace's phase Terminating). */
  onDeletionMarked?(obj: ApiObject): void;
  /** allocate reserves what a new or updated object needs (service cluster IP, node ports). */
  allocate?(
    obj: ApiObject,
    old: ApiObject | undefined,
    ctx: AllocationContext,
  ): Promise<Allocation>;
  /** release lists allocation keys to free when the object goes. */
  release?(obj: ApiObject): string[];
  /** leaseTtlSeconds makes objects expire on their own (events). */
  leaseTtlSeconds?: number;
  /**
   * tracksGeneration gives objects a metadata.generation, set to 1 on create
   * and bumped by spec changes (Deployments, ReplicaSets, HPAs — the kinds
   * whose controllers report observedGeneration; Kubernetes sets none on
   * ConfigMaps, Services, Nodes …).
   */
  tracksGeneration?: boolean;
  /** allowCreateOnUpdate lets PUT create a missing object. */
  allowCreateOnUpdate?: boolean;
}

/** StrategyFactory builds a strategy for a resource (strategies may need options, e.g. IP ranges). */
export type StrategyFor = (info: ResourceInfo) => Strategy;

/** emptyAllocation is an Allocation that changes nothing. */
export const emptyAllocation = (): Allocation => ({ guards: [], writes: [], deletes: [] });
