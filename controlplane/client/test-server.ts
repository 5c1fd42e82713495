/**
 * A local HTTPS server for client tests: it records every request (method,
 * path, query, headers, body, client certificate CN) and answers with a
 * handler the test sets. Certificates come from lib/pki. Test-only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { generateCa, generateCert, type KeyPair } from '../../lib/pki.js';
import type { Clock } from '../../lib/time.js';
import { RestClient, type RestConfig } from './rest-client.js';

/** SeenRequest is one request as the test server received it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
  /** clientCN is the common name of the client certificate, if one was presented. */
  clientCN: string | undefined;
}

/** TestHandler answers one request. */
export type TestHandler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

/** sendJson answers `body` as JSON with `code`. */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * TestHttpsServer serves HTTPS on 127.0.0.1 with a fresh CA; it accepts
 * (but does not require) client certificates signed by that CA. The bearer
 * token clients made by `client()` send is `sekret`.
 */
export class TestHttpsServer {
  /** seen lists the requests since the last `handle` call. */
  seen: SeenRequest[] = [];
  private handler: TestHandler = (_req, res) => sendJson(res, 404, {});
  private readonly clients: RestClient[] = [];

  private readonly server: Server;

  private constructor(
    serving: KeyPair,
    readonly ca: KeyPair,
    /** clientPair is a client certificate for CN `alice`, signed by `ca`. */
    readonly clientPair: KeyPair,
  ) {
    this.server = createServer(
      {
        cert: serving.cert,
        key: serving.key,
        ca: ca.cert,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => this.receive(req, res),
    );
  }

  /** start makes the certificates and listens on a free port. */
  static async start(): Promise<TestHttpsServer> {
    const ca = await generateCa('client-test-ca');
    const serving = await generateCert(ca, { commonName: 'apiserver', ips: ['127.0.0.1'] });
    const clientPair = await generateCert(ca, { commonName: 'alice', usage: ['client'] });
    const self = new TestHttpsServer(serving, ca, clientPair);
    await new Promise<void>((r) => self.server.listen(0, '127.0.0.1', r));
    return self;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** handle sets the handler and forgets the requests seen so far. */
  handle(h: TestHandler): void {
    this.seen = [];
    this.handler = h;
  }

  /** client makes a RestClient trusting the CA with token `sekret`; closed by `closeClients`. */
  client(extra: Partial<RestConfig> = {}, clock?: Clock): RestClient {
    const c = new RestClient(
      { server: this.url, ca: this.ca.cert, token: 'sekret', ...extra },
      clock ? { clock } : {},
    );
    this.clients.push(c);
    return c;
  }

  closeClients(): void {
    for (const c of this.clients.splice(0)) c.close();
  }

  async close(): Promise<void> {
    this.closeClients();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://x');
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      this.seen.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
        clientCN: peer && 'subject' in peer && peer.subject ? String(peer.subject.CN) : undefined,
      });
      void Promise.resolve(this.handler(this.seen.at(-1) as SeenRequest, res)).catch((e: unknown) =>
        res.destroy(e as Error),
      );
    });
  }
}
