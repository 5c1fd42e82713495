import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../../lib/time.js';
import type { Logger } from '../../../lib/log.js';
import type { ApiRegistry } from '../registry/api-registry.js';
import type { UserInfo } from '../registry/types.js';
import type { EtcdStorage } from '../storage/etcd-storage.js';
import type { ApiServerMetrics } from '../metrics.js';
import type { KubeletClient } from '../proxy/kubelet-client.js';
import type { Edge } from './edge.js';
import type { Accept } from './respond.js';

/** HandlerDeps are the server-wide collaborators every handler uses. */
export interface HandlerDeps {
  registry: ApiRegistry;
  storage: EtcdStorage;
  edge: Edge;
  clock: Clock;
  logger: Logger;
  metrics: ApiServerMetrics;
  /** bookmarkIntervalMs: how often an idle watch that allows bookmarks gets one. */
  bookmarkIntervalMs: number;
  /** kubelet reaches node agents (pods/log, pods/exec, metrics.k8s.io). */
  kubelet: KubeletClient;
  /** signal aborts when the server shuts down (ends open watches). */
  signal: AbortSignal;
}

/** Ctx is one request in flight. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  user: UserInfo;
  accept: Accept;
  deps: HandlerDeps;
  /** warnings become `Warning: 299 - "…"` headers. */
  warnings: string[];
}

/** warningHeaders renders collected warnings as HTTP Warning headers. */
export function warningHeaders(c: Ctx): Record<string, string> {
  if (c.warnings.length === 0) return {};
  return { Warning: c.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}
