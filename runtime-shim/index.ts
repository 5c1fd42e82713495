/**
 * The runtime shim: a CRI-shaped gRPC service (proto/runtime/v1/runtime.proto)
 * that runs pods as real containers with crun or runc under conmon, with the
 * image store (./images) and pod networking (./network). Clients use
 * `connectRuntime` from proto/loader.ts; bin/tug-shim runs `main`.
 */
export { Shim, defaultCgroupParent, runtimeRoot, type ShimOptions } from './core/shim.js';
export type { ShimContext } from './core/context.js';
export { ShimServer, unixSocketPath, type ShimServerOptions } from './server/server.js';
export { SHIM_VERSION } from './server/runtime-service.js';
export { grpcStatusOf } from './server/grpc-errors.js';
export { ShimMetrics } from './metrics/metrics.js';
export { MetricsServer, type MetricsServerOptions } from './metrics/http.js';
export { OciRuntime, type OciRuntimeOptions, type RuntimeName } from './oci/runtime.js';
export { ConmonMonitor, type ConmonOptions } from './monitor/conmon.js';
export {
  applyHybridFix,
  cgroupDirs,
  controllerDir,
  parseCgroupLayout,
  readCgroupLayout,
  type CgroupLayout,
  type CgroupMode,
} from './cgroups/layout.js';
export { cgroupPids, removeCgroup } from './cgroups/remove.js';
export { readCgroupUsage, type CgroupUsage } from './cgroups/stats.js';
export { importFile, importStream } from './import-client.js';
export { DEFAULT_ADDRESS, buildCli, main } from './main.js';
export {
  AlreadyExistsError,
  CommandError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  isCommandError,
  isFailedPrecondition,
  isInvalidArgument,
  isNotFound,
} from './errors.js';
