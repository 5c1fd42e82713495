import { randomBytes, randomUUID } from 'node:crypto';
import { findResource } from '../../controlplane/api/resources.js';
import type {
  Event,
  Namespace,
  Node,
  Pod,
  PodSpec,
  StoredEvent,
  StoredPod,
} from '../../controlplane/api/types/index.js';
import type { ResourceClient, RestClient } from '../../controlplane/client/index.js';
import { waitFor } from '../../lib/wait.js';

export const podsInfo = findResource('', 'v1', 'pods')!;
export const nodesInfo = findResource('', 'v1', 'nodes')!;
const eventsInfo = findResource('', 'v1', 'events')!;
const namespacesInfo = findResource('', 'v1', 'namespaces')!;

/** Cluster wraps the typed clients the scheduler tests use. */
export class Cluster {
  readonly pods: ResourceClient<Pod>;
  readonly nodes: ResourceClient<Node>;
  readonly events: ResourceClient<Event>;

  constructor(readonly rest: RestClient) {
    this.pods = rest.resource<Pod>(podsInfo);
    this.nodes = rest.resource<Node>(nodesInfo);
    this.events = rest.resource<Event>(eventsInfo);
  }

  /** namespace creates a fresh namespace with a unique name. */
  async namespace(prefix: string): Promise<string> {
    const name = `${prefix}-${randomBytes(3).toString('hex')}`;
    await this.rest.resource<Namespace>(namespacesInfo).create({ metadata: { name } });
    return name;
  }

  /** node creates a Ready node with `allocatable` (default 4 cpu, 8Gi, 110 pods). */
  async node(
    name: string,
    o: {
      allocatable?: Record<string, string>;
      labels?: Record<string, string>;
      spec?: Node['spec'];
    } = {},
  ): Promise<void> {
    await this.nodes.create({
      metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
      spec: { ...o.spec },
      status: {
        allocatable: o.allocatable ?? { cpu: '4', memory: '8Gi', pods: '110' },
        capacity: o.allocatable ?? { cpu: '4', memory: '8Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
      },
    });
  }

  /** patchNode merge-patches a node (labels, taints…). */
  async patchNode(name: string, patch: unknown): Promise<void> {
    await this.nodes.patch(name, 'merge', patch);
  }

  /** pod creates a pod with one container requesting `requests`. */
  async pod(
    ns: string,
    name: string,
    o: { requests?: Record<string, string>; owner?: string; spec?: Partial<PodSpec> } = {},
  ): Promise<StoredPod> {
    return this.pods.namespace(ns).create({
      metadata: {
        name,
        ...(o.owner
          ? {
              ownerReferences: [
                {
                  apiVersion: 'apps/v1',
                  kind: 'ReplicaSet',
                  name: 'web',
                  uid: o.owner,
                  controller: true,
                },
              ],
            }
          : {}),
      },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'busybox',
            ...(o.requests ? { resources: { requests: o.requests } } : {}),
          },
        ],
        ...o.spec,
      },
    });
  }

  /** waitBound waits until the pod is bound and returns its node. */
  async waitBound(ns: string, name: string, timeoutMs = 30_000): Promise<string> {
    return waitFor(
      async () => (await this.pods.namespace(ns).get(name)).spec?.nodeName || undefined,
      { timeoutMs, what: `pod ${ns}/${name} to be bound` },
    );
  }

  /** waitUnschedulable waits for PodScheduled=False and returns its message. */
  async waitUnschedulable(ns: string, name: string): Promise<string> {
    return waitFor(
      async () => {
        const p = await this.pods.namespace(ns).get(name);
        const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
        return c?.status === 'False' && c.reason === 'Unschedulable'
          ? (c.message ?? '')
          : undefined;
      },
      { timeoutMs: 30_000, what: `pod ${ns}/${name} to be marked unschedulable` },
    );
  }

  /** eventsFor lists the events about one pod. */
  async eventsFor(ns: string, name: string): Promise<StoredEvent[]> {
    const list = await this.events
      .namespace(ns)
      .list({ fieldSelector: `involvedObject.name=${name},involvedObject.kind=Pod` });
    return list.items;
  }

  /** deletePod deletes at once (no node agent runs to finish a graceful delete). */
  async deletePod(ns: string, name: string): Promise<void> {
    await this.pods.namespace(ns).delete(name, { gracePeriodSeconds: 0 });
  }
}

/** ownerUid makes a uid for a pretend ReplicaSet. */
export const ownerUid = (): string => randomUUID();
