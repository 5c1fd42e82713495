import type { ObjectMeta } from '../meta.js';
import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerBehavior,
  HorizontalPodAutoscalerCondition,
  HorizontalPodAutoscalerSpec,
  HorizontalPodAutoscalerStatus,
  HorizontalPodAutoscalerV1,
  HorizontalPodAutoscalerStatusV1,
  MetricSpec,
  MetricSpecV1,
  MetricStatus,
  MetricStatusV1,
} from '../types/index.js';
import {
  metricSpecFromV1,
  metricSpecToV1,
  metricStatusFromV1,
  metricStatusToV1,
} from './metrics.js';

/**
 * HorizontalPodAutoscaler conversion between autoscaling/v2 (the storage
 * version) and autoscaling/v1, as Kubernetes does it: v1's
 * targetCPUUtilizationPercentage is a v2 Resource cpu Utilization metric, and
 * everything v1 cannot say (other metrics, current metrics, conditions,
 * behavior) rides in `autoscaling.alpha.kubernetes.io/…` annotations so that
 * a v2 → v1 → v2 round trip loses nothing.
 */

export const metricsAnnotation = 'autoscaling.alpha.kubernetes.io/metrics';
export const currentMetricsAnnotation = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const conditionsAnnotation = 'autoscaling.alpha.kubernetes.io/conditions';
export const behaviorAnnotation = 'autoscaling.alpha.kubernetes.io/behavior';
const roundTripAnnotations = [
  metricsAnnotation,
  currentMetricsAnnotation,
  conditionsAnnotation,
  behaviorAnnotation,
];

/** defaultCpuUtilization is the target a v1 HPA without one gets (percent). */
const defaultCpuUtilization = 80;

function metadataWithout(meta: ObjectMeta | undefined): ObjectMeta | undefined {
  if (!meta) return undefined;
  const out = structuredClone(meta);
  if (out.annotations) {
    for (const k of roundTripAnnotations) delete out.annotations[k];
    if (Object.keys(out.annotations).length === 0) delete out.annotations;
  }
  return out;
}

const isCpuUtilization = (m: MetricSpec): boolean =>
  m.type === 'Resource' &&
  m.resource?.name === 'cpu' &&
  m.resource.target.averageUtilization !== undefined;

function parseJson<T>(text: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return check(v) ? v : undefined;
  } catch {
    // A hand-edited annotation that is not JSON is ignored, as Kubernetes does.
    return undefined;
  }
}

const isArrayOfObjects = <T>(v: unknown): v is T[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null);
const isObject = <T>(v: unknown): v is T =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** hpaV2ToV1 converts an autoscaling/v2 HPA to autoscaling/v1. Pure: the input is not changed. */
export function hpaV2ToV1(h: HorizontalPodAutoscaler): HorizontalPodAutoscalerV1 {
  const out: HorizontalPodAutoscalerV1 = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
  };
  const meta = metadataWithout(h.metadata);
  const annotations: Record<string, string> = {};
  const spec = h.spec;
  if (spec) {
    out.spec = { scaleTargetRef: { ...spec.scaleTargetRef }, maxReplicas: spec.maxReplicas };
    if (spec.minReplicas !== undefined) out.spec.minReplicas = spec.minReplicas;
    const metrics = spec.metrics ?? [];
    const cpu = metrics.find(isCpuUtilization);
    if (cpu) out.spec.targetCPUUtilizationPercentage = cpu.resource!.target.averageUtilization;
    const others = metrics.filter((m) => !isCpuUtilization(m)).map(metricSpecToV1);
    if (others.length > 0) annotations[metricsAnnotation] = JSON.stringify(others);
    if (spec.behavior) annotations[behaviorAnnotation] = JSON.stringify(spec.behavior);
  }
  const status = h.status;
  if (status) {
    const s: HorizontalPodAutoscalerStatusV1 = {
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
    };
    if (status.observedGeneration !== undefined) s.observedGeneration = status.observedGeneration;
    if (status.lastScaleTime !== undefined) s.lastScaleTime = status.lastScaleTime;
    for (const m of status.currentMetrics ?? []) {
      const u = m.resource?.current.averageUtilization;
      if (m.type === 'Resource' && m.resource?.name === 'cpu' && u !== undefined) {
        s.currentCPUUtilizationPercentage = u;
      }
    }
    const current = status.currentMetrics ?? [];
    if (current.length > 0)
      annotations[currentMetricsAnnotation] = JSON.stringify(current.map(metricStatusToV1));
    const conditions = status.conditions ?? [];
    if (conditions.length > 0) annotations[conditionsAnnotation] = JSON.stringify(conditions);
    out.status = s;
  }
  if (meta || Object.keys(annotations).length > 0) {
    out.metadata = meta ?? {};
    if (Object.keys(annotations).length > 0) {
      out.metadata.annotations = { ...(out.metadata.annotations ?? {}), ...annotations };
    }
  }
  return out;
}

/**
 * hpaV1ToV2 converts an autoscaling/v1 HPA to autoscaling/v2, restoring what
 * the round-trip annotations carry and dropping them. Without any metric the
 * result gets the CPU 80% target, as Kubernetes applies it here. Pure.
 */
export function hpaV1ToV2(h: HorizontalPodAutoscalerV1): HorizontalPodAutoscaler {
  const out: HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
  };
  const ann = h.metadata?.annotations ?? {};
  const meta = metadataWithout(h.metadata);
  if (meta) out.metadata = meta;
  const spec = h.spec;
  if (spec) {
    const s: HorizontalPodAutoscalerSpec = {
      scaleTargetRef: { ...spec.scaleTargetRef },
      maxReplicas: spec.maxReplicas,
    };
    if (spec.minReplicas !== undefined) s.minReplicas = spec.minReplicas;
    const others = parseJson(ann[metricsAnnotation], isArrayOfObjects<MetricSpecV1>) ?? [];
    const metrics: MetricSpec[] = others.map(metricSpecFromV1);
    const cpu =
      spec.targetCPUUtilizationPercentage ??
      (metrics.length === 0 ? defaultCpuUtilization : undefined);
    if (cpu !== undefined) {
      metrics.push({
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } },
      });
    }
    s.metrics = metrics;
    const behavior = parseJson(ann[behaviorAnnotation], isObject<HorizontalPodAutoscalerBehavior>);
    if (behavior && Object.keys(behavior).length > 0) s.behavior = behavior;
    out.spec = s;
  }
  const status = h.status;
  if (status) {
    const s: HorizontalPodAutoscalerStatus = { desiredReplicas: status.desiredReplicas ?? 0 };
    if (status.observedGeneration !== undefined) s.observedGeneration = status.observedGeneration;
    if (status.lastScaleTime !== undefined) s.lastScaleTime = status.lastScaleTime;
    if (status.currentReplicas !== undefined) s.currentReplicas = status.currentReplicas;
    const current = parseJson(ann[currentMetricsAnnotation], isArrayOfObjects<MetricStatusV1>);
    let currentMetrics: MetricStatus[] | undefined = current?.map(metricStatusFromV1);
    if (!currentMetrics && status.currentCPUUtilizationPercentage !== undefined) {
      currentMetrics = [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            current: { averageUtilization: status.currentCPUUtilizationPercentage },
          },
        },
      ];
    }
    if (currentMetrics) s.currentMetrics = currentMetrics;
    const conditions = parseJson(
      ann[conditionsAnnotation],
      isArrayOfObjects<HorizontalPodAutoscalerCondition>,
    );
    if (conditions) s.conditions = conditions;
    out.status = s;
  }
  return out;
}

/** HpaVersion names the two served HPA versions. */
export type HpaVersion = 'v1' | 'v2';

/**
 * convertHpa converts an HPA of either version (read from its apiVersion;
 * `autoscaling/v2` when missing) to `toVersion`. Converting to the version it
 * already has returns a deep copy. Pure. Throws for an apiVersion other than
 * autoscaling/v1 or autoscaling/v2.
 */
export function convertHpa(
  obj: HorizontalPodAutoscaler | HorizontalPodAutoscalerV1,
  toVersion: 'v1',
): HorizontalPodAutoscalerV1;
export function convertHpa(
  obj: HorizontalPodAutoscaler | HorizontalPodAutoscalerV1,
  toVersion: 'v2',
): HorizontalPodAutoscaler;
export function convertHpa(
  obj: HorizontalPodAutoscaler | HorizontalPodAutoscalerV1,
  toVersion: HpaVersion,
): HorizontalPodAutoscaler | HorizontalPodAutoscalerV1;
export function convertHpa(
  obj: HorizontalPodAutoscaler | HorizontalPodAutoscalerV1,
  toVersion: HpaVersion,
): HorizontalPodAutoscaler | HorizontalPodAutoscalerV1 {
  const from = obj.apiVersion ?? 'autoscaling/v2';
  if (from !== 'autoscaling/v1' && from !== 'autoscaling/v2') {
    throw new Error(`convertHpa: cannot convert apiVersion ${JSON.stringify(from)}`);
  }
  if (from === `autoscaling/${toVersion}`) return structuredClone(obj);
  return toVersion === 'v1'
    ? hpaV2ToV1(obj as HorizontalPodAutoscaler)
    : hpaV1ToV2(obj as HorizontalPodAutoscalerV1);
}
