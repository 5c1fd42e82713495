import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { StoredNode } from '../../controlplane/api/types/index.js';
import type { Logger } from '../../lib/log.js';

const execFileP = promisify(execFile);

/** ROUTE_PROTO tags the routes this agent owns (`ip route … proto 211`), so it never touches others'. */
export const ROUTE_PROTO = '211';

/** IpRunner runs `ip ARGS…` and returns stdout (injected for tests). */
export type IpRunner = (args: string[]) => Promise<string>;

const runIp: IpRunner = async (args) => (await execFileP('ip', args, { timeout: 30_000 })).stdout;

export interface PodRoutesOptions {
  /** nodeName is this node: it needs no route to its own pods. */
  nodeName: string;
  logger: Logger;
  ip?: IpRunner;
}

/**
 * PodRoutes gives this node a route to every other node's pod CIDR via that
 * node's InternalIP (the "host-gw" way: nodes on one L2 network, no
 * overlay), so pods reach pods on other nodes directly. Routes it made are
 * tagged with ROUTE_PROTO; routes for nodes that went (or changed address or
 * CIDR) are removed. `observe` is level-triggered and serialised: call it
 * with the full node list whenever nodes change.
 */
export class PodRoutes {
  private chain: Promise<void> = Promise.resolve();
  private readonly ip: IpRunner;

  constructor(private readonly o: PodRoutesOptions) {
    this.ip = o.ip ?? runIp;
  }

  observe(nodes: readonly StoredNode[]): Promise<void> {
    this.chain = this.chain
      .then(() => this.reconcile(nodes))
      .catch((err: unknown) => {
        this.o.logger.error('could not update pod routes', { err });
      });
    return this.chain;
  }

  /** desired maps each other node's pod CIDR to its InternalIP. */
  desired(nodes: readonly StoredNode[]): Map<string, string> {
    const want = new Map<string, string>();
    for (const n of nodes) {
      if (n.metadata.name === this.o.nodeName) continue;
      const cidr = n.spec?.podCIDR;
      const via = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      if (cidr && via) want.set(cidr, via);
    }
    return want;
  }

  private async reconcile(nodes: readonly StoredNode[]): Promise<void> {
    const want = this.desired(nodes);
    const have = new Map<string, string>();
    const out = await this.ip(['-4', 'route', 'show', 'proto', ROUTE_PROTO]);
    for (const line of out.split('\n')) {
      const m = /^(\S+) via (\S+)/.exec(line.trim());
      if (m) have.set(m[1]!, m[2]!);
    }
    for (const [cidr, via] of want) {
      if (have.get(cidr) === via) continue;
      await this.ip(['route', 'replace', cidr, 'via', via, 'proto', ROUTE_PROTO]);
      this.o.logger.info('pod route set', { cidr, via });
    }
    for (const [cidr] of have) {
      if (want.has(cidr)) continue;
      await this.ip(['route', 'del', cidr, 'proto', ROUTE_PROTO]).catch(() => '');
      this.o.logger.info('pod route removed', { cidr });
    }
  }
}
