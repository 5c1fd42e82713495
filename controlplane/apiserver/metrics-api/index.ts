/**
 * metrics.k8s.io/v1beta1, computed on request from the nodes' Summaries
 * (what metrics-server serves; `kubectl top` and autoscalers read it).
 */
export { handleMetricsApi, parseMetricsPath, type MetricsRequest } from './handler.js';
export { METRICS_WINDOW, cpuQuantity, memoryQuantity, nodeMetrics, podMetrics } from './convert.js';
