/**
 * What `tug logs` and `tug exec` share: choosing pods and containers as
 * kubectl does, the exec WebSocket client (Kubernetes' channel protocol,
 * v5 with v4 fallback), and line-wise log output. Everything goes through
 * the API server, never to a node directly.
 */
export {
  EXEC_PROTOCOLS,
  PROTOCOL_V4,
  PROTOCOL_V5,
  STREAM_CLOSE,
  STREAM_ERROR,
  STREAM_RESIZE,
  STREAM_STDERR,
  STREAM_STDIN,
  STREAM_STDOUT,
  closeFrame,
  decodeFrame,
  encodeFrame,
  outcomeOfStatus,
  type Frame,
  type RemoteOutcome,
} from './channel.js';
export { execInPod, execUrl, type ExecRequest } from './exec-client.js';
export { LineWriter, logPrefix } from './log-lines.js';
export { outputWriter, type OutputWriter } from './output.js';
export {
  DEFAULT_CONTAINER_ANNOTATION,
  allContainerNames,
  byLogging,
  defaultContainer,
  everyContainer,
  hasContainer,
  mostActive,
  selectorForObject,
  type DefaultContainer,
  type PodLike,
} from './pods.js';
export {
  firstPod,
  getObject,
  inNamespace,
  isPods,
  listPods,
  parseObjectRef,
  podsInfo,
  selectorOf,
  type FirstPod,
  type ObjectRef,
} from './target.js';
