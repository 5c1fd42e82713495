/**
 * Fakes for unit tests of the workload controllers: a recording
 * ReplicaSetClient, a ControllerContext whose REST client is never used,
 * builders of pods and ReplicaSets, and fake caches (real SharedInformers
 * over FakeListerWatchers). Not for production use.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { newConflict, newNotFound } from '../../api/errors.js';
import type { KubeObject } from '../../api/meta.js';
import type {
  Pod,
  PodTemplateSpec,
  StoredDeployment,
  StoredPod,
  StoredReplicaSet,
} from '../../api/types/index.js';
import {
  FakeEventRecorder,
  FakeListerWatcher,
  InformerFactory,
  RestClient,
  SharedInformer,
} from '../../client/index.js';
import { nopLogger } from '../../../lib/log.js';
import type { Clock, FakeClock } from '../../../lib/time.js';
import {
  defaultControllerManagerOptions,
  type ControllerContext,
  type ControllerManagerOptions,
} from '../controller.js';
import type { ReplicaSetClient } from './client.js';
import { formatTime, newControllerRef } from './pod-utils.js';

const podsGr = { group: '', resource: 'pods' };
const rsGr = { group: 'apps', resource: 'replicasets' };

/** RecordedCall is one call a fake client received. */
export interface RecordedCall {
  verb: string;
  namespace: string;
  name: string;
  body?: unknown;
}

/** TestContext is a ControllerContext for unit tests plus the recorder it hands out. */
export interface TestContext extends ControllerContext {
  events: FakeEventRecorder;
}

/**
 * newTestContext makes a ControllerContext for unit tests: `clock` as given,
 * a REST client aimed at a closed port (tests inject fake clients and
 * informers instead), one FakeEventRecorder for every component.
 */
export function newTestContext(
  clock: Clock,
  options: Partial<ControllerManagerOptions> = {},
): TestContext {
  const rest = new RestClient({ server: 'https://127.0.0.1:1' });
  const events = new FakeEventRecorder();
  return {
    rest,
    informers: new InformerFactory(rest, { clock }),
    recorder: () => events,
    clock,
    logger: nopLogger,
    options: { ...defaultControllerManagerOptions, ...options },
    events,
  };
}

/**
 * FakeReplicaSetClient records every call and answers like a server would:
 * created pods get a name from generateName, a uid and a creation time on
 * `clock`. `onCreate`/`onDelete`/`onStatus` let a test feed writes back
 * into fake informers (or not, to simulate a lagging cache); `failCreate`
 * and `failDelete` inject errors per call.
 */
export class FakeReplicaSetClient implements ReplicaSetClient {
  readonly calls: RecordedCall[] = [];
  /** replicaSets answers getReplicaSet, by `namespace/name`. */
  readonly replicaSets = new Map<string, StoredReplicaSet>();
  failCreate: ((n: number, pod: Pod) => unknown) | undefined;
  failDelete: ((name: string) => unknown) | undefined;
  failStatus: ((rs: StoredReplicaSet) => unknown) | undefined;
  onCreate: ((pod: StoredPod) => void) | undefined;
  onDelete: ((namespace: string, name: string) => void) | undefined;
  onStatus: ((rs: StoredReplicaSet) => void) | undefined;
  private creates = 0;
  private rv = 1000;

  constructor(private readonly clock: Clock) {}

  /** verbs lists the calls' verbs, in order. */
  verbs(verb?: string): RecordedCall[] {
    return verb ? this.calls.filter((c) => c.verb === verb) : [...this.calls];
  }

  createPod(namespace: string, pod: Pod): Promise<StoredPod> {
    this.calls.push({
      verb: 'createPod',
      namespace,
      name: pod.metadata?.generateName ?? '',
      body: pod,
    });
    const err = this.failCreate?.(++this.creates, pod);
    if (err !== undefined) return Promise.reject(err);
    const stored = structuredClone(pod) as StoredPod;
    stored.metadata = {
      ...stored.metadata,
      name: `${pod.metadata?.generateName ?? 'pod-'}${randomBytes(3).toString('hex').slice(0, 5)}`,
      namespace,
      uid: randomUUID(),
      resourceVersion: String(++this.rv),
      creationTimestamp: formatTime(this.clock.now()),
    };
    this.onCreate?.(stored);
    return Promise.resolve(stored);
  }

  deletePod(namespace: string, name: string, uid: string): Promise<void> {
    this.calls.push({ verb: 'deletePod', namespace, name, body: { uid } });
    const err = this.failDelete?.(name);
    if (err !== undefined) return Promise.reject(err);
    this.onDelete?.(namespace, name);
    return Promise.resolve();
  }

  patchPod(namespace: string, name: string, patch: unknown): Promise<StoredPod> {
    this.calls.push({ verb: 'patchPod', namespace, name, body: patch });
    return Promise.resolve({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace,
        uid: '',
        resourceVersion: String(++this.rv),
        creationTimestamp: '',
      },
    });
  }

  getReplicaSet(namespace: string, name: string): Promise<StoredReplicaSet> {
    this.calls.push({ verb: 'getReplicaSet', namespace, name });
    const rs = this.replicaSets.get(`${namespace}/${name}`);
    return rs ? Promise.resolve(structuredClone(rs)) : Promise.reject(newNotFound(rsGr, name));
  }

  updateReplicaSetStatus(rs: StoredReplicaSet): Promise<StoredReplicaSet> {
    const ns = rs.metadata.namespace ?? '';
    this.calls.push({
      verb: 'updateReplicaSetStatus',
      namespace: ns,
      name: rs.metadata.name,
      body: rs.status,
    });
    const err = this.failStatus?.(rs);
    if (err !== undefined) return Promise.reject(err);
    const stored = structuredClone(rs);
    stored.metadata.resourceVersion = String(++this.rv);
    this.replicaSets.set(`${ns}/${rs.metadata.name}`, stored);
    this.onStatus?.(stored);
    return Promise.resolve(stored);
  }
}

/** conflictError is the 409 a stale write gets, for tests. */
export const conflictError = (name: string): unknown => newConflict(rsGr, name);
/** podNotFound is the 404 of a pod already gone, for tests. */
export const podNotFound = (name: string): unknown => newNotFound(podsGr, name);

/** t0 is the fake clock's start in tests. */
export const t0 = Date.parse('2024-05-01T10:00:00Z');

export function template(labels: Record<string, string>, image = 'nginx:1.27'): PodTemplateSpec {
  return {
    metadata: { labels: { ...labels } },
    spec: { containers: [{ name: 'web', image }] },
  };
}

export interface PodOpts {
  ns?: string;
  labels?: Record<string, string>;
  owner?: StoredReplicaSet;
  phase?: 'Pending' | 'Running' | 'Unknown' | 'Succeeded' | 'Failed';
  /** readySince: ms when it became ready; undefined → not ready. */
  readySince?: number;
  node?: string;
  created?: number;
  restarts?: number;
  deleting?: boolean;
  uid?: string;
}

export function pod(name: string, o: PodOpts = {}): StoredPod {
  const p: StoredPod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: o.uid ?? randomUUID(),
      resourceVersion: '1',
      creationTimestamp: formatTime(o.created ?? t0),
      labels: { ...(o.labels ?? o.owner?.spec?.template?.metadata?.labels ?? {}) },
    },
    spec: { containers: [{ name: 'web', image: 'nginx' }] },
    status: { phase: o.phase ?? 'Running' },
  };
  if (o.owner) p.metadata.ownerReferences = [newControllerRef(o.owner, 'apps/v1', 'ReplicaSet')];
  if (o.node) p.spec!.nodeName = o.node;
  if (o.deleting) p.metadata.deletionTimestamp = formatTime(t0);
  if (o.readySince !== undefined) {
    p.status!.conditions = [
      { type: 'Ready', status: 'True', lastTransitionTime: formatTime(o.readySince) },
    ];
  } else {
    p.status!.conditions = [{ type: 'Ready', status: 'False' }];
  }
  if (o.restarts !== undefined) {
    p.status!.containerStatuses = [
      {
        name: 'web',
        ready: o.readySince !== undefined,
        restartCount: o.restarts,
        image: 'nginx',
        imageID: '',
      },
    ];
  }
  return p;
}

export interface RsOpts {
  ns?: string;
  labels?: Record<string, string>;
  minReadySeconds?: number;
  owner?: StoredDeployment;
  generation?: number;
  created?: number;
  annotations?: Record<string, string>;
  template?: PodTemplateSpec;
}

export function replicaSet(name: string, replicas: number, o: RsOpts = {}): StoredReplicaSet {
  const labels = o.labels ?? { app: name };
  const rs: StoredReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: randomUUID(),
      resourceVersion: '1',
      generation: o.generation ?? 1,
      creationTimestamp: formatTime(o.created ?? t0),
      labels: { ...labels },
    },
    spec: {
      replicas,
      selector: { matchLabels: { ...labels } },
      template: o.template ?? template(labels),
    },
    status: { replicas: 0 },
  };
  if (o.minReadySeconds) rs.spec!.minReadySeconds = o.minReadySeconds;
  if (o.owner) rs.metadata.ownerReferences = [newControllerRef(o.owner, 'apps/v1', 'Deployment')];
  if (o.annotations) rs.metadata.annotations = { ...o.annotations };
  return rs;
}

/** Cache is one fake resource: a FakeListerWatcher and a running SharedInformer over it. */
export class Cache<O extends KubeObject & { metadata: { name: string } }> {
  readonly lw = new FakeListerWatcher<O>();
  readonly informer: SharedInformer<O>;

  constructor(clock: FakeClock) {
    this.informer = new SharedInformer(this.lw, { clock });
  }

  /** caughtUp: the informer has applied every write made so far. */
  get caughtUp(): boolean {
    return this.informer.lastSyncResourceVersion === String(this.lw.rv);
  }
}

/** settle lets informers apply pending events (bounded; no timers). */
export async function settle(...caches: { caughtUp: boolean }[]): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (caches.every((c) => c.caughtUp)) {
      // One more turn so handlers' follow-ups (queue adds) have run.
      await new Promise((r) => setImmediate(r));
      return;
    }
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('informers never caught up');
}

/** until waits (bounded, no timers) for a condition that async work will make true. */
export async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}
