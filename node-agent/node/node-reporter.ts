import { isAlreadyExists } from '../../controlplane/api/errors.js';
import {
  createTwoWayMergePatch,
  deepEqual,
  patchMetaFor,
  type JsonValue,
} from '../../controlplane/api/patch/index.js';
import type { ContainerImage, Node, StoredNode } from '../../controlplane/api/types/index.js';
import { Backoff, type ResourceClient } from '../../controlplane/client/index.js';
import type { Logger } from '../../lib/log.js';
import type { Clock } from '../../lib/time.js';
import { rfc3339 } from '../pods/status.js';
import {
  nodeStatus,
  registrationObject,
  withoutHeartbeats,
  type NodeConfig,
  type NodeHealth,
} from './node-status.js';

const nodePatchMeta = patchMetaFor('', 'Node');
const json = (v: unknown): JsonValue => JSON.parse(JSON.stringify(v ?? {})) as JsonValue;

/** NodeReporterOptions configure registration and the status heartbeat. */
export interface NodeReporterOptions {
  nodes: ResourceClient<Node>;
  config: NodeConfig;
  health: () => NodeHealth;
  /** images lists the runtime's images for status.images; failures keep the old list. */
  images?: () => Promise<ContainerImage[]>;
  clock: Clock;
  logger: Logger;
  /** updateFrequencyMs is how often the status is computed (kubelet's nodeStatusUpdateFrequency, 10 s). */
  updateFrequencyMs?: number;
  /** reportFrequencyMs: an unchanged status is still written this often (the heartbeat; default 10 s). */
  reportFrequencyMs?: number;
  /** onWrite is told about each status write (metrics). */
  onWrite?: (ok: boolean) => void;
}

/**
 * NodeReporter registers the agent's Node and keeps its status current
 * (kubelet's node status manager): `register` creates the Node, or adopts an
 * existing one and adds the agent's labels to it; `run` recomputes the
 * status every updateFrequency (or at once after `kick`), and writes it as a
 * strategic merge patch of `nodes/NAME/status` when it changed or when the
 * last write is older than reportFrequency, so Ready's lastHeartbeatTime
 * moves. Not safe for two nodes.
 */
export class NodeReporter {
  private current: StoredNode | undefined;
  private lastWriteMs = 0;
  private wake: AbortController | undefined;
  /** kicked is set by `kick` and cleared when a sync starts: a kick during a sync is not lost. */
  private kicked = false;
  private images: ContainerImage[] | undefined;

  constructor(private readonly o: NodeReporterOptions) {}

  /** node is the Node as last read or written. */
  get node(): StoredNode | undefined {
    return this.current;
  }

  /** observe updates the agent's view of its Node (from the node informer). */
  observe(node: StoredNode | undefined): void {
    if (!node) return;
    if (
      !this.current ||
      Number(node.metadata.resourceVersion) >= Number(this.current.metadata.resourceVersion)
    ) {
      this.current = node;
    }
  }

  /** kick makes the heartbeat loop recompute the status now. */
  kick(): void {
    this.kicked = true;
    this.wake?.abort();
  }

  /**
   * register makes sure the Node exists, retrying with back-off until it
   * does or `signal` aborts (then it throws the abort reason).
   */
  async register(signal: AbortSignal): Promise<StoredNode> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 7_000, jitter: 0.2 });
    for (;;) {
      signal.throwIfAborted();
      try {
        const node = await this.tryRegister(signal);
        this.current = node;
        this.o.logger.info('node registered', {
          node: this.o.config.nodeName,
          uid: node.metadata.uid,
        });
        return node;
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        this.o.logger.warn('node registration failed; retrying', { err });
        await this.o.clock.sleep(backoff.next(), signal);
      }
    }
  }

  private async tryRegister(signal: AbortSignal): Promise<StoredNode> {
    const now = rfc3339(this.o.clock.now());
    try {
      const created = await this.o.nodes.create(
        registrationObject(this.o.config, this.o.health(), now),
        { signal },
      );
      this.lastWriteMs = this.o.clock.now();
      return created;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const existing = await this.o.nodes.get(this.o.config.nodeName, { signal });
    const labels = existing.metadata.labels ?? {};
    const missing = Object.entries(this.o.config.labels).filter(([k, v]) => labels[k] !== v);
    if (missing.length === 0) return existing;
    return this.o.nodes.patch(
      this.o.config.nodeName,
      'strategic',
      {
        metadata: { labels: Object.fromEntries(missing) },
      },
      { signal },
    );
  }

  /** run keeps the status current until `signal` aborts. Never throws for API errors. */
  async run(signal: AbortSignal): Promise<void> {
    const period = this.o.updateFrequencyMs ?? 10_000;
    while (!signal.aborted) {
      this.kicked = false;
      try {
        await this.sync(signal);
      } catch (err) {
        if (signal.aborted) break;
        this.o.onWrite?.(false);
        this.o.logger.warn('node status update failed', { err });
      }
      if (this.kicked) continue;
      const wake = new AbortController();
      this.wake = wake;
      await this.o.clock.sleep(period, AbortSignal.any([signal, wake.signal])).catch(() => {});
      this.wake = undefined;
    }
  }

  /** sync computes the status once and writes it if due. */
  async sync(signal?: AbortSignal): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    if (this.o.images) this.images = await this.o.images().catch(() => this.images);
    const now = this.o.clock.now();
    const desired = nodeStatus(
      this.o.config,
      this.o.health(),
      cur.status,
      rfc3339(now),
      this.images,
    );
    const changed = !deepEqual(
      json(withoutHeartbeats(cur.status)),
      json(withoutHeartbeats(desired)),
    );
    const due = now - this.lastWriteMs >= (this.o.reportFrequencyMs ?? 10_000);
    if (!changed && !due) return;
    const patch = createTwoWayMergePatch(
      { status: json(cur.status) },
      { status: json(desired) },
      nodePatchMeta,
    );
    const stored = await this.o.nodes.patch<StoredNode>(
      this.o.config.nodeName,
      'strategic',
      patch,
      {
        subresource: 'status',
        ...(signal ? { signal } : {}),
      },
    );
    this.lastWriteMs = now;
    this.observe(stored);
    this.o.onWrite?.(true);
  }
}
