import { connect, type ClientHttp2Session } from 'node:http2';

/**
 * H2Client sends requests to the API server over one HTTP/2 connection, as
 * client-go and kubectl do (many requests in flight share it). For the
 * benchmarks' load; components use the RestClient.
 */
export class H2Client {
  private readonly session: ClientHttp2Session;

  constructor(
    url: string,
    ca: string,
    private readonly token: string,
  ) {
    this.session = connect(url, { ca });
    this.session.on('error', () => {});
  }

  /** request sends one request and resolves with the status and body text. */
  request(method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const st = this.session.request({
        ':method': method,
        ':path': path,
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      });
      let status = 0;
      let text = '';
      st.setEncoding('utf8');
      st.on('response', (h) => (status = Number(h[':status'])));
      st.on('data', (c: string) => (text += c));
      st.on('end', () => resolve({ status, body: text }));
      st.on('error', reject);
      st.end(body);
    });
  }

  close(): void {
    this.session.close();
  }
}
