/**
 * The scheduler (kube-scheduler's design in our own code): informers feed a
 * scheduling queue and a node cache; each pod is filtered and scored by
 * plugins, assumed onto the best node, and bound through pods/binding in
 * the background. `Scheduler` is the loop; `SchedulerApp` adds informers,
 * leader election and metrics; `bin/tug-scheduler` runs it.
 */
export * from './cache/index.js';
export * from './framework/index.js';
export * from './plugins/index.js';
export * from './queue/index.js';
export { restSchedulerClient, type SchedulerClient } from './client.js';
export { SchedulerMetrics, type AttemptResult, type SchedulerMetricsOptions } from './metrics.js';
export {
  Scheduler,
  SchedulingError,
  type InformerSource,
  type SchedulerOptions,
} from './scheduler.js';
export {
  LeaderLostError,
  SchedulerApp,
  defaultLeaderElection,
  type LeaderElectionConfig,
  type SchedulerAppOptions,
} from './app.js';
export { HealthServer, type HealthServerOptions } from './http.js';
