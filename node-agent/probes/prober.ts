import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type {
  Container,
  HTTPGetAction,
  IntOrString,
  Probe,
} from '../../controlplane/api/types/index.js';
import { isRuntimeDeadlineExceeded, runtimeErrorFrom } from '../runtime/errors.js';
import type { RuntimeService } from '../runtime/runtime.js';

/** ProbeOutcome is one probe's result: success, failure, or unknown (could not run: not counted). */
export interface ProbeOutcome {
  result: 'success' | 'failure' | 'unknown';
  /** output explains a failure, as kubelet words it (`HTTP probe failed with statuscode: 500`). */
  output: string;
}

/** ProbeTarget is where a probe of one container goes. */
export interface ProbeTarget {
  containerId: string;
  container: Container;
  podIP: string;
}

/**
 * ProbeRunner runs one probe once. The agent's runner execs through the
 * runtime and dials pod IPs from the node; tests inject a fake.
 */
export interface ProbeRunner {
  run(probe: Probe, target: ProbeTarget, signal: AbortSignal): Promise<ProbeOutcome>;
}

/** resolvePort turns a probe port (a number or a named container port) into a number. */
export function resolvePort(port: IntOrString, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

const MAX_OUTPUT = 10 * 1024;

/**
 * AgentProbeRunner is the real ProbeRunner: exec probes run the command in
 * the container with the shim's ExecSync (exit 0 is success; running past
 * timeoutSeconds is failure), httpGet and tcpSocket probes dial the pod IP
 * (or the probe's host) from the agent, which runs in the node's network
 * namespace where pod IPs route. HTTP codes 200–399 are success; redirects
 * are not followed. gRPC probes are not supported and report unknown.
 */
export class AgentProbeRunner implements ProbeRunner {
  constructor(
    private readonly runtime: RuntimeService,
    private readonly userAgent = 'kube-probe/1.32',
  ) {}

  async run(probe: Probe, target: ProbeTarget, signal: AbortSignal): Promise<ProbeOutcome> {
    const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
    if (probe.exec)
      return this.exec(probe.exec.command ?? [], target, probe.timeoutSeconds ?? 1, signal);
    if (probe.httpGet) return this.http(probe.httpGet, target, timeoutMs, signal);
    if (probe.tcpSocket) {
      const port = resolvePort(probe.tcpSocket.port, target.container);
      if (port === undefined)
        return { result: 'failure', output: `unknown port ${probe.tcpSocket.port}` };
      return tcpProbe(probe.tcpSocket.host || target.podIP, port, timeoutMs, signal);
    }
    return { result: 'unknown', output: 'probe type not supported by tug-agent' };
  }

  private async exec(
    cmd: string[],
    target: ProbeTarget,
    timeoutSeconds: number,
    signal: AbortSignal,
  ): Promise<ProbeOutcome> {
    try {
      const res = await this.runtime.ExecSync(
        { containerId: target.containerId, cmd, timeout: timeoutSeconds },
        { signal, timeoutMs: timeoutSeconds * 1000 + 10_000 },
      );
      const output = (Buffer.concat([res.stdout, res.stderr]).toString() || '').slice(
        0,
        MAX_OUTPUT,
      );
      return res.exitCode === 0
        ? { result: 'success', output }
        : { result: 'failure', output: output || `command exited with ${res.exitCode}` };
    } catch (e) {
      if (isRuntimeDeadlineExceeded(e)) {
        return { result: 'failure', output: `command timed out after ${timeoutSeconds}s` };
      }
      return { result: 'unknown', output: runtimeErrorFrom(e).message };
    }
  }

  private http(
    action: HTTPGetAction,
    target: ProbeTarget,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<ProbeOutcome> {
    const port = resolvePort(action.port, target.container);
    if (port === undefined) {
      return Promise.resolve({ result: 'failure', output: `unknown port ${action.port}` });
    }
    const https = action.scheme === 'HTTPS';
    const host = action.host || target.podIP;
    const path = action.path
      ? action.path.startsWith('/')
        ? action.path
        : `/${action.path}`
      : '/';
    const url = `${https ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
    const headers: Record<string, string> = { 'User-Agent': this.userAgent, Accept: '*/*' };
    for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
    return new Promise((resolve) => {
      const done = (o: ProbeOutcome): void => {
        clearTimeout(timer);
        resolve(o);
      };
      const req = (https ? httpsRequest : httpRequest)(
        url,
        { method: 'GET', headers, rejectUnauthorized: false, signal },
        (res) => {
          res.resume();
          const code = res.statusCode ?? 0;
          done(
            code >= 200 && code < 400
              ? { result: 'success', output: '' }
              : { result: 'failure', output: `HTTP probe failed with statuscode: ${code}` },
          );
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        done({
          result: 'failure',
          output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
        });
      }, timeoutMs);
      timer.unref();
      req.on('error', (e) => done({ result: 'failure', output: `Get "${url}": ${e.message}` }));
      req.end();
    });
  }
}

/** tcpProbe succeeds when a TCP connection to host:port opens within the timeout. */
export function tcpProbe(
  host: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, signal });
    const done = (o: ProbeOutcome): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(
      () => done({ result: 'failure', output: `dial tcp ${host}:${port}: i/o timeout` }),
      timeoutMs,
    );
    timer.unref();
    sock.on('connect', () => done({ result: 'success', output: '' }));
    sock.on('error', (e) =>
      done({ result: 'failure', output: `dial tcp ${host}:${port}: ${e.message}` }),
    );
  });
}
