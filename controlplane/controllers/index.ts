/**
 * The controllers of the control plane and the manager that runs them:
 * the Controller contract, the workload controllers (ReplicaSet,
 * Deployment), and the ControllerManager with its controller list.
 */
export {
  defaultControllerManagerOptions,
  newControllerQueue,
  runController,
  type Controller,
  type ControllerContext,
  type ControllerFactory,
  type ControllerManagerOptions,
  type ControllerMetrics,
  type RunControllerOptions,
} from './controller.js';
export { ReplicaSetController, replicaSetControllerFactory } from './replicaset/index.js';
export { DeploymentController, deploymentControllerFactory } from './deployment/index.js';
export {
  ControllerManager,
  LeaderElectionLostError,
  UnknownControllerError,
  defaultControllers,
  selectControllers,
  type ControllerEntry,
  type ControllerManagerConfig,
  type LeaderElectionConfig,
} from './manager/index.js';
