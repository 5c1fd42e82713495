import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { Agent, request, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import {
  StatusError,
  isStatus,
  newServiceUnavailable,
  newStatus,
  newTimeout,
} from '../../api/errors.js';
import type { Status } from '../../api/meta.js';

/** KubeletClientOptions are kube-apiserver's --kubelet-* flags. */
export interface KubeletClientOptions {
  /** cert and key are presented to node agents (--kubelet-client-certificate, --kubelet-client-key). */
  cert?: string;
  key?: string;
  /**
   * ca verifies the agents' serving certificates (--kubelet-certificate-authority).
   * Without it they are not verified, as in Kubernetes.
   */
  ca?: string;
  /** timeoutMs bounds connecting and waiting for the answer's headers (--kubelet-timeout; 5 s). */
  timeoutMs?: number;
}

/** NodeEndpoint is where a node's agent serves: its address and daemon endpoint port. */
export interface NodeEndpoint {
  node: string;
  host: string;
  port: number;
}

/** DEFAULT_KUBELET_PORT is used when a Node reports no daemon endpoint port (kubelet's 10250). */
export const DEFAULT_KUBELET_PORT = 10250;

interface NodeLike {
  metadata: { name: string };
  status?: {
    addresses?: { type: string; address: string }[];
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
  };
}

const ADDRESS_PREFERENCE = ['InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS', 'Hostname'];

/**
 * endpointOf finds where `node`'s agent listens: its first address by type
 * (InternalIP first) and `status.daemonEndpoints.kubeletEndpoint.Port`.
 * ServiceUnavailable when the node has no address or serves no endpoint
 * (port 0: an agent started without --client-ca-file, or a hollow node).
 */
export function endpointOf(node: NodeLike): NodeEndpoint {
  const name = node.metadata.name;
  const addrs = node.status?.addresses ?? [];
  const addr = ADDRESS_PREFERENCE.map((t) => addrs.find((a) => a.type === t)).find(Boolean);
  if (!addr) throw newServiceUnavailable(`node "${name}" reports no address`);
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (port === 0) {
    throw newServiceUnavailable(
      `node "${name}" serves no logs/exec/stats endpoint (its agent runs without --client-ca-file)`,
    );
  }
  return { node: name, host: addr.address, port: port ?? DEFAULT_KUBELET_PORT };
}

/** statusFromAgent turns an agent's failure answer into a StatusError (its Status, or the text). */
export function statusFromAgent(code: number, body: string): StatusError {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (isStatus(parsed)) return new StatusError(parsed);
  } catch {
    // Not JSON: the text is the message, as kube-apiserver does with kubelet's plain errors.
  }
  const reason = code === 404 ? 'NotFound' : code === 400 ? 'BadRequest' : 'InternalError';
  return new StatusError(newStatus(code, reason, body.trim() || `node agent answered ${code}`));
}

/**
 * KubeletClient is how the API server talks to node agents (kube-apiserver's
 * kubelet client): HTTPS with the configured client certificate, keep-alive
 * connections for plain requests, a fresh connection per upgraded stream.
 */
export class KubeletClient {
  private readonly agent: Agent;
  readonly timeoutMs: number;

  constructor(private readonly o: KubeletClientOptions = {}) {
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.agent = new Agent({ ...this.tls(), keepAlive: true, maxSockets: 16 });
  }

  private tls(): Pick<RequestOptions, 'cert' | 'key' | 'ca' | 'rejectUnauthorized'> {
    return {
      ...(this.o.cert ? { cert: this.o.cert } : {}),
      ...(this.o.key ? { key: this.o.key } : {}),
      ...(this.o.ca ? { ca: this.o.ca } : {}),
      rejectUnauthorized: !!this.o.ca,
    };
  }

  private unreachable(ep: NodeEndpoint, e: unknown): StatusError {
    const why = e instanceof Error ? e.message : String(e);
    return newServiceUnavailable(
      `error talking to node "${ep.node}" (https://${ep.host}:${ep.port}): ${why}`,
    );
  }

  /**
   * get sends `GET path` to a node's agent and resolves with its response
   * once the headers are in: a 2xx to stream on, or a StatusError (the
   * agent's own Status for its failures; ServiceUnavailable when it can't be
   * reached; Timeout past `timeoutMs`). `signal` aborts the request at any
   * time, body included.
   */
  get(ep: NodeEndpoint, path: string, signal: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: ep.host,
        port: ep.port,
        path,
        method: 'GET',
        agent: this.agent,
        signal,
        headers: { Accept: 'application/json, */*' },
      });
      const timer = setTimeout(() => {
        req.destroy(newTimeout(`node "${ep.node}" did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      timer.unref();
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e instanceof StatusError ? e : this.unreachable(ep, e));
      });
      req.on('response', (res) => {
        clearTimeout(timer);
        const code = res.statusCode ?? 500;
        if (code >= 200 && code < 300) return resolve(res);
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('end', () => reject(statusFromAgent(code, Buffer.concat(chunks).toString())));
        res.on('error', (e) => reject(this.unreachable(ep, e)));
      });
      req.end();
    });
  }

  /** getJson reads a JSON answer (at most 64 MiB) from a node's agent within `timeoutMs`. */
  async getJson<T>(ep: NodeEndpoint, path: string, signal: AbortSignal): Promise<T> {
    const own = AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]);
    const res = await this.get(ep, path, own);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const b of res as AsyncIterable<Buffer>) {
      size += b.length;
      if (size > 64 * 1024 * 1024) throw this.unreachable(ep, new Error('answer too large'));
      chunks.push(b);
    }
    return JSON.parse(Buffer.concat(chunks).toString()) as T;
  }

  /**
   * proxyUpgrade relays an upgrade request (WebSocket, or SPDY for older
   * clients) to a node's agent on a fresh connection, byte for byte: the
   * agent's 101 answer and everything after it go back to `client`, and the
   * two connections live and die together. A refusal (the agent's Status)
   * is relayed as is; an unreachable agent gets a 503 Status. Only the
   * upgrade-related headers are forwarded: the user's credentials stay here.
   */
  proxyUpgrade(
    ep: NodeEndpoint,
    path: string,
    incoming: IncomingMessage,
    client: Duplex,
    head: Buffer,
  ): void {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(incoming.headers)) {
      if (v === undefined) continue;
      const lower = k.toLowerCase();
      if (
        lower === 'upgrade' ||
        lower === 'connection' ||
        lower.startsWith('sec-websocket-') ||
        lower === 'x-stream-protocol-version'
      ) {
        headers[k] = Array.isArray(v) ? v.join(', ') : v;
      }
    }
    const req = request({
      ...this.tls(),
      host: ep.host,
      port: ep.port,
      path,
      method: incoming.method ?? 'GET',
      agent: false,
      headers,
    });
    const timer = setTimeout(
      () => req.destroy(newTimeout(`node "${ep.node}" did not answer within ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    timer.unref();
    client.on('error', () => req.destroy());
    req.on('upgrade', (res, upstream, upstreamHead) => {
      clearTimeout(timer);
      let text = `HTTP/1.1 ${res.statusCode ?? 101} ${res.statusMessage ?? 'Switching Protocols'}\r\n`;
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
        text += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
      }
      client.write(text + '\r\n');
      if (upstreamHead.length) client.write(upstreamHead);
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
      const close = (): void => {
        upstream.destroy();
        client.destroy();
      };
      upstream.on('error', close);
      client.on('error', close);
      upstream.on('close', close);
      client.on('close', close);
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => {
        const code = res.statusCode ?? 500;
        writeRawStatus(client, statusFromAgent(code, Buffer.concat(chunks).toString()).status);
      });
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      writeRawStatus(client, (e instanceof StatusError ? e : this.unreachable(ep, e)).status);
    });
    req.end();
  }

  /** close ends the keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}

/** writeRawStatus answers a connection that was not upgraded with a Status, then closes it. */
export function writeRawStatus(socket: Duplex, s: Status): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(s);
  socket.end(
    `HTTP/1.1 ${s.code} ${STATUS_CODES[s.code] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-cache, private\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
}
