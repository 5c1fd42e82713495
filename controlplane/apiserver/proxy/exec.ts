import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { newBadRequest } from '../../api/errors.js';
import type { ApiRegistry } from '../registry/api-registry.js';
import type { KubeletClient } from './kubelet-client.js';
import { locatePod } from './pod-location.js';

/** EXEC_PARAMS are the PodExecOptions passed on to the node agent (container goes in the path). */
const EXEC_PARAMS = ['command', 'stdin', 'stdout', 'stderr', 'tty'];

/**
 * execPath is the agent's exec URL for a pod's container, carrying the
 * request's PodExecOptions (`command` once per argument). BadRequest
 * without a command.
 */
export function execPath(
  namespace: string,
  pod: string,
  container: string,
  q: URLSearchParams,
): string {
  if (q.getAll('command').length === 0) throw newBadRequest('you must specify at least 1 command');
  const out = new URLSearchParams();
  for (const [k, v] of q) if (EXEC_PARAMS.includes(k)) out.append(k, v);
  return (
    `/exec/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}/` +
    `${encodeURIComponent(container)}?${out.toString()}`
  );
}

/**
 * proxyExec serves an upgrade request on `pods/NAME/exec` (kubectl's
 * WebSocket, or its SPDY fallback): it finds the pod's container and node
 * (Status errors as kube-apiserver words them), then relays the upgrade to
 * the node agent, which speaks the channel protocol itself.
 */
export async function proxyExec(
  registry: ApiRegistry,
  kubelet: KubeletClient,
  namespace: string,
  name: string,
  req: IncomingMessage,
  query: URLSearchParams,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const loc = await locatePod(registry, namespace, name, query.get('container'));
  kubelet.proxyUpgrade(
    loc.endpoint,
    execPath(namespace, name, loc.container, query),
    req,
    socket,
    head,
  );
}
