import type { Service, ServicePort, ServiceSpec } from '../types/index.js';
import { isUnset, list, rec } from './util.js';

const needsClusterIP = (s: ServiceSpec | undefined): boolean =>
  s !== undefined && s.type !== 'ExternalName';
const needsNodePorts = (s: ServiceSpec | undefined): boolean =>
  s?.type === 'NodePort' || s?.type === 'LoadBalancer';

/**
 * preserveServiceAllocations copies what the registry allocated on create
 * into an update that left it out (a `kubectl replace` or PUT of the original
 * manifest): cluster IPs and IP families while both versions need a cluster
 * IP, node ports of ports with the same port and protocol while both need node
 * ports, and the health-check node port. Kubernetes' service strategy does the
 * same in PrepareForUpdate. Mutates `svc`; idempotent.
 */
export function preserveServiceAllocations(svc: Service, old: Service): void {
  const spec = rec<ServiceSpec>(svc.spec);
  const oldSpec = rec<ServiceSpec>(old.spec);
  if (!spec || !oldSpec) return;
  const newType = spec.type ?? 'ClusterIP';
  const effective: ServiceSpec = { ...spec, type: newType };
  if (needsClusterIP(effective) && needsClusterIP(oldSpec)) {
    if (isUnset(spec.clusterIP) && !isUnset(oldSpec.clusterIP)) {
      spec.clusterIP = oldSpec.clusterIP;
      if (!Array.isArray(spec.clusterIPs) || spec.clusterIPs.length === 0) {
        spec.clusterIPs = oldSpec.clusterIPs ? [...oldSpec.clusterIPs] : undefined;
        if (spec.clusterIPs === undefined) delete spec.clusterIPs;
      }
      if (!Array.isArray(spec.ipFamilies) && oldSpec.ipFamilies) {
        spec.ipFamilies = [...oldSpec.ipFamilies];
      }
      if (isUnset(spec.ipFamilyPolicy) && oldSpec.ipFamilyPolicy) {
        spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
      }
    }
  }
  if (needsNodePorts(effective) && needsNodePorts(oldSpec)) {
    const oldPorts = list<ServicePort>(oldSpec.ports);
    for (const p of list<ServicePort>(spec.ports)) {
      if (!isUnset(p.nodePort)) continue;
      const match = oldPorts.find(
        (o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'),
      );
      if (match && !isUnset(match.nodePort)) p.nodePort = match.nodePort;
    }
  }
  if (
    spec.type === 'LoadBalancer' &&
    spec.externalTrafficPolicy === 'Local' &&
    isUnset(spec.healthCheckNodePort) &&
    !isUnset(oldSpec.healthCheckNodePort)
  ) {
    spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  }
}
