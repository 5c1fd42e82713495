import type { ResourceInfo } from '../../../api/resources.js';
import type { Strategy } from '../strategy.js';
import { namespaceStrategy } from './namespaces.js';
import { podStrategy } from './pods.js';
import { Ipv4Range, PortRange } from './ranges.js';
import { serviceStrategy } from './services.js';
import {
  deploymentStrategy,
  endpointsStrategy,
  eventStrategy,
  hpaStrategy,
  nodeStrategy,
  replicaSetStrategy,
  secretStrategy,
} from './simple.js';

export { Ipv4Range, PortRange } from './ranges.js';

export interface StrategyOptions {
  /** serviceClusterIpRange is --service-cluster-ip-range (default 10.96.0.0/12). */
  serviceClusterIpRange: string;
  /** serviceNodePortRange is --service-node-port-range (default 30000-32767). */
  serviceNodePortRange: string;
  /** eventTtlSeconds is --event-ttl (default 1 h). */
  eventTtlSeconds: number;
}

/** strategies returns the function that picks each resource's strategy. */
export function strategies(opts: StrategyOptions): (info: ResourceInfo) => Strategy {
  const byResource: Record<string, Strategy> = {
    '/namespaces': namespaceStrategy,
    '/pods': podStrategy,
    '/nodes': nodeStrategy,
    '/services': serviceStrategy(
      Ipv4Range.parse(opts.serviceClusterIpRange),
      PortRange.parse(opts.serviceNodePortRange),
    ),
    '/endpoints': endpointsStrategy,
    '/secrets': secretStrategy,
    '/events': eventStrategy(opts.eventTtlSeconds),
    'apps/deployments': deploymentStrategy,
    'apps/replicasets': replicaSetStrategy,
    'autoscaling/horizontalpodautoscalers': hpaStrategy,
  };
  return (info) => byResource[`${info.group}/${info.resource}`] ?? {};
}
