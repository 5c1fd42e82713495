import { kinds } from '../types/gvk.js';
import {
  arr,
  bool,
  byKey,
  def,
  int32,
  int64,
  intOrString,
  kindRoot,
  ns,
  quantity,
  ref,
  str,
  time,
  type Definitions,
} from './dsl.js';

const a = (n: string): string => `${ns.apps}${n}`;
const v2 = (n: string): string => `${ns.autoscalingV2}${n}`;
const v1 = (n: string): string => `${ns.autoscalingV1}${n}`;
const selector = ref(`${ns.meta}LabelSelector`);
const podTemplate = ref(`${ns.core}PodTemplateSpec`);

/** apps/v1 Deployment and ReplicaSet. */
export const appsDefs: Definitions = {
  [a('Deployment')]: kindRoot(kinds.Deployment, {
    spec: ref(a('DeploymentSpec')),
    status: ref(a('DeploymentStatus')),
  }),
  [a('DeploymentSpec')]: def(
    {
      replicas: int32,
      selector,
      template: podTemplate,
      strategy: ref(a('DeploymentStrategy')),
      minReadySeconds: int32,
      revisionHistoryLimit: int32,
      paused: bool,
      progressDeadlineSeconds: int32,
    },
    ['selector', 'template'],
  ),
  [a('DeploymentStrategy')]: def({
    type: str,
    rollingUpdate: ref(a('RollingUpdateDeployment')),
  }),
  [a('RollingUpdateDeployment')]: def({ maxUnavailable: intOrString, maxSurge: intOrString }),
  [a('DeploymentStatus')]: def({
    observedGeneration: int64,
    replicas: int32,
    updatedReplicas: int32,
    readyReplicas: int32,
    availableReplicas: int32,
    unavailableReplicas: int32,
    terminatingReplicas: int32,
    conditions: arr(ref(a('DeploymentCondition')), byKey('type')),
    collisionCount: int32,
  }),
  [a('DeploymentCondition')]: def(
    {
      type: str,
      status: str,
      lastUpdateTime: time,
      lastTransitionTime: time,
      reason: str,
      message: str,
    },
    ['type', 'status'],
  ),
  [a('ReplicaSet')]: kindRoot(kinds.ReplicaSet, {
    spec: ref(a('ReplicaSetSpec')),
    status: ref(a('ReplicaSetStatus')),
  }),
  [a('ReplicaSetSpec')]: def(
    { replicas: int32, minReadySeconds: int32, selector, template: podTemplate },
    ['selector'],
  ),
  [a('ReplicaSetStatus')]: def(
    {
      replicas: int32,
      fullyLabeledReplicas: int32,
      readyReplicas: int32,
      availableReplicas: int32,
      terminatingReplicas: int32,
      observedGeneration: int64,
      conditions: arr(ref(a('ReplicaSetCondition')), byKey('type')),
    },
    ['replicas'],
  ),
  [a('ReplicaSetCondition')]: def(
    { type: str, status: str, lastTransitionTime: time, reason: str, message: str },
    ['type', 'status'],
  ),
};

const hpaCondition = (): Definitions[string] =>
  def({ type: str, status: str, lastTransitionTime: time, reason: str, message: str }, [
    'type',
    'status',
  ]);

/** autoscaling/v2 HorizontalPodAutoscaler. */
export const autoscalingV2Defs: Definitions = {
  [v2('HorizontalPodAutoscaler')]: kindRoot(kinds.HorizontalPodAutoscaler, {
    spec: ref(v2('HorizontalPodAutoscalerSpec')),
    status: ref(v2('HorizontalPodAutoscalerStatus')),
  }),
  [v2('CrossVersionObjectReference')]: def({ kind: str, name: str, apiVersion: str }, [
    'kind',
    'name',
  ]),
  [v2('HorizontalPodAutoscalerSpec')]: def(
    {
      scaleTargetRef: ref(v2('CrossVersionObjectReference')),
      minReplicas: int32,
      maxReplicas: int32,
      metrics: arr(ref(v2('MetricSpec'))),
      behavior: ref(v2('HorizontalPodAutoscalerBehavior')),
    },
    ['scaleTargetRef', 'maxReplicas'],
  ),
  [v2('MetricSpec')]: def(
    {
      type: str,
      object: ref(v2('ObjectMetricSource')),
      pods: ref(v2('PodsMetricSource')),
      resource: ref(v2('ResourceMetricSource')),
      containerResource: ref(v2('ContainerResourceMetricSource')),
      external: ref(v2('ExternalMetricSource')),
    },
    ['type'],
  ),
  [v2('MetricTarget')]: def(
    { type: str, value: quantity, averageValue: quantity, averageUtilization: int32 },
    ['type'],
  ),
  [v2('MetricIdentifier')]: def({ name: str, selector }, ['name']),
  [v2('ObjectMetricSource')]: def(
    {
      describedObject: ref(v2('CrossVersionObjectReference')),
      target: ref(v2('MetricTarget')),
      metric: ref(v2('MetricIdentifier')),
    },
    ['describedObject', 'target', 'metric'],
  ),
  [v2('PodsMetricSource')]: def(
    { metric: ref(v2('MetricIdentifier')), target: ref(v2('MetricTarget')) },
    ['metric', 'target'],
  ),
  [v2('ResourceMetricSource')]: def({ name: str, target: ref(v2('MetricTarget')) }, [
    'name',
    'target',
  ]),
  [v2('ContainerResourceMetricSource')]: def(
    { name: str, target: ref(v2('MetricTarget')), container: str },
    ['name', 'target', 'container'],
  ),
  [v2('ExternalMetricSource')]: def(
    { metric: ref(v2('MetricIdentifier')), target: ref(v2('MetricTarget')) },
    ['metric', 'target'],
  ),
  [v2('HorizontalPodAutoscalerBehavior')]: def({
    scaleUp: ref(v2('HPAScalingRules')),
    scaleDown: ref(v2('HPAScalingRules')),
  }),
  [v2('HPAScalingRules')]: def({
    stabilizationWindowSeconds: int32,
    selectPolicy: str,
    policies: arr(ref(v2('HPAScalingPolicy'))),
    tolerance: quantity,
  }),
  [v2('HPAScalingPolicy')]: def({ type: str, value: int32, periodSeconds: int32 }, [
    'type',
    'value',
    'periodSeconds',
  ]),
  [v2('HorizontalPodAutoscalerStatus')]: def(
    {
      observedGeneration: int64,
      lastScaleTime: time,
      currentReplicas: int32,
      desiredReplicas: int32,
      currentMetrics: arr(ref(v2('MetricStatus'))),
      conditions: arr(ref(v2('HorizontalPodAutoscalerCondition')), byKey('type')),
    },
    ['desiredReplicas'],
  ),
  [v2('MetricValueStatus')]: def({
    value: quantity,
    averageValue: quantity,
    averageUtilization: int32,
  }),
  [v2('MetricStatus')]: def(
    {
      type: str,
      object: ref(v2('ObjectMetricStatus')),
      pods: ref(v2('PodsMetricStatus')),
      resource: ref(v2('ResourceMetricStatus')),
      containerResource: ref(v2('ContainerResourceMetricStatus')),
      external: ref(v2('ExternalMetricStatus')),
    },
    ['type'],
  ),
  [v2('ObjectMetricStatus')]: def({
    metric: ref(v2('MetricIdentifier')),
    current: ref(v2('MetricValueStatus')),
    describedObject: ref(v2('CrossVersionObjectReference')),
  }),
  [v2('PodsMetricStatus')]: def({
    metric: ref(v2('MetricIdentifier')),
    current: ref(v2('MetricValueStatus')),
  }),
  [v2('ResourceMetricStatus')]: def({ name: str, current: ref(v2('MetricValueStatus')) }),
  [v2('ContainerResourceMetricStatus')]: def({
    name: str,
    current: ref(v2('MetricValueStatus')),
    container: str,
  }),
  [v2('ExternalMetricStatus')]: def({
    metric: ref(v2('MetricIdentifier')),
    current: ref(v2('MetricValueStatus')),
  }),
  [v2('HorizontalPodAutoscalerCondition')]: hpaCondition(),
};

/** autoscaling/v1 HorizontalPodAutoscaler and Scale. */
export const autoscalingV1Defs: Definitions = {
  [v1('HorizontalPodAutoscaler')]: kindRoot(kinds.HorizontalPodAutoscalerV1, {
    spec: ref(v1('HorizontalPodAutoscalerSpec')),
    status: ref(v1('HorizontalPodAutoscalerStatus')),
  }),
  [v1('CrossVersionObjectReference')]: def({ kind: str, name: str, apiVersion: str }, [
    'kind',
    'name',
  ]),
  [v1('HorizontalPodAutoscalerSpec')]: def(
    {
      scaleTargetRef: ref(v1('CrossVersionObjectReference')),
      minReplicas: int32,
      maxReplicas: int32,
      targetCPUUtilizationPercentage: int32,
    },
    ['scaleTargetRef', 'maxReplicas'],
  ),
  [v1('HorizontalPodAutoscalerStatus')]: def(
    {
      observedGeneration: int64,
      lastScaleTime: time,
      currentReplicas: int32,
      desiredReplicas: int32,
      currentCPUUtilizationPercentage: int32,
    },
    ['currentReplicas', 'desiredReplicas'],
  ),
  [v1('Scale')]: kindRoot(kinds.Scale, {
    spec: ref(v1('ScaleSpec')),
    status: ref(v1('ScaleStatus')),
  }),
  [v1('ScaleSpec')]: def({ replicas: int32 }),
  [v1('ScaleStatus')]: def({ replicas: int32, selector: str }, ['replicas']),
};

/** coordination.k8s.io/v1 Lease and policy/v1 Eviction. */
export const miscDefs: Definitions = {
  [`${ns.coordination}Lease`]: kindRoot(kinds.Lease, { spec: ref(`${ns.coordination}LeaseSpec`) }),
  [`${ns.coordination}LeaseSpec`]: def({
    holderIdentity: str,
    leaseDurationSeconds: int32,
    acquireTime: time,
    renewTime: time,
    leaseTransitions: int32,
    strategy: str,
    preferredHolder: str,
  }),
  [`${ns.policy}Eviction`]: kindRoot(kinds.Eviction, {
    deleteOptions: ref(`${ns.meta}DeleteOptions`),
  }),
};
