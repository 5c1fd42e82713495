import type { StoredNode } from '../../api/types/index.js';
import { ANY_IP, type HostPort, type PodInfo } from './pod-info.js';
import { Resources } from './resources.js';

/**
 * HostPortSet counts the host ports in use on a node by protocol, port and
 * IP. A port bound on `0.0.0.0` conflicts with that port on every IP.
 */
export class HostPortSet {
  // `${protocol}/${port}` → ip → how many pods claim it
  private readonly used = new Map<string, Map<string, number>>();

  add(p: HostPort): void {
    const k = `${p.protocol}/${p.port}`;
    let ips = this.used.get(k);
    if (!ips) this.used.set(k, (ips = new Map()));
    ips.set(p.ip, (ips.get(p.ip) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const k = `${p.protocol}/${p.port}`;
    const ips = this.used.get(k);
    const n = ips?.get(p.ip);
    if (!ips || n === undefined) return;
    if (n > 1) ips.set(p.ip, n - 1);
    else ips.delete(p.ip);
    if (ips.size === 0) this.used.delete(k);
  }

  /** conflicts tells whether claiming `p` would collide with a port in use. */
  conflicts(p: HostPort): boolean {
    const ips = this.used.get(`${p.protocol}/${p.port}`);
    if (!ips) return false;
    if (p.ip === ANY_IP) return ips.size > 0;
    return ips.has(ANY_IP) || ips.has(p.ip);
  }

  get size(): number {
    return this.used.size;
  }
}

/**
 * NodeInfo is the scheduler's view of one node: the Node object (absent for a
 * "ghost" that still has pods bound to it after the Node was deleted), its
 * allocatable resources, and the pods on it — bound ones and ones this
 * scheduler has assumed but not yet seen bound — with their summed requests
 * and host ports. The cache owns it; plugins only read it.
 */
export class NodeInfo {
  node: StoredNode | undefined;
  allocatable = new Resources();
  readonly pods = new Map<string, PodInfo>();
  readonly requested = new Resources();
  /** nonZeroCpu and nonZeroMemory sum requests with the scoring defaults. */
  nonZeroCpu = 0n;
  nonZeroMemory = 0n;
  readonly usedPorts = new HostPortSet();

  constructor(readonly name: string) {}

  /** setNode records the Node object (or clears it) and re-reads allocatable. */
  setNode(node: StoredNode | undefined): void {
    this.node = node;
    this.allocatable = Resources.fromList(node?.status?.allocatable);
  }

  /** podCount is the number of pods on the node, assumed ones included. */
  get podCount(): number {
    return this.pods.size;
  }

  /** addPod accounts for a pod; one already present (by uid) is replaced. */
  addPod(pi: PodInfo): void {
    this.removePod(pi.uid);
    this.pods.set(pi.uid, pi);
    this.requested.add(pi.requests);
    this.nonZeroCpu += pi.nonZeroCpu;
    this.nonZeroMemory += pi.nonZeroMemory;
    for (const p of pi.hostPorts) this.usedPorts.add(p);
  }

  /** removePod stops accounting for the pod with `uid`; false if it was not here. */
  removePod(uid: string): boolean {
    const pi = this.pods.get(uid);
    if (!pi) return false;
    this.pods.delete(uid);
    this.requested.sub(pi.requests);
    this.nonZeroCpu -= pi.nonZeroCpu;
    this.nonZeroMemory -= pi.nonZeroMemory;
    for (const p of pi.hostPorts) this.usedPorts.remove(p);
    return true;
  }
}
