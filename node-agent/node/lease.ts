import { isConflict, isNotFound } from '../../controlplane/api/errors.js';
import type { Stored } from '../../controlplane/api/meta.js';
import type { Lease } from '../../controlplane/api/types/index.js';
import { Backoff, microTime, type ResourceClient } from '../../controlplane/client/index.js';
import type { Logger } from '../../lib/log.js';
import type { Clock } from '../../lib/time.js';

/** NODE_LEASE_NAMESPACE holds one Lease per node, named after it. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** NodeLeaseOptions configure the lease; timings default to kubelet's. */
export interface NodeLeaseOptions {
  leases: ResourceClient<Lease>;
  nodeName: string;
  /** nodeUid makes the Node the Lease's owner (so deleting the Node deletes it). */
  nodeUid: () => string | undefined;
  clock: Clock;
  logger: Logger;
  /** renewIntervalMs: how often renewTime moves (10 s). */
  renewIntervalMs?: number;
  /** durationSeconds: leaseDurationSeconds (40). */
  durationSeconds?: number;
  /** onRenew is told about each attempt (metrics). */
  onRenew?: (ok: boolean) => void;
}

/**
 * NodeLease renews the node's Lease `kube-node-lease/<node>` (kubelet's node
 * lease controller): holderIdentity is the node name, leaseDurationSeconds
 * 40, renewTime moves every 10 s. It creates the Lease if missing, updates
 * the copy it last wrote (refetching after a conflict), and after a failure
 * retries sooner, backing off from 200 ms to 7 s.
 */
export class NodeLease {
  private lease: Stored<Lease> | undefined;

  constructor(private readonly o: NodeLeaseOptions) {}

  /** run renews until `signal` aborts. Never throws for API errors. */
  async run(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 7_000 });
    while (!signal.aborted) {
      let wait = this.o.renewIntervalMs ?? 10_000;
      try {
        await this.renew(signal);
        backoff.reset();
        this.o.onRenew?.(true);
      } catch (err) {
        if (signal.aborted) break;
        this.o.onRenew?.(false);
        this.o.logger.warn('node lease renewal failed', { err });
        wait = Math.min(wait, backoff.next());
      }
      await this.o.clock.sleep(wait, signal).catch(() => {});
    }
  }

  /** renew moves renewTime to now once, creating the Lease if needed. */
  async renew(signal?: AbortSignal): Promise<void> {
    const leases = this.o.leases.namespace(NODE_LEASE_NAMESPACE);
    const call = signal ? { signal } : {};
    const now = microTime(this.o.clock.now());
    const spec = {
      holderIdentity: this.o.nodeName,
      leaseDurationSeconds: this.o.durationSeconds ?? 40,
      renewTime: now,
    };
    if (!this.lease) {
      try {
        this.lease = await leases.get(this.o.nodeName, call);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        const uid = this.o.nodeUid();
        this.lease = await leases.create(
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: {
              name: this.o.nodeName,
              namespace: NODE_LEASE_NAMESPACE,
              ...(uid
                ? {
                    ownerReferences: [
                      { apiVersion: 'v1', kind: 'Node', name: this.o.nodeName, uid },
                    ],
                  }
                : {}),
            },
            spec,
          },
          call,
        );
        return;
      }
    }
    try {
      this.lease = await leases.update(
        { ...this.lease, spec: { ...this.lease.spec, ...spec } },
        call,
      );
    } catch (err) {
      // Someone else wrote it (or it was deleted): read it again next time.
      if (isConflict(err) || isNotFound(err)) this.lease = undefined;
      throw err;
    }
  }

  /** renewTime is the renewTime last written, if any. */
  get renewTime(): string | undefined {
    return this.lease?.spec?.renewTime;
  }
}
