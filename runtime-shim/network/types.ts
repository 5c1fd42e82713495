/**
 * The contract between the shim's sandbox code and pod networking. A pod
 * sandbox gets its own network namespace, pinned to a file so it outlives
 * every process, and set up through the real CNI plugins.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  protocol: Protocol;
  hostIp?: string;
}

export interface SandboxNetworkRequest {
  /** sandboxId is the shim's id of the pod sandbox (unique on the machine). */
  sandboxId: string;
  /** name, namespace and uid are the pod's, passed to CNI as K8S_POD_* args. */
  name: string;
  namespace: string;
  uid: string;
  portMappings: PortMapping[];
}

export interface SandboxNetworkStatus {
  /** netnsPath is the pinned namespace file containers join. */
  netnsPath: string;
  /** ip is the pod's primary IPv4 address (no prefix length). */
  ip: string;
  additionalIps: string[];
  interfaceName: string;
}

/** SandboxNetwork sets up and tears down pod networks. Safe for concurrent use on different ids. */
export interface SandboxNetwork {
  /** setUp creates the pinned netns and runs CNI ADD. Idempotent: a second call returns the same status. */
  setUp(req: SandboxNetworkRequest): Promise<SandboxNetworkStatus>;
  /** tearDown runs CNI DEL and removes the netns. Idempotent; works after a shim restart. */
  tearDown(sandboxId: string): Promise<void>;
  /** status reports the network of a sandbox, or undefined when it has none. */
  status(sandboxId: string): Promise<SandboxNetworkStatus | undefined>;
  /** reconcile tears down every network this shim made whose sandbox id is not in `keep`. */
  reconcile(keep: ReadonlySet<string>): Promise<void>;
}
