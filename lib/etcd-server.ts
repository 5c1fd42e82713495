import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export interface EtcdServerOptions {
  /** dataDir is kept across restarts; a temp dir is made (and removed on dispose) when absent. */
  dataDir?: string;
  host?: string;
  clientPort?: number;
  peerPort?: number;
  name?: string;
  /** logFile receives etcd's output; it is discarded when absent. */
  logFile?: string;
  binary?: string;
}

/**
 * EtcdServer runs one real etcd member as a child process. `start` waits until
 * it answers /health; `stop` sends SIGTERM and waits for the exit; `restart`
 * keeps the data dir and ports. Disposing stops it and removes a temp data
 * dir. Used by tests and by `tug up`.
 */
export class EtcdServer {
  readonly dataDir: string;
  readonly host: string;
  private clientPort = 0;
  private peerPort = 0;
  private proc: ChildProcess | undefined;
  private readonly ownsDataDir: boolean;

  constructor(private readonly opts: EtcdServerOptions = {}) {
    this.ownsDataDir = !opts.dataDir;
    this.dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tug-etcd-'));
    this.host = opts.host ?? '127.0.0.1';
  }

  /** endpoint is the client URL, valid after start. */
  get endpoint(): string {
    return `http://${this.host}:${this.clientPort}`;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** start launches etcd, choosing free ports the first time, and waits for /health. */
  async start(timeoutMs = 20_000): Promise<void> {
    if (this.running) return;
    for (let attempt = 0; ; attempt++) {
      if (!this.clientPort) this.clientPort = this.opts.clientPort ?? (await freePort(this.host));
      if (!this.peerPort) this.peerPort = this.opts.peerPort ?? (await freePort(this.host));
      this.spawn();
      try {
        await this.waitHealthy(timeoutMs);
        return;
      } catch (e) {
        await this.stop();
        // Another process may have taken a port we picked; try fresh ones.
        if (attempt >= 2 || this.opts.clientPort) throw e;
        this.clientPort = 0;
        this.peerPort = 0;
      }
    }
  }

  private spawn(): void {
    const name = this.opts.name ?? 'default';
    const client = `http://${this.host}:${this.clientPort}`;
    const peer = `http://${this.host}:${this.peerPort}`;
    const out = this.opts.logFile ? openSync(this.opts.logFile, 'a') : 'ignore';
    this.proc = spawn(
      this.opts.binary ?? 'etcd',
      [
        '--name',
        name,
        '--data-dir',
        this.dataDir,
        '--listen-client-urls',
        client,
        '--advertise-client-urls',
        client,
        '--listen-peer-urls',
        peer,
        '--initial-advertise-peer-urls',
        peer,
        '--initial-cluster',
        `${name}=${peer}`,
        '--initial-cluster-state',
        'new',
        '--max-request-bytes',
        String(4 * 1024 * 1024),
        '--quota-backend-bytes',
        String(2 * 1024 * 1024 * 1024),
      ],
      {
        stdio: ['ignore', out, out],
        env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env['ETCD_UNSUPPORTED_ARCH'] ?? '' },
      },
    );
    if (typeof out === 'number') closeSync(out);
    this.proc.on('error', () => {});
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const proc = this.proc;
    await waitFor(
      async () => {
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(`etcd exited (code ${proc?.exitCode}, signal ${proc?.signalCode})`);
        }
        const res = await fetch(`${this.endpoint}/health`, { signal: AbortSignal.timeout(1000) });
        const body = (await res.json()) as { health?: string };
        return body.health === 'true';
      },
      { timeoutMs, intervalMs: 25, what: `etcd at ${this.endpoint}` },
    ).catch((e: unknown) => {
      if (proc && proc.exitCode !== null)
        throw new Error(`etcd exited with code ${proc.exitCode}`, { cause: e });
      throw e;
    });
  }

  /** stop sends SIGTERM (SIGKILL after 5 s) and resolves when etcd has exited. Idempotent. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }

  /** restart stops etcd and starts it again on the same ports and data. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
