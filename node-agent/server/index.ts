/**
 * The node agent's server for the API server (kubelet's :10250): container
 * logs, exec over WebSocket (Kubernetes' channel protocols) and the Summary
 * stats API, behind client-certificate authentication.
 */
export { AgentServer, type AgentServerOptions } from './server.js';
export { StatsCollector, STATS_INTERVAL_MS, buildSummary, type StatsSample } from './stats.js';
export { readHostSample, type HostSample } from './host-stats.js';
export {
  grpcStreamingRuntime,
  type ExecCall,
  type ExecIo,
  type ExecStart,
  type StreamingRuntime,
} from './streaming-runtime.js';
export { servingCertificate } from './tls.js';
export type { PodLookup } from './targets.js';
export {
  PROTOCOL_V4,
  PROTOCOL_V5,
  STREAM_CLOSE,
  STREAM_ERROR,
  STREAM_RESIZE,
  STREAM_STDERR,
  STREAM_STDIN,
  STREAM_STDOUT,
} from './channel.js';
