import type { StoredPod } from '../../api/types/index.js';
import { keyOf } from '../../client/index.js';
import { CPU, MEMORY, podRequests, type Resources } from './resources.js';

/** HostPort is one `hostPort` a pod claims on its node: IP (`0.0.0.0` for all), protocol, port. */
export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

/** ANY_IP is the host IP a port without `hostIP` binds to. */
export const ANY_IP = '0.0.0.0';

/**
 * PodInfo is a pod plus what scheduling derives from it, computed once:
 * requests (real, and with the non-zero defaults for scoring), host ports,
 * and the uid of its controller (for spreading).
 */
export interface PodInfo {
  readonly pod: StoredPod;
  /** key is `namespace/name`. */
  readonly key: string;
  readonly uid: string;
  readonly namespace: string;
  readonly requests: Resources;
  readonly nonZeroCpu: bigint;
  readonly nonZeroMemory: bigint;
  readonly hostPorts: readonly HostPort[];
  /** controllerUid is the uid of the owner reference with `controller: true`, if any. */
  readonly controllerUid: string | undefined;
}

/** hostPortsOf lists the host ports of a pod's app containers and sidecars. */
export function hostPortsOf(pod: StoredPod): HostPort[] {
  const out: HostPort[] = [];
  const containers = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'),
  ];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || ANY_IP, protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

/** podInfoOf computes a PodInfo. It never throws for a malformed pod. */
export function podInfoOf(pod: StoredPod): PodInfo {
  const namespace = pod.metadata.namespace ?? '';
  const nonZero = podRequests(pod.spec, true);
  return {
    pod,
    key: keyOf(namespace, pod.metadata.name),
    uid: pod.metadata.uid,
    namespace,
    requests: podRequests(pod.spec),
    nonZeroCpu: nonZero.get(CPU),
    nonZeroMemory: nonZero.get(MEMORY),
    hostPorts: hostPortsOf(pod),
    controllerUid: pod.metadata.ownerReferences?.find((r) => r.controller === true)?.uid,
  };
}
