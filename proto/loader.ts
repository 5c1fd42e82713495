import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/runtime.js';
import type { ImageServiceClient } from './generated/tugboat/runtime/v1/ImageService.js';
import type { RuntimeServiceClient } from './generated/tugboat/runtime/v1/RuntimeService.js';

/**
 * PROTO_LOADER_OPTIONS are the options the .proto files are loaded with at
 * run time. They must equal the flags scripts/gen-proto.mjs gives
 * proto-loader-gen-types, or the generated types would lie about the shapes
 * on the wire (int64 as decimal strings, enums as their names, defaults
 * filled in, a `oneof` field naming the member that is set).
 */
export const PROTO_LOADER_OPTIONS: Options = {
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** packageRoot is the folder holding package.json, found from this module (sources or dist/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir)
      throw new Error('proto/loader: package.json not found above ' + import.meta.url);
    dir = up;
  }
}

/** RUNTIME_PROTO_PATH is the absolute path of proto/runtime/v1/runtime.proto. */
export const RUNTIME_PROTO_PATH = join(packageRoot(), 'proto', 'runtime', 'v1', 'runtime.proto');

/**
 * loadRuntimeProto parses runtime.proto and returns its typed package
 * object: `.tugboat.runtime.v1.RuntimeService` is both a client constructor
 * and (`.service`) the definition a server adds. Each call parses the file
 * again (tens of ms); callers keep the result.
 */
export function loadRuntimeProto(): ProtoGrpcType {
  const def = loadSync(RUNTIME_PROTO_PATH, PROTO_LOADER_OPTIONS);
  return grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
}

/** CallOptions are per-call options of the promise-returning clients. */
export interface CallOptions {
  /** timeoutMs sets the call's gRPC deadline. */
  timeoutMs?: number;
  /** signal cancels the call (it then rejects with CANCELLED). */
  signal?: AbortSignal;
}

type UnaryOf<M> = M extends (
  argument: infer Req,
  callback: grpc.requestCallback<infer Res>,
) => grpc.ClientUnaryCall
  ? (request: Req, options?: CallOptions) => Promise<Res>
  : never;

/**
 * Unary is a promise-returning view of a generated client: one method per
 * unary RPC, named as in the proto (`Version`, `RunPodSandbox`, …).
 * Streaming RPCs are used from the generated client itself (`raw`).
 */
export type Unary<C> = {
  [
    K in keyof C as K extends string
      ? K extends Capitalize<K>
        ? UnaryOf<C[K]> extends never
          ? never
          : K
        : never
      : never
  ]: UnaryOf<C[K]>;
};

/** RuntimeClients are typed clients of both shim services on one channel. */
export interface RuntimeClients {
  runtime: Unary<RuntimeServiceClient>;
  image: Unary<ImageServiceClient>;
  /** raw holds the generated callback/stream clients, for streaming RPCs. */
  raw: { runtime: RuntimeServiceClient; image: ImageServiceClient };
  /** close closes the channel. Idempotent. */
  close(): void;
}

/**
 * connectRuntime returns typed clients of the shim at `address`
 * (`unix:///run/tug/shim.sock`). It does not wait for the shim: the first
 * call does (use `waitForReady` in a loop, or call Version, to wait).
 * Errors are grpc-js ServiceErrors; test them with `grpcCode(e)`.
 */
export function connectRuntime(
  address: string,
  options: grpc.ChannelOptions = {},
  proto: ProtoGrpcType = loadRuntimeProto(),
): RuntimeClients {
  const v1 = proto.tugboat.runtime.v1;
  const creds = grpc.credentials.createInsecure();
  const channelOptions: grpc.ChannelOptions = {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    ...options,
  };
  const runtime = new v1.RuntimeService(address, creds, channelOptions);
  // Both services share runtime's channel, so one connection serves both.
  const image = new v1.ImageService(address, creds, {
    ...channelOptions,
    channelOverride: runtime.getChannel(),
  });
  return {
    runtime: promisify<RuntimeServiceClient>(runtime, v1.RuntimeService.service),
    image: promisify<ImageServiceClient>(image, v1.ImageService.service),
    raw: { runtime, image },
    close() {
      image.close();
      runtime.close();
    },
  };
}

/**
 * promisify builds the Unary view of `client` from its service definition.
 * Method names come from the definition, so the view has exactly the
 * unary RPCs of the proto.
 */
export function promisify<C extends grpc.Client>(
  client: C,
  service: grpc.ServiceDefinition,
): Unary<C> {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(service)) {
    if (method.requestStream || method.responseStream) continue;
    const fn = (client as unknown as Record<string, unknown>)[name];
    if (typeof fn !== 'function') continue;
    out[name] = (request: unknown, opts: CallOptions = {}) =>
      new Promise((resolve, reject) => {
        const callOpts: grpc.CallOptions = {};
        if (opts.timeoutMs !== undefined) callOpts.deadline = Date.now() + opts.timeoutMs;
        const call = (fn as (...a: unknown[]) => grpc.ClientUnaryCall).call(
          client,
          request,
          new grpc.Metadata(),
          callOpts,
          (err: grpc.ServiceError | null, res: unknown) => {
            opts.signal?.removeEventListener('abort', onAbort);
            if (err) reject(err);
            else resolve(res);
          },
        );
        const onAbort = (): void => call.cancel();
        if (opts.signal?.aborted) call.cancel();
        else opts.signal?.addEventListener('abort', onAbort, { once: true });
      });
  }
  return out as Unary<C>;
}

/** grpcCode returns the gRPC status code of an error from a client call, or undefined. */
export function grpcCode(e: unknown): grpc.status | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'number') {
    return e.code as grpc.status;
  }
  return undefined;
}
