import { quantityFromJson } from '../../api/quantity/index.js';
import type { Container, PodSpec, ResourceList } from '../../api/types/index.js';

/** CPU, MEMORY, EPHEMERAL_STORAGE and PODS are the resource names the scheduler treats specially. */
export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/**
 * DEFAULT_MILLI_CPU and DEFAULT_MEMORY are what scoring assumes a container
 * without a request uses (kube-scheduler's non-zero defaults: 100m, 200Mi), so
 * that best-effort pods still spread.
 */
export const DEFAULT_MILLI_CPU = 100n;
export const DEFAULT_MEMORY = 200n * 1024n * 1024n;

/**
 * amountOf turns a quantity into the integer the scheduler counts in: cpu in
 * millicores, everything else in whole units (bytes, devices), rounded up as
 * Kubernetes' MilliValue/Value do. An unparseable quantity counts as 0 (the
 * API server validates them; this only keeps a bad object from crashing us).
 */
export function amountOf(name: string, q: unknown): bigint {
  try {
    return quantityFromJson(q).scaledValue(name === CPU ? -3 : 0);
  } catch {
    return 0n;
  }
}

/**
 * Resources is a mutable map from resource name to integer amount (see
 * `amountOf` for units); an absent name is 0. Used for allocatable, the sum
 * requested on a node, and one pod's request.
 */
export class Resources {
  private readonly m = new Map<string, bigint>();

  /** fromList reads a ResourceList (`{cpu: '500m', memory: '1Gi'}`). */
  static fromList(list: ResourceList | undefined): Resources {
    const r = new Resources();
    for (const [name, q] of Object.entries(list ?? {})) r.m.set(name, amountOf(name, q));
    return r;
  }

  get(name: string): bigint {
    return this.m.get(name) ?? 0n;
  }

  set(name: string, v: bigint): void {
    this.m.set(name, v);
  }

  /** names lists the resources with an entry (possibly 0). */
  names(): string[] {
    return [...this.m.keys()];
  }

  /** add adds `o` into this one. */
  add(o: Resources): this {
    for (const [k, v] of o.m) this.m.set(k, this.get(k) + v);
    return this;
  }

  /** sub subtracts `o` from this one. */
  sub(o: Resources): this {
    for (const [k, v] of o.m) this.m.set(k, this.get(k) - v);
    return this;
  }

  /** maxWith raises each entry to `o`'s where that is larger. */
  maxWith(o: Resources): this {
    for (const [k, v] of o.m) if (v > this.get(k)) this.m.set(k, v);
    return this;
  }

  clone(): Resources {
    return new Resources().add(this);
  }

  /** isZero tells whether every entry is 0. */
  isZero(): boolean {
    for (const v of this.m.values()) if (v !== 0n) return false;
    return true;
  }

  /** toJSON prints entries as strings, for logs and test failures. */
  toJSON(): Record<string, string> {
    return Object.fromEntries([...this.m].map(([k, v]) => [k, v.toString()]));
  }
}

function containerRequests(c: Container, nonZero: boolean): Resources {
  const r = Resources.fromList(c.resources?.requests);
  if (nonZero) {
    if (!Object.hasOwn(c.resources?.requests ?? {}, CPU)) r.set(CPU, DEFAULT_MILLI_CPU);
    if (!Object.hasOwn(c.resources?.requests ?? {}, MEMORY)) r.set(MEMORY, DEFAULT_MEMORY);
  }
  return r;
}

/**
 * podRequests is what a pod needs on a node (Kubernetes' `PodRequests`): the
 * sum of its app containers and sidecars (init containers with
 * `restartPolicy: Always`), or the largest need while init containers run
 * one after another, whichever is larger, plus the pod overhead. With
 * `nonZero`, containers without a cpu or memory request count the defaults
 * (used for scoring only).
 */
export function podRequests(spec: PodSpec | undefined, nonZero = false): Resources {
  const reqs = new Resources();
  for (const c of spec?.containers ?? []) reqs.add(containerRequests(c, nonZero));
  const sidecars = new Resources();
  const initPeak = new Resources();
  for (const c of spec?.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      // A sidecar keeps running beside everything started after it.
      sidecars.add(r);
      initPeak.maxWith(sidecars);
    } else {
      initPeak.maxWith(r.add(sidecars));
    }
  }
  reqs.add(sidecars).maxWith(initPeak);
  if (spec?.overhead) reqs.add(Resources.fromList(spec.overhead));
  return reqs;
}
