/**
 * Version conversion for kinds served at several versions: the
 * HorizontalPodAutoscaler (autoscaling/v1 ↔ v2, stored as v2).
 */
export {
  behaviorAnnotation,
  conditionsAnnotation,
  convertHpa,
  currentMetricsAnnotation,
  hpaV1ToV2,
  hpaV2ToV1,
  metricsAnnotation,
  type HpaVersion,
} from './hpa.js';
