/**
 * Pod sandbox networking for the runtime shim: pinned network namespaces set
 * up through the real CNI plugins. `CniNetwork` implements the
 * `SandboxNetwork` contract (types.ts); `writeBridgeConfig` writes a node's
 * default bridge + portmap network configuration.
 */
export type {
  PortMapping,
  Protocol,
  SandboxNetwork,
  SandboxNetworkRequest,
  SandboxNetworkStatus,
} from './types.js';
export { CniNetwork, type CniNetworkOptions } from './cni-network.js';
export { bridgeConfigList, writeBridgeConfig, type BridgeNetworkOptions } from './bridge-config.js';
export { loadNetworkConfig, type NetworkConfigList, type PluginConf } from './conf.js';
export type { CniResult } from './result.js';
export {
  CniConfigError,
  CniError,
  InvalidNetworkRequestError,
  NetnsError,
  isCniConfigError,
  isCniError,
  isInvalidNetworkRequest,
  isNetnsError,
  type CniCommand,
} from './errors.js';
