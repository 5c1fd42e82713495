/**
 * The node agent (Tugboat's kubelet): registers a Node, renews its Lease,
 * and runs the pods bound to it on a CRI-shaped runtime (the runtime shim,
 * or a FakeRuntime for tests and hollow nodes). `bin/tug-agent` is its
 * binary; `startHollowNodes` runs many agents in one process.
 */
export { NodeAgent, DEFAULT_TIMINGS, type AgentTimings, type NodeAgentOptions } from './agent.js';
export { AgentMetrics } from './metrics.js';
export { AgentHttpServer, type AgentHttpServerOptions } from './http-server.js';
export type { MachineInfo } from './node/machine.js';
export { NODE_LEASE_NAMESPACE } from './node/lease.js';
export { KUBELET_VERSION } from './node/node-status.js';
export {
  grpcRuntime,
  type AgentRuntime,
  type ImageService,
  type RuntimeService,
} from './runtime/runtime.js';
export {
  RuntimeError,
  isRuntimeNotFound,
  isRuntimeUnavailable,
  runtimeErrorFrom,
  type RuntimeErrorCode,
} from './runtime/errors.js';
export type { ProbeOutcome, ProbeRunner, ProbeTarget } from './probes/prober.js';
/** Fakes for tests and hollow nodes. */
export {
  FakeRuntime,
  type FakeCall,
  type FakeContainerBehaviour,
  type FakeExecResult,
  type FakeRuntimeOptions,
} from './testing/fake-runtime.js';
export {
  HOLLOW_MACHINE,
  startHollowNodes,
  type HollowNode,
  type HollowNodes,
  type HollowNodesOptions,
} from './testing/hollow.js';
