/** The controller manager: runs every controller of the control plane in one process. */
export {
  ControllerManager,
  LeaderElectionLostError,
  type ControllerManagerConfig,
  type LeaderElectionConfig,
} from './manager.js';
export {
  UnknownControllerError,
  defaultControllers,
  selectControllers,
  type ControllerEntry,
} from './controllers.js';
export { ManagerMetrics } from './metrics.js';
export { serveMetrics, type HealthCheck } from './http.js';
