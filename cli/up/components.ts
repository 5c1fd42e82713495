import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterConfig, ComponentName } from './config.js';
import { inNetns, type HostNetwork } from './host-network.js';

/**
 * findRepoRoot is the nearest directory at or above `dir` holding package.json:
 * the checkout, whether this code runs built (dist/cli/up) or from source
 * (cli/up, as in tests run by vitest), where a fixed `../../..` differs.
 */
function findRepoRoot(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) throw new Error(`no package.json above ${dir}`);
  }
}

/** repoRoot is the checkout this code runs from (bin/, dist/test-images/, manifests/ are under it). */
export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** Component is one process of a local cluster: how to start it and where it keeps its pid and log. */
export interface Component {
  name: string;
  command: string;
  args: string[];
  pidFile: string;
  logFile: string;
  /** netns is the node host it runs in (root namespace when absent). */
  netns?: string;
}

/** Paths are where a cluster keeps things under its state dir. */
export class Paths {
  constructor(readonly root: string) {}
  p(...rest: string[]): string {
    return join(this.root, ...rest);
  }
  pid(name: string): string {
    return this.p('run', `${name}.pid`);
  }
  log(name: string): string {
    return this.p('logs', `${name}.log`);
  }
  node(node: string, ...rest: string[]): string {
    return this.p('nodes', node, ...rest);
  }
  shimSocket(node: string): string {
    return nodeShimSocket({ dir: this.node(node) });
  }
  get adminKubeconfig(): string {
    return this.p('admin.kubeconfig');
  }
}

const bin = (name: string): string => join(repoRoot, 'bin', name);

/** cgroupParent is the cgroup a node's shim puts its pods under (removed by `tug down`). */
export const cgroupParent = (cfg: ClusterConfig, node: string): string =>
  `/tug-${cfg.name}-${node}`;

/** controlPlane lists the control plane's processes (root network namespace). */
export function controlPlane(cfg: ClusterConfig, paths: Paths, net: HostNetwork): Component[] {
  const members = cfg.etcdMembers.map((m, i) => ({
    name: `etcd${i}`,
    client: `http://127.0.0.1:${m.client}`,
    peer: `http://127.0.0.1:${m.peer}`,
  }));
  const etcdUrls = members.map((m) => m.client).join(',');
  const initialCluster = members.map((m) => `${m.name}=${m.peer}`).join(',');
  const node = process.execPath;
  const c = (name: string, command: string, args: string[]): Component => ({
    name,
    command,
    args: [...args, ...(cfg.extraArgs?.[name as ComponentName] ?? [])],
    pidFile: paths.pid(name),
    logFile: paths.log(name),
  });
  return [
    // prettier-ignore
    ...members.map((m) =>
      c(m.name, 'etcd', [
        '--name', m.name,
        '--data-dir', paths.p('etcd', m.name),
        '--listen-client-urls', m.client,
        '--advertise-client-urls', m.client,
        '--listen-peer-urls', m.peer,
        '--initial-advertise-peer-urls', m.peer,
        '--initial-cluster', initialCluster,
        '--initial-cluster-token', `tug-${cfg.name}`,
        '--experimental-watch-progress-notify-interval', '5s',
      ]),
    ),
    c('apiserver', node, [
      bin('tug-apiserver'),
      '--etcd-servers',
      etcdUrls,
      '--bind-address',
      '0.0.0.0',
      '--secure-port',
      String(cfg.apiserverPort),
      '--advertise-address',
      net.gateway,
      '--tls-cert-file',
      paths.p('pki', 'apiserver.crt'),
      '--tls-private-key-file',
      paths.p('pki', 'apiserver.key'),
      '--token-auth-file',
      paths.p('pki', 'tokens.csv'),
      '--kubelet-client-certificate',
      paths.p('pki', 'apiserver-kubelet-client.crt'),
      '--kubelet-client-key',
      paths.p('pki', 'apiserver-kubelet-client.key'),
      '--service-cluster-ip-range',
      cfg.serviceCidr,
    ]),
    c('controller-manager', node, [
      bin('tug-controller-manager'),
      '--kubeconfig',
      paths.p('controller-manager.kubeconfig'),
      '--cluster-cidr',
      cfg.podCidr,
      '--metrics-port',
      String(cfg.controllerManagerMetricsPort),
      '--bind-address',
      '127.0.0.1',
    ]),
    c('scheduler', node, [
      bin('tug-scheduler'),
      '--kubeconfig',
      paths.p('scheduler.kubeconfig'),
      '--metrics-port',
      String(cfg.schedulerMetricsPort),
      '--bind-address',
      '127.0.0.1',
    ]),
  ];
}

/** NodeSpec is what a node's shim and agent are started with. */
export interface NodeSpec {
  node: string;
  ip: string;
  /** dir is the node's state dir (shim root, CNI config, agent root, pod logs, shim socket). */
  dir: string;
  runtime: 'crun' | 'runc';
  cgroupParent: string;
  clusterCidr: string;
  /** caFile is the cluster CA: it signs the API server's certificate and the API server's client certificate. */
  caFile: string;
  /** api is how the agent reaches the API server: a kubeconfig, or a join token. */
  api: { kubeconfig: string } | { server: string; token: string };
}

/** nodeShimSocket is where a node's shim listens. */
export const nodeShimSocket = (spec: Pick<NodeSpec, 'dir'>): string => join(spec.dir, 'shim.sock');

/** shimArgs is a node's `tug-shim serve` command line. */
export function shimArgs(spec: NodeSpec): string[] {
  // prettier-ignore
  return [
    bin('tug-shim'), 'serve',
    '--listen', `unix://${nodeShimSocket(spec)}`,
    '--root', join(spec.dir, 'shim'),
    '--runtime', spec.runtime,
    '--cni-conf-dir', join(spec.dir, 'cni'),
    '--cgroup-parent', spec.cgroupParent,
    // 10250 is the agent's (kubelet's port, the Node's daemon endpoint).
    '--metrics-port', '10251',
    '--metrics-address', spec.ip,
  ];
}

/** agentArgs is a node's `tug-agent` command line. */
export function agentArgs(spec: NodeSpec): string[] {
  const api =
    'kubeconfig' in spec.api
      ? ['--kubeconfig', spec.api.kubeconfig]
      : [
          '--server',
          spec.api.server,
          '--token',
          spec.api.token,
          '--certificate-authority',
          spec.caFile,
        ];
  // prettier-ignore
  return [
    bin('tug-agent'),
    ...api,
    '--node-name', spec.node,
    '--runtime-endpoint', `unix://${nodeShimSocket(spec)}`,
    '--node-ip', spec.ip,
    '--root-dir', join(spec.dir, 'agent'),
    '--pod-log-dir', join(spec.dir, 'pods'),
    '--cni-conf-dir', join(spec.dir, 'cni'),
    '--cluster-cidr', spec.clusterCidr,
    '--manage-pod-routes',
    '--metrics-address', spec.ip,
    '--metrics-port', '10255',
    '--address', spec.ip,
    '--port', '10250',
    '--client-ca-file', spec.caFile,
  ];
}

/** nodeComponents lists one node's processes, run inside its network namespace. */
export function nodeComponents(
  cfg: ClusterConfig,
  paths: Paths,
  net: HostNetwork,
  node: string,
): Component[] {
  const host = net.nodes.find((n) => n.node === node)!;
  const spec: NodeSpec = {
    node,
    ip: host.ip,
    dir: paths.node(node),
    runtime: cfg.runtime,
    cgroupParent: cgroupParent(cfg, node),
    clusterCidr: cfg.podCidr,
    caFile: paths.p('pki', 'ca.crt'),
    api: { kubeconfig: paths.node(node, 'kubeconfig') },
  };
  const wrap = (name: 'shim' | 'agent', args: string[]): Component => {
    const extra = cfg.extraArgs?.[name] ?? [];
    const [command, full] = inNetns(host.netns, process.execPath, [...args, ...extra]);
    return {
      name: `${node}-${name}`,
      command,
      args: full,
      pidFile: paths.pid(`${node}-${name}`),
      logFile: paths.log(`${node}-${name}`),
      netns: host.netns,
    };
  };
  return [wrap('shim', shimArgs(spec)), wrap('agent', agentArgs(spec))];
}
