import type { KubeObject, LabelSelector, Stored } from '../meta.js';
import type { Quantity, Time } from './common.js';
import type {
  CrossVersionObjectReference,
  HorizontalPodAutoscalerCondition,
  MetricSourceType,
} from './autoscaling.js';

/**
 * autoscaling/v1: the CPU-only HorizontalPodAutoscaler, Scale, and the older
 * metric shapes that v1 keeps in `autoscaling.alpha.kubernetes.io/…`
 * annotations so that v2-only fields survive a v1 round trip.
 */

export interface HorizontalPodAutoscalerSpecV1 {
  scaleTargetRef: CrossVersionObjectReference;
  minReplicas?: number;
  maxReplicas: number;
  targetCPUUtilizationPercentage?: number;
}

export interface HorizontalPodAutoscalerStatusV1 {
  observedGeneration?: number;
  lastScaleTime?: Time;
  currentReplicas: number;
  desiredReplicas: number;
  currentCPUUtilizationPercentage?: number;
}

export interface HorizontalPodAutoscalerV1 extends KubeObject {
  apiVersion?: 'autoscaling/v1';
  kind?: 'HorizontalPodAutoscaler';
  spec?: HorizontalPodAutoscalerSpecV1;
  status?: HorizontalPodAutoscalerStatusV1;
}

export type StoredHorizontalPodAutoscalerV1 = Stored<HorizontalPodAutoscalerV1>;

/** MetricSpecV1 is the annotation form of a v2 MetricSpec (v2beta1 field names). */
export interface MetricSpecV1 {
  type: MetricSourceType;
  object?: {
    target: CrossVersionObjectReference;
    metricName: string;
    targetValue: Quantity;
    selector?: LabelSelector;
    averageValue?: Quantity;
  };
  pods?: { metricName: string; targetAverageValue: Quantity; selector?: LabelSelector };
  resource?: { name: string; targetAverageUtilization?: number; targetAverageValue?: Quantity };
  containerResource?: {
    name: string;
    targetAverageUtilization?: number;
    targetAverageValue?: Quantity;
    container: string;
  };
  external?: {
    metricName: string;
    metricSelector?: LabelSelector;
    targetValue?: Quantity;
    targetAverageValue?: Quantity;
  };
}

/** MetricStatusV1 is the annotation form of a v2 MetricStatus. */
export interface MetricStatusV1 {
  type: MetricSourceType;
  object?: {
    target: CrossVersionObjectReference;
    metricName: string;
    currentValue: Quantity;
    selector?: LabelSelector;
    averageValue?: Quantity;
  };
  pods?: { metricName: string; currentAverageValue: Quantity; selector?: LabelSelector };
  resource?: { name: string; currentAverageUtilization?: number; currentAverageValue: Quantity };
  containerResource?: {
    name: string;
    currentAverageUtilization?: number;
    currentAverageValue: Quantity;
    container: string;
  };
  external?: {
    metricName: string;
    metricSelector?: LabelSelector;
    currentValue: Quantity;
    currentAverageValue?: Quantity;
  };
}

export type HorizontalPodAutoscalerConditionV1 = HorizontalPodAutoscalerCondition;

/** Scale is autoscaling/v1 Scale, the body of every `…/scale` subresource. */
export interface Scale extends KubeObject {
  apiVersion?: 'autoscaling/v1';
  kind?: 'Scale';
  spec?: { replicas?: number };
  /** status.selector is the label selector in string form (`app=web`). */
  status?: { replicas: number; selector?: string };
}

export type StoredScale = Stored<Scale>;
