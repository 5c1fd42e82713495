import type {
  Deployment,
  DeploymentStrategy,
  EndpointSubset,
  HPAScalingRules,
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerBehavior,
  HorizontalPodAutoscalerV1,
  Namespace,
  Node,
  PodSpec,
  ReplicaSet,
  Secret,
  Service,
  ServiceSpec,
} from '../types/index.js';
import { defaultPodSpec } from './pod.js';
import { child, isUnset, list, rec } from './util.js';

/** Per-kind defaults other than Pod's; each mutates in place and is idempotent. */

function defaultTemplate(template: unknown): void {
  const spec = rec<PodSpec>(rec(template)?.spec);
  if (spec) defaultPodSpec(spec);
}

/** defaultDeployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600. */
export function defaultDeployment(d: Deployment): void {
  const spec = rec<NonNullable<Deployment['spec']>>(d.spec);
  if (!spec) return;
  if (spec.replicas === undefined) spec.replicas = 1;
  const strategy = child<DeploymentStrategy>(spec, 'strategy');
  if (isUnset(strategy.type)) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = child<NonNullable<DeploymentStrategy['rollingUpdate']>>(strategy, 'rollingUpdate');
    if (ru.maxUnavailable === undefined) ru.maxUnavailable = '25%';
    if (ru.maxSurge === undefined) ru.maxSurge = '25%';
  }
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds === undefined) spec.progressDeadlineSeconds = 600;
  defaultTemplate(spec.template);
}

/** defaultReplicaSet: replicas 1 and the pod template defaults. */
export function defaultReplicaSet(rs: ReplicaSet): void {
  const spec = rec<NonNullable<ReplicaSet['spec']>>(rs.spec);
  if (!spec) return;
  if (spec.replicas === undefined) spec.replicas = 1;
  defaultTemplate(spec.template);
}

function normalizeClusterIPs(spec: ServiceSpec): void {
  const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  if (!isUnset(spec.clusterIP) && ips.length === 0) spec.clusterIPs = [spec.clusterIP as string];
  if (isUnset(spec.clusterIP) && typeof ips[0] === 'string') spec.clusterIP = ips[0];
}

/**
 * defaultService: type ClusterIP, sessionAffinity None (ClientIP gets a
 * 10800 s timeout), port protocol TCP, targetPort = port, traffic policies
 * Cluster, ipFamilyPolicy/ipFamilies (SingleStack IPv4; RequireDualStack for a
 * headless service without selector, as Kubernetes allocates), and
 * clusterIP/clusterIPs kept consistent. The cluster IP itself is allocated by
 * the registry, not here.
 */
export function defaultService(svc: Service): void {
  const spec = rec<ServiceSpec>(svc.spec);
  if (!spec) return;
  if (isUnset(spec.sessionAffinity)) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = child<NonNullable<ServiceSpec['sessionAffinityConfig']>>(
      spec,
      'sessionAffinityConfig',
    );
    const clientIP = child<{ timeoutSeconds?: number }>(cfg, 'clientIP');
    if (clientIP.timeoutSeconds === undefined) clientIP.timeoutSeconds = 10800;
  }
  if (isUnset(spec.type)) spec.type = 'ClusterIP';
  for (const p of list(spec.ports)) {
    if (isUnset(p.protocol)) p.protocol = 'TCP';
    if (isUnset(p.targetPort)) p.targetPort = p.port;
  }
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  if (external && isUnset(spec.externalTrafficPolicy)) spec.externalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) {
    spec.allocateLoadBalancerNodePorts = true;
  }
  if (spec.type !== 'ExternalName') {
    if (isUnset(spec.internalTrafficPolicy)) spec.internalTrafficPolicy = 'Cluster';
    normalizeClusterIPs(spec);
    const headlessNoSelector =
      spec.clusterIP === 'None' && Object.keys(rec(spec.selector) ?? {}).length === 0;
    if (isUnset(spec.ipFamilyPolicy)) {
      spec.ipFamilyPolicy = headlessNoSelector ? 'RequireDualStack' : 'SingleStack';
    }
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) {
      spec.ipFamilies = spec.ipFamilyPolicy === 'SingleStack' ? ['IPv4'] : ['IPv4', 'IPv6'];
    }
  }
}

/** defaultEndpoints: port protocol TCP. */
export function defaultEndpoints(subsets: unknown): void {
  for (const s of list<EndpointSubset>(subsets)) {
    for (const p of list(s.ports)) if (isUnset(p.protocol)) p.protocol = 'TCP';
  }
}

/** defaultSecret: type Opaque; stringData is merged into data (base64) and removed, as decoding does. */
export function defaultSecret(s: Secret): void {
  if (isUnset(s.type)) s.type = 'Opaque';
  const stringData = rec<Record<string, unknown>>(s.stringData);
  if (stringData) {
    const data = child<Record<string, string>>(s, 'data');
    for (const [k, v] of Object.entries(stringData)) {
      if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
    }
  }
  delete s.stringData;
}

/**
 * defaultNamespace: the `kubernetes.io/metadata.name` label, status.phase
 * Active, and on create the `kubernetes` finalizer.
 */
export function defaultNamespace(n: Namespace, create: boolean): void {
  const name = rec(n.metadata)?.name;
  if (typeof name === 'string' && name !== '') {
    const labels = child<Record<string, string>>(child(n, 'metadata'), 'labels');
    labels['kubernetes.io/metadata.name'] = name;
  }
  if (create) {
    const spec = child<NonNullable<Namespace['spec']>>(n, 'spec');
    if (!Array.isArray(spec.finalizers) || spec.finalizers.length === 0) {
      spec.finalizers = ['kubernetes'];
    }
  }
  const status = child<NonNullable<Namespace['status']>>(n, 'status');
  if (isUnset(status.phase)) status.phase = 'Active';
}

/** defaultNode: podCIDR and podCIDRs kept consistent; allocatable defaults to capacity. */
export function defaultNode(n: Node): void {
  const spec = rec<NonNullable<Node['spec']>>(n.spec);
  if (spec) {
    const cidrs = Array.isArray(spec.podCIDRs) ? spec.podCIDRs : [];
    if (!isUnset(spec.podCIDR) && cidrs.length === 0) spec.podCIDRs = [spec.podCIDR as string];
    if (isUnset(spec.podCIDR) && typeof cidrs[0] === 'string') spec.podCIDR = cidrs[0];
  }
  const status = rec<NonNullable<Node['status']>>(n.status);
  if (status && rec(status.capacity) && !rec(status.allocatable)) {
    status.allocatable = { ...status.capacity };
  }
}

/** defaultCpuUtilization is the target an HPA without metrics gets (percent). */
export const defaultCpuUtilization = 80;

/** scaleUpRules and scaleDownRules are Kubernetes' default HPA behavior. */
export function scaleUpRules(): HPAScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

export function scaleDownRules(): HPAScalingRules {
  return {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

function fillRules(r: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  if (!r) return defaults;
  if (r.stabilizationWindowSeconds === undefined) {
    r.stabilizationWindowSeconds = defaults.stabilizationWindowSeconds;
  }
  if (isUnset(r.selectPolicy)) r.selectPolicy = defaults.selectPolicy;
  if (!Array.isArray(r.policies)) r.policies = defaults.policies;
  return r;
}

/**
 * defaultHpa (autoscaling/v2): minReplicas 1, a CPU 80% utilization metric
 * when none is given, and a given behavior completed with the default rules.
 */
export function defaultHpa(h: HorizontalPodAutoscaler): void {
  const spec = rec<NonNullable<HorizontalPodAutoscaler['spec']>>(h.spec);
  if (!spec) return;
  if (spec.minReplicas === undefined) spec.minReplicas = 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [
      {
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: { type: 'Utilization', averageUtilization: defaultCpuUtilization },
        },
      },
    ];
  }
  const behavior = rec<HorizontalPodAutoscalerBehavior>(spec.behavior);
  if (behavior) {
    behavior.scaleUp = fillRules(rec(behavior.scaleUp), scaleUpRules());
    behavior.scaleDown = fillRules(rec(behavior.scaleDown), scaleDownRules());
  }
}

/** defaultHpaV1 (autoscaling/v1): minReplicas 1. */
export function defaultHpaV1(h: HorizontalPodAutoscalerV1): void {
  const spec = rec<NonNullable<HorizontalPodAutoscalerV1['spec']>>(h.spec);
  if (spec && spec.minReplicas === undefined) spec.minReplicas = 1;
}
