/**
 * Requests the API server passes on to node agents: `pods/log` (streamed
 * text) and `pods/exec` (an upgraded connection relayed byte for byte), and
 * the client that reaches the agents (kube-apiserver's --kubelet-* flags).
 */
export {
  DEFAULT_KUBELET_PORT,
  KubeletClient,
  endpointOf,
  statusFromAgent,
  writeRawStatus,
  type KubeletClientOptions,
  type NodeEndpoint,
} from './kubelet-client.js';
export { chooseContainer, locatePod, type PodLocation } from './pod-location.js';
export { handleLog, logQuery } from './log.js';
export { execPath, proxyExec } from './exec.js';
