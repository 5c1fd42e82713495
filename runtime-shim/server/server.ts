import { Server, ServerCredentials } from '@grpc/grpc-js';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../../lib/log.js';
import { loadRuntimeProto } from '../../proto/loader.js';
import type { Shim } from '../core/shim.js';
import type { ShimMetrics } from '../metrics/metrics.js';
import { HandlerKit } from './handlers.js';
import { imageService } from './image-service.js';
import { runtimeService, type OpenStream } from './runtime-service.js';

/** ShimServerOptions configure the gRPC server. */
export interface ShimServerOptions {
  shim: Shim;
  logger: Logger;
  metrics?: ShimMetrics;
}

/** unixSocketPath returns the file of a `unix:///path` (or `unix:/path`) address, undefined for others. */
export function unixSocketPath(address: string): string | undefined {
  const m = /^unix:(?:\/\/)?(\/.*)$/.exec(address);
  return m?.[1];
}

/**
 * ShimServer serves the RuntimeService and ImageService of runtime.proto
 * with @grpc/grpc-js. On a unix socket it removes a stale socket file first
 * (a shim killed with -9 leaves one) and makes the new one owner-only.
 */
export class ShimServer implements AsyncDisposable {
  private readonly server: Server;
  private socketPath: string | undefined;
  private closed = false;
  private readonly streams = new Set<OpenStream>();

  constructor(opts: ShimServerOptions) {
    // The 64 MiB limit leaves room for ExecSync's two 16 MiB outputs.
    this.server = new Server({
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    });
    const proto = loadRuntimeProto().tugboat.runtime.v1;
    const kit = new HandlerKit(opts.logger, opts.metrics);
    const info = { ociRuntime: '' };
    opts.shim.ctx.runtime
      .version()
      .then((v) => (info.ociRuntime = v))
      .catch(() => (info.ociRuntime = opts.shim.ctx.runtime.name));
    this.server.addService(
      proto.RuntimeService.service,
      runtimeService(opts.shim, kit, info, this.streams),
    );
    this.server.addService(proto.ImageService.service, imageService(opts.shim, kit));
  }

  /** listen binds `address` (`unix:///run/tug/shim.sock`, or `host:port`) and starts serving. */
  async listen(address: string): Promise<void> {
    const path = unixSocketPath(address);
    if (path !== undefined) {
      await mkdir(dirname(path), { recursive: true });
      await rm(path, { force: true });
    }
    await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    if (path !== undefined) {
      await chmod(path, 0o600);
      this.socketPath = path;
    }
  }

  /** [Symbol.asyncDispose] stops serving (open streams are cancelled) and removes the socket. Idempotent. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams]) s.end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000);
      timer.unref();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (this.socketPath) await rm(this.socketPath, { force: true });
  }
}
