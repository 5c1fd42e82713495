/**
 * A fake API for unit tests of the Deployment controller: it keeps
 * Deployments and ReplicaSets like a server (resourceVersion checks,
 * generation bumps, AlreadyExists), records every call, and feeds every
 * write into FakeListerWatchers so the controller's informers see them.
 * Not for production use.
 */
import { randomUUID } from 'node:crypto';
import { newAlreadyExists, newConflict, newNotFound } from '../../api/errors.js';
import type { ReplicaSet, StoredDeployment, StoredReplicaSet } from '../../api/types/index.js';
import type { FakeListerWatcher } from '../../client/index.js';
import type { Clock } from '../../../lib/time.js';
import { formatTime, type RecordedCall } from '../replicaset/index.js';
import type { DeploymentClient } from './client.js';
import { canonicalJson } from './hash.js';

const dGr = { group: 'apps', resource: 'deployments' };
const rsGr = { group: 'apps', resource: 'replicasets' };

/** FakeDeploymentClient is the DeploymentClient of unit tests; see the file comment. */
export class FakeDeploymentClient implements DeploymentClient {
  readonly calls: RecordedCall[] = [];
  /** failCreateReplicaSet injects an error into createReplicaSet. */
  failCreateReplicaSet: ((rs: ReplicaSet) => unknown) | undefined;

  constructor(
    private readonly clock: Clock,
    readonly deployments: FakeListerWatcher<StoredDeployment>,
    readonly replicaSets: FakeListerWatcher<StoredReplicaSet>,
  ) {}

  /** verbs lists the calls of one verb (all when omitted). */
  verbs(verb?: string): RecordedCall[] {
    return verb ? this.calls.filter((c) => c.verb === verb) : [...this.calls];
  }

  private readonly ds = new Map<string, StoredDeployment>();
  // Creation times are whole seconds; each new ReplicaSet gets a later one than
  // the last so that "older" and "newer" are always defined in tests.
  private lastCreated = 0;
  private readonly rss = new Map<string, StoredReplicaSet>();

  private putD(d: StoredDeployment): StoredDeployment {
    const stored = this.deployments.upsert(d);
    this.ds.set(`${stored.metadata.namespace}/${stored.metadata.name}`, stored);
    return stored;
  }

  private putRS(rs: StoredReplicaSet): StoredReplicaSet {
    const stored = this.replicaSets.upsert(rs);
    this.rss.set(`${stored.metadata.namespace}/${stored.metadata.name}`, stored);
    return stored;
  }

  /** addDeployment stores a Deployment as if a user created or replaced it. */
  addDeployment(d: StoredDeployment): StoredDeployment {
    return this.putD(d);
  }

  /**
   * editDeployment changes a stored Deployment as a user would (kubectl
   * edit/patch): generation goes up when the spec changed.
   */
  editDeployment(ns: string, name: string, edit: (d: StoredDeployment) => void): StoredDeployment {
    const cur = this.ds.get(`${ns}/${name}`);
    if (!cur) throw new Error(`no deployment ${ns}/${name}`);
    const next = structuredClone(cur);
    edit(next);
    if (canonicalJson(next.spec) !== canonicalJson(cur.spec)) {
      next.metadata.generation = (cur.metadata.generation ?? 1) + 1;
    }
    return this.putD(next);
  }

  /** addReplicaSet stores a ReplicaSet as if it existed already. */
  addReplicaSet(rs: StoredReplicaSet): StoredReplicaSet {
    return this.putRS(rs);
  }

  /** setReplicaSetStatus writes a ReplicaSet's status, as its controller would. */
  setReplicaSetStatus(
    ns: string,
    name: string,
    status: StoredReplicaSet['status'],
  ): StoredReplicaSet {
    const cur = this.rss.get(`${ns}/${name}`);
    if (!cur) throw new Error(`no replica set ${ns}/${name}`);
    return this.putRS({ ...structuredClone(cur), status: structuredClone(status) });
  }

  /** deployment reads the stored Deployment. */
  deployment(ns: string, name: string): StoredDeployment | undefined {
    return this.ds.get(`${ns}/${name}`);
  }

  /** replicaSet reads a stored ReplicaSet. */
  replicaSet(ns: string, name: string): StoredReplicaSet | undefined {
    return this.rss.get(`${ns}/${name}`);
  }

  /** replicaSetList reads every stored ReplicaSet. */
  replicaSetList(): StoredReplicaSet[] {
    return [...this.rss.values()];
  }

  private created(): number {
    this.lastCreated = Math.max(this.clock.now(), this.lastCreated + 1000);
    return this.lastCreated;
  }

  getDeployment(namespace: string, name: string): Promise<StoredDeployment> {
    this.calls.push({ verb: 'getDeployment', namespace, name });
    const d = this.deployment(namespace, name);
    return d ? Promise.resolve(structuredClone(d)) : Promise.reject(newNotFound(dGr, name));
  }

  updateDeploymentStatus(d: StoredDeployment): Promise<StoredDeployment> {
    const ns = d.metadata.namespace ?? '';
    this.calls.push({
      verb: 'updateDeploymentStatus',
      namespace: ns,
      name: d.metadata.name,
      body: structuredClone(d.status),
    });
    const cur = this.deployment(ns, d.metadata.name);
    if (!cur) return Promise.reject(newNotFound(dGr, d.metadata.name));
    if (cur.metadata.resourceVersion !== d.metadata.resourceVersion) {
      return Promise.reject(newConflict(dGr, d.metadata.name));
    }
    const next = structuredClone(cur);
    if (d.status) next.status = structuredClone(d.status);
    else delete next.status;
    return Promise.resolve(this.putD(next));
  }

  patchDeployment(namespace: string, name: string, patch: unknown): Promise<StoredDeployment> {
    this.calls.push({ verb: 'patchDeployment', namespace, name, body: patch });
    const cur = this.deployment(namespace, name);
    if (!cur) return Promise.reject(newNotFound(dGr, name));
    const next = structuredClone(cur);
    const ann = (patch as { metadata?: { annotations?: Record<string, string> } }).metadata
      ?.annotations;
    if (ann) next.metadata.annotations = { ...next.metadata.annotations, ...ann };
    return Promise.resolve(this.putD(next));
  }

  createReplicaSet(namespace: string, rs: ReplicaSet): Promise<StoredReplicaSet> {
    const name = rs.metadata?.name ?? '';
    this.calls.push({ verb: 'createReplicaSet', namespace, name, body: structuredClone(rs) });
    const err = this.failCreateReplicaSet?.(rs);
    if (err !== undefined) return Promise.reject(err);
    if (this.rss.has(`${namespace}/${name}`)) {
      return Promise.reject(newAlreadyExists(rsGr, name));
    }
    const stored = structuredClone(rs) as StoredReplicaSet;
    stored.metadata = {
      ...stored.metadata,
      name,
      namespace,
      uid: randomUUID(),
      resourceVersion: '',
      generation: 1,
      creationTimestamp: formatTime(this.created()),
    };
    stored.status = { replicas: 0 };
    return Promise.resolve(this.putRS(stored));
  }

  updateReplicaSet(rs: StoredReplicaSet): Promise<StoredReplicaSet> {
    const ns = rs.metadata.namespace ?? '';
    this.calls.push({
      verb: 'updateReplicaSet',
      namespace: ns,
      name: rs.metadata.name,
      body: structuredClone(rs),
    });
    const cur = this.rss.get(`${ns}/${rs.metadata.name}`);
    if (!cur) return Promise.reject(newNotFound(rsGr, rs.metadata.name));
    if (cur.metadata.resourceVersion !== rs.metadata.resourceVersion) {
      return Promise.reject(newConflict(rsGr, rs.metadata.name));
    }
    const next = structuredClone(rs);
    next.status = structuredClone(cur.status);
    if (canonicalJson(cur.spec) !== canonicalJson(rs.spec)) {
      next.metadata.generation = (cur.metadata.generation ?? 1) + 1;
    }
    return Promise.resolve(this.putRS(next));
  }

  deleteReplicaSet(namespace: string, name: string, uid: string): Promise<void> {
    this.calls.push({ verb: 'deleteReplicaSet', namespace, name, body: { uid } });
    if (!this.rss.delete(`${namespace}/${name}`)) return Promise.reject(newNotFound(rsGr, name));
    this.replicaSets.remove(`${namespace}/${name}`);
    return Promise.resolve();
  }

  patchReplicaSet(namespace: string, name: string, patch: unknown): Promise<StoredReplicaSet> {
    this.calls.push({ verb: 'patchReplicaSet', namespace, name, body: patch });
    const cur = this.rss.get(`${namespace}/${name}`);
    if (!cur) return Promise.reject(newNotFound(rsGr, name));
    const next = structuredClone(cur);
    const refs = (patch as { metadata: { ownerReferences: { uid: string; $patch?: string }[] } })
      .metadata.ownerReferences;
    for (const r of refs) {
      const others = (next.metadata.ownerReferences ?? []).filter((x) => x.uid !== r.uid);
      next.metadata.ownerReferences =
        r.$patch === 'delete'
          ? others
          : [...others, r as NonNullable<typeof next.metadata.ownerReferences>[number]];
    }
    return Promise.resolve(this.putRS(next));
  }
}
