/**
 * Test helpers for the scheduler: object builders, a FakeInformer that
 * delivers events synchronously, and a RecordingSchedulerClient. Not for
 * production use.
 */
import { randomUUID } from 'node:crypto';
import { newConflict } from '../api/errors.js';
import type {
  Container,
  Node,
  Pod,
  PodCondition,
  PodSpec,
  StoredNode,
  StoredPod,
} from '../api/types/index.js';
import type { EventHandler, HandlerRegistration } from '../client/index.js';
import { NodeInfo, podInfoOf } from './cache/index.js';
import { CycleState, type PodContext } from './framework/index.js';
import type { SchedulerClient } from './client.js';
import type { InformerSource } from './scheduler.js';

let rv = 1;

/** PodOptions describe a test pod briefly. */
export interface PodOptions {
  namespace?: string;
  requests?: Record<string, string>;
  /** owner is the uid of a controlling owner reference (a ReplicaSet). */
  owner?: string;
  labels?: Record<string, string>;
  spec?: Partial<PodSpec>;
  containers?: Container[];
}

/** makePod builds a stored pod with one container requesting `requests`. */
export function makePod(name: string, o: PodOptions = {}): StoredPod {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: randomUUID(),
      resourceVersion: String(rv++),
      creationTimestamp: '2024-01-01T00:00:00Z',
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: 'rs',
                uid: o.owner,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      schedulerName: 'default-scheduler',
      containers: o.containers ?? [
        {
          name: 'c',
          image: 'busybox',
          ...(o.requests ? { resources: { requests: o.requests } } : {}),
        },
      ],
      ...o.spec,
    },
    status: { phase: 'Pending' },
  };
  return pod as StoredPod;
}

/** NodeOptions describe a test node briefly; defaults: 4 cpu, 8Gi, 110 pods, Ready. */
export interface NodeOptions {
  allocatable?: Record<string, string>;
  labels?: Record<string, string>;
  ready?: 'True' | 'False' | 'Unknown' | 'missing';
  spec?: Node['spec'];
}

/** makeNode builds a stored node. */
export function makeNode(name: string, o: NodeOptions = {}): StoredNode {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: randomUUID(),
      resourceVersion: String(rv++),
      creationTimestamp: '2024-01-01T00:00:00Z',
      labels: { 'kubernetes.io/hostname': name, ...o.labels },
    },
    spec: { ...o.spec },
    status: {
      allocatable: o.allocatable ?? { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: o.ready === 'missing' ? [] : [{ type: 'Ready', status: o.ready ?? 'True' }],
    },
  };
  return node as StoredNode;
}

/** bound returns a copy of `pod` bound to `node`. */
export function bound(pod: StoredPod, node: string): StoredPod {
  const p = structuredClone(pod);
  p.spec = { ...(p.spec ?? { containers: [] }), nodeName: node };
  p.metadata.resourceVersion = String(rv++);
  return p;
}

/**
 * FakeInformer is an InformerSource whose events tests fire by hand,
 * synchronously: `add`, `update`, `remove`. Like SharedInformer, a handler
 * added late gets the current objects as adds.
 */
export class FakeInformer<
  O extends { metadata: { name: string; namespace?: string } },
> implements InformerSource<O> {
  private readonly objects = new Map<string, O>();
  private handlers: EventHandler<O>[] = [];
  synced = true;

  private key(o: O): string {
    return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  }

  addEventHandler(h: EventHandler<O>): HandlerRegistration {
    this.handlers.push(h);
    for (const o of this.objects.values()) h.onAdd?.(o);
    return { remove: () => (this.handlers = this.handlers.filter((x) => x !== h)) };
  }

  waitForSync(): Promise<boolean> {
    return Promise.resolve(this.synced);
  }

  get(o: O): O | undefined {
    return this.objects.get(this.key(o));
  }

  /** add stores `o` and announces it as an add, or as an update if it was known. */
  add(o: O): void {
    const old = this.objects.get(this.key(o));
    this.objects.set(this.key(o), o);
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, o);
      else h.onAdd?.(o);
    }
  }

  remove(o: O): void {
    const old = this.objects.get(this.key(o));
    if (!old) return;
    this.objects.delete(this.key(o));
    for (const h of this.handlers) h.onDelete?.(old);
  }
}

/** Call is one call a RecordingSchedulerClient saw. */
export type Call =
  | { verb: 'bind'; pod: string; node: string }
  | { verb: 'condition'; pod: string; condition: PodCondition };

/**
 * RecordingSchedulerClient records bindings and condition writes. Bindings
 * resolve at once unless `holdBindings` is set (then `release()` settles
 * them); `failNextBind` injects an error; `conflictOn` makes binding a pod
 * answer 409 Conflict.
 */
export class RecordingSchedulerClient implements SchedulerClient {
  readonly calls: Call[] = [];
  holdBindings = false;
  private held: (() => void)[] = [];
  private readonly failures: unknown[] = [];
  readonly conflictOn = new Set<string>();

  get bindings(): { pod: string; node: string }[] {
    return this.calls.flatMap((c) => (c.verb === 'bind' ? [{ pod: c.pod, node: c.node }] : []));
  }

  get conditions(): { pod: string; condition: PodCondition }[] {
    return this.calls.flatMap((c) =>
      c.verb === 'condition' ? [{ pod: c.pod, condition: c.condition }] : [],
    );
  }

  failNextBind(err: unknown): void {
    this.failures.push(err);
  }

  /** release lets every held binding finish. */
  release(): void {
    for (const r of this.held.splice(0)) r();
  }

  async bind(pod: StoredPod, node: string): Promise<void> {
    const name = pod.metadata.name;
    this.calls.push({ verb: 'bind', pod: name, node });
    if (this.holdBindings) await new Promise<void>((r) => this.held.push(r));
    if (this.conflictOn.has(name)) {
      throw newConflict({ group: '', resource: 'pods' }, name, 'already assigned');
    }
    if (this.failures.length > 0) throw this.failures.shift();
  }

  setPodScheduledCondition(pod: StoredPod, condition: PodCondition): Promise<void> {
    this.calls.push({ verb: 'condition', pod: pod.metadata.name, condition });
    return Promise.resolve();
  }
}

/** podContext is the PodContext a scheduling cycle would build for `pod`. */
export function podContext(pod: StoredPod): PodContext {
  return { pod, info: podInfoOf(pod), state: new CycleState() };
}

/** nodeInfo builds a NodeInfo for `node` holding `pods` (bound to it). */
export function nodeInfo(node: StoredNode, pods: StoredPod[] = []): NodeInfo {
  const ni = new NodeInfo(node.metadata.name);
  ni.setNode(node);
  for (const p of pods) ni.addPod(podInfoOf(bound(p, node.metadata.name)));
  return ni;
}
