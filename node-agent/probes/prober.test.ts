import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/ports.js';
import { FakeRuntime } from '../testing/fake-runtime.js';
import { AgentProbeRunner, resolvePort } from './prober.js';

describe('AgentProbeRunner', () => {
  let http: Server;
  let port: number;
  const seen: { path: string; ua: string; header: string }[] = [];

  beforeAll(async () => {
    http = createServer((req, res) => {
      seen.push({
        path: req.url ?? '',
        ua: String(req.headers['user-agent']),
        header: String(req.headers['x-probe'] ?? ''),
      });
      if (req.url === '/slow') return; // never answers
      const code = req.url === '/healthz' ? 200 : req.url === '/redirect' ? 302 : 503;
      res.writeHead(code).end();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    port = (http.address() as AddressInfo).port;
  });
  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  });

  const runtime = new FakeRuntime();
  const runner = new AgentProbeRunner(runtime.runtime);
  const target = (ports: { name: string; containerPort: number }[] = []) => ({
    containerId: 'none',
    container: { name: 'web', ports },
    podIP: '127.0.0.1',
  });
  const signal = new AbortController().signal;

  it('httpGet: 2xx and 3xx succeed, others fail with the status code; named ports resolve', async () => {
    const ok = await runner.run(
      {
        httpGet: {
          path: '/healthz',
          port: 'http',
          httpHeaders: [{ name: 'X-Probe', value: 'yes' }],
        },
      },
      target([{ name: 'http', containerPort: port }]),
      signal,
    );
    expect(ok.result).toBe('success');
    expect(seen.at(-1)).toEqual({ path: '/healthz', ua: 'kube-probe/1.32', header: 'yes' });
    expect(
      (await runner.run({ httpGet: { path: '/redirect', port } }, target(), signal)).result,
    ).toBe('success');
    expect(await runner.run({ httpGet: { path: '/bad', port } }, target(), signal)).toEqual({
      result: 'failure',
      output: 'HTTP probe failed with statuscode: 503',
    });
    const slow = await runner.run(
      { httpGet: { path: '/slow', port }, timeoutSeconds: 1 },
      target(),
      signal,
    );
    expect(slow.result).toBe('failure');
    expect(slow.output).toContain('context deadline exceeded');
    const unknown = await runner.run({ httpGet: { port: 'nope' } }, target(), signal);
    expect(unknown).toEqual({ result: 'failure', output: 'unknown port nope' });
  });

  it('tcpSocket: an open port succeeds, a closed one fails', async () => {
    expect((await runner.run({ tcpSocket: { port } }, target(), signal)).result).toBe('success');
    const closed = await freePort();
    const r = await runner.run({ tcpSocket: { port: closed } }, target(), signal);
    expect(r.result).toBe('failure');
    expect(r.output).toContain(`dial tcp 127.0.0.1:${closed}`);
  });

  it('exec: runs through ExecSync; exit 0 succeeds, other codes fail with the output', async () => {
    const rt = new FakeRuntime({
      exec: (_id, cmd) =>
        cmd[0] === 'ok' ? { exitCode: 0 } : { exitCode: 1, stdout: 'not ready\n' },
    });
    const { podSandboxId } = await rt.runtime.RunPodSandbox({
      config: { metadata: { name: 'p', namespace: 'd', uid: 'u' } },
    });
    const { containerId } = await rt.runtime.CreateContainer({
      podSandboxId,
      config: { metadata: { name: 'c' }, image: { image: 'busybox' } },
    });
    await rt.runtime.StartContainer({ containerId });
    const r = new AgentProbeRunner(rt.runtime);
    const t = { containerId, container: { name: 'c' }, podIP: '' };
    expect((await r.run({ exec: { command: ['ok'] }, timeoutSeconds: 3 }, t, signal)).result).toBe(
      'success',
    );
    expect(await r.run({ exec: { command: ['no'] } }, t, signal)).toEqual({
      result: 'failure',
      output: 'not ready\n',
    });
    expect(rt.requestsOf<{ cmd: string[]; timeout: number }>('ExecSync')[0]).toMatchObject({
      cmd: ['ok'],
      timeout: 3,
    });
    rt.injectError('ExecSync', 'DeadlineExceeded');
    expect(await r.run({ exec: { command: ['ok'] } }, t, signal)).toEqual({
      result: 'failure',
      output: 'command timed out after 1s',
    });
  });

  it('resolvePort reads numbers, numeric strings and named ports', () => {
    const c = { name: 'c', ports: [{ name: 'web', containerPort: 8080 }] };
    expect(resolvePort(80, c)).toBe(80);
    expect(resolvePort('81', c)).toBe(81);
    expect(resolvePort('web', c)).toBe(8080);
    expect(resolvePort('x', c)).toBeUndefined();
  });
});
