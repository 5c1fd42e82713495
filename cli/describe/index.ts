/**
 * `describe` pages as kubectl prints them, one describer per kind (Pod,
 * Deployment, ReplicaSet, Service, Endpoints, Node, Namespace, ConfigMap,
 * Secret, HorizontalPodAutoscaler) and kubectl's generic describer for the
 * rest (Event, Lease). Describers are pure apart from what they read
 * through a DescribeSource, so tests run them on fixtures.
 */
import type { ResourceInfo } from '../../controlplane/api/resources.js';
import { describeConfigMap, describeNamespace, describeSecret } from './config.js';
import { describeGeneric } from './generic.js';
import { describeHpa } from './hpa.js';
import { describeNode } from './node.js';
import { describePod } from './pod.js';
import { describeEndpoints, describeService } from './service.js';
import type { Describer } from './source.js';
import { describeDeployment, describeReplicaSet } from './workloads.js';

const describers = new Map<string, Describer>([
  ['/Pod', describePod],
  ['apps/Deployment', describeDeployment],
  ['apps/ReplicaSet', describeReplicaSet],
  ['/Service', describeService],
  ['/Endpoints', describeEndpoints],
  ['/Node', describeNode],
  ['/Namespace', describeNamespace],
  ['/ConfigMap', describeConfigMap],
  ['/Secret', describeSecret],
  ['autoscaling/HorizontalPodAutoscaler', describeHpa],
]);

/** describerFor returns the describer of a resource's kind (the generic one when there is none). */
export function describerFor(info: Pick<ResourceInfo, 'group' | 'kind'>): Describer {
  return describers.get(`${info.group}/${info.kind}`) ?? describeGeneric;
}

export type { DescribeSource, Describer, ListQuery } from './source.js';
export { DescribeWriter, rfc1123z } from './writer.js';
export { smartLabel } from './generic.js';
