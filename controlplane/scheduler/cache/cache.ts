import type { StoredNode, StoredPod } from '../../api/types/index.js';
import { NodeInfo } from './node-info.js';
import { podInfoOf, type PodInfo } from './pod-info.js';

interface PodState {
  info: PodInfo;
  node: string;
  /** assumed: placed by this scheduler, its binding not yet seen in the informer. */
  assumed: boolean;
  bindingFinished: boolean;
}

/** CacheError is a misuse of the cache (assuming a pod twice, assuming an unbound pod). */
export class CacheError extends Error {
  override name = 'CacheError';
}

/**
 * SchedulerCache is the node-by-node accounting the filters and scores read
 * (kube-scheduler's internal cache): Nodes from the node informer, bound pods
 * from the pod informer, and pods *assumed* by this scheduler — counted on
 * their chosen node as soon as it is chosen, before the binding's watch
 * event arrives, so the next pod sees the resources as taken. The informer's
 * add confirms an assumed pod (on whichever node it really landed); a failed
 * binding forgets it. Single-threaded: the scheduler reads it synchronously
 * within one scheduling cycle, so there is no snapshot to copy.
 */
export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();

  /** nodeInfos lists the nodes that exist (not ghosts), sorted by name. */
  nodeInfos(): NodeInfo[] {
    return [...this.nodes.values()]
      .filter((n) => n.node !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** nodeInfo returns one node's info, ghost or not. */
  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  /** nodeCount is the number of existing nodes. */
  get nodeCount(): number {
    let n = 0;
    for (const ni of this.nodes.values()) if (ni.node) n++;
    return n;
  }

  /** podCount is the number of pods accounted for, assumed ones included. */
  get podCount(): number {
    return this.podStates.size;
  }

  /** addNode records a new or changed Node. */
  addNode(node: StoredNode): void {
    this.infoFor(node.metadata.name).setNode(node);
  }

  /** removeNode forgets a Node; its info stays as a ghost while pods are still bound to it. */
  removeNode(node: StoredNode): void {
    const ni = this.nodes.get(node.metadata.name);
    if (!ni) return;
    ni.setNode(undefined);
    if (ni.podCount === 0) this.nodes.delete(ni.name);
  }

  /** isAssumed tells whether the pod with `uid` is assumed and not yet confirmed. */
  isAssumed(uid: string): boolean {
    return this.podStates.get(uid)?.assumed === true;
  }

  /**
   * assumePod counts `pod` (whose spec.nodeName is the chosen node) on that
   * node ahead of its binding. It throws a CacheError if the pod is already
   * in the cache or has no node.
   */
  assumePod(pod: StoredPod): void {
    const node = pod.spec?.nodeName;
    if (!node) throw new CacheError(`pod ${pod.metadata.name} has no nodeName to assume`);
    if (this.podStates.has(pod.metadata.uid)) {
      throw new CacheError(
        `pod ${pod.metadata.name} (${pod.metadata.uid}) is already in the cache`,
      );
    }
    const info = podInfoOf(pod);
    this.infoFor(node).addPod(info);
    this.podStates.set(info.uid, { info, node, assumed: true, bindingFinished: false });
  }

  /** finishBinding notes that the binding of an assumed pod was accepted. */
  finishBinding(pod: StoredPod): void {
    const st = this.podStates.get(pod.metadata.uid);
    if (st?.assumed) st.bindingFinished = true;
  }

  /** forgetPod undoes `assumePod` after a failed binding; false if the pod is not assumed. */
  forgetPod(pod: StoredPod): boolean {
    const st = this.podStates.get(pod.metadata.uid);
    if (!st?.assumed) return false;
    this.drop(st);
    return true;
  }

  /**
   * addPod accounts for a bound pod seen by the informer. An assumed pod is
   * confirmed (and moved if it landed elsewhere); a known one is updated.
   * Pods without a node are ignored.
   */
  addPod(pod: StoredPod): void {
    const node = pod.spec?.nodeName;
    if (!node) return;
    const old = this.podStates.get(pod.metadata.uid);
    if (old) this.drop(old);
    const info = podInfoOf(pod);
    this.infoFor(node).addPod(info);
    this.podStates.set(info.uid, { info, node, assumed: false, bindingFinished: true });
  }

  /** updatePod re-accounts a bound pod that changed. */
  updatePod(pod: StoredPod): void {
    this.addPod(pod);
  }

  /** removePod stops accounting for a pod (deleted or finished); unknown pods are ignored. */
  removePod(pod: StoredPod): void {
    const st = this.podStates.get(pod.metadata.uid);
    if (st) this.drop(st);
  }

  private drop(st: PodState): void {
    this.podStates.delete(st.info.uid);
    const ni = this.nodes.get(st.node);
    if (!ni) return;
    ni.removePod(st.info.uid);
    if (!ni.node && ni.podCount === 0) this.nodes.delete(ni.name);
  }

  private infoFor(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) this.nodes.set(name, (ni = new NodeInfo(name)));
    return ni;
  }
}
