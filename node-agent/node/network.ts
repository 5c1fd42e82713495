import type { StoredNode } from '../../controlplane/api/types/index.js';
import type { Logger } from '../../lib/log.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeBridgeConfig } from '../../runtime-shim/network/index.js';
import type { NetworkReadiness } from '../pods/pod-sync.js';

/** NodeNetworkOptions say where and how the node's pod network config is written. */
export interface NodeNetworkOptions {
  /**
   * cniConfDir is the shim's CNI configuration directory. When set, the agent
   * owns the node's network config there; when unset, the runtime's network
   * is taken as ready (hollow nodes, a shim configured by hand).
   */
  cniConfDir?: string;
  /** bridge is the Linux bridge of the node's pods. */
  bridge: string;
  /** networkName is the CNI network name. */
  networkName: string;
  /** dataDir is host-local IPAM's allocation directory (per node). */
  dataDir: string;
  /** podCidr is used when the control plane assigns none (kubelet's --pod-cidr). */
  podCidr?: string;
  /** ipMasq masquerades pod traffic leaving the node's pod CIDR (default true). */
  ipMasq?: boolean;
  /**
   * clusterCidr is the whole pod network. When set, pod-to-pod traffic
   * between nodes keeps its source address (Kubernetes' network model): the
   * bridge does not masquerade, and a rule of the agent's masquerades only
   * what leaves the cluster CIDR.
   */
  clusterCidr?: string;
  /** iptables runs iptables (injected for tests). */
  iptables?: (args: string[]) => Promise<void>;
  logger: Logger;
  /** onChange is called when the network becomes ready or changes. */
  onChange: () => void;
}

/**
 * NodeNetwork turns the pod CIDR the control plane's IPAM puts in the Node's
 * `spec.podCIDR` into this node's CNI configuration: a bridge conflist
 * (runtime-shim/network `writeBridgeConfig`) written into the shim's
 * `--cni-conf-dir`, which the shim reads at every sandbox set-up. Until it
 * is written, pods that need the pod network wait and the Node is not Ready.
 * The agent writes; the shim only reads: each keeps to its own folder.
 */
export class NodeNetwork implements NetworkReadiness {
  private cidr: string | undefined;
  private written: string | undefined;
  private error: string | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly o: NodeNetworkOptions) {}

  /** podCIDR is the CIDR in use, once known. */
  get podCIDR(): string | undefined {
    return this.cidr;
  }

  notReady(): string | undefined {
    if (!this.o.cniConfDir) return undefined;
    if (this.error) return `network config: ${this.error}`;
    if (!this.cidr) return 'network plugin not ready: the node has no podCIDR assigned yet';
    if (this.written !== this.cidr) return 'network plugin not ready: writing the CNI config';
    return undefined;
  }

  /**
   * observe looks at the Node's podCIDR and (re)writes the config when it
   * changed. Calls are serialised; the returned promise settles when this
   * one's work is done. Never rejects.
   */
  observe(node: StoredNode | undefined): Promise<void> {
    const cidr = node?.spec?.podCIDRs?.[0] ?? (node?.spec?.podCIDR || this.o.podCidr);
    this.chain = this.chain.then(() => this.apply(cidr));
    return this.chain;
  }

  /**
   * masquerade keeps exactly one NAT rule for this node's pods: traffic from
   * the pod CIDR to anywhere outside the cluster CIDR is masqueraded (the old
   * CIDR's rule goes when the CIDR changes). Idempotent.
   */
  private async masquerade(old: string | undefined, cidr: string, cluster: string): Promise<void> {
    const run = this.o.iptables ?? runIptables;
    const rule = (src: string): string[] => [
      'POSTROUTING',
      '-t',
      'nat',
      '-s',
      src,
      '!',
      '-d',
      cluster,
      '-m',
      'comment',
      '--comment',
      'tugboat pod masquerade',
      '-j',
      'MASQUERADE',
    ];
    if (old && old !== cidr) await run(['-D', ...rule(old)]).catch(() => {});
    try {
      await run(['-C', ...rule(cidr)]);
    } catch {
      await run(['-A', ...rule(cidr)]);
    }
  }

  private async apply(cidr: string | undefined): Promise<void> {
    if (!cidr || cidr === this.written) return;
    this.cidr = cidr;
    if (!this.o.cniConfDir) {
      this.o.onChange();
      return;
    }
    try {
      const path = await writeBridgeConfig(this.o.cniConfDir, {
        networkName: this.o.networkName,
        bridge: this.o.bridge,
        subnet: cidr,
        dataDir: this.o.dataDir,
        ipMasq: this.o.clusterCidr ? false : (this.o.ipMasq ?? true),
      });
      if (this.o.clusterCidr) await this.masquerade(this.written, cidr, this.o.clusterCidr);
      this.written = cidr;
      this.error = undefined;
      this.o.logger.info('wrote the node CNI config', { path, podCIDR: cidr });
    } catch (err) {
      this.error = (err as Error).message;
      this.o.logger.error('could not write the node CNI config', { err, podCIDR: cidr });
    }
    this.o.onChange();
  }
}

const execFileP = promisify(execFile);

async function runIptables(args: string[]): Promise<void> {
  await execFileP('iptables', ['-w', ...args], { timeout: 30_000 });
}
