import * as grpc from '@grpc/grpc-js';
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PROTO_LOADER_OPTIONS,
  RUNTIME_PROTO_PATH,
  connectRuntime,
  grpcCode,
  loadRuntimeProto,
} from './loader.js';

describe('proto/loader', () => {
  it('loads with the same options the type generator uses', async () => {
    const gen = await readFile(new URL('../scripts/gen-proto.mjs', import.meta.url), 'utf8');
    expect(PROTO_LOADER_OPTIONS.longs).toBe(String);
    expect(gen).toContain("'--longs=String'");
    expect(PROTO_LOADER_OPTIONS.enums).toBe(String);
    expect(gen).toContain("'--enums=String'");
    expect(PROTO_LOADER_OPTIONS.defaults).toBe(true);
    expect(gen).toContain("'--defaults'");
    expect(PROTO_LOADER_OPTIONS.oneofs).toBe(true);
    expect(gen).toContain("'--oneofs'");
    expect(gen).not.toContain('--keepCase');
    expect(RUNTIME_PROTO_PATH).toMatch(/proto\/runtime\/v1\/runtime\.proto$/);
  });

  it('gives typed promise clients over a unix socket, unary methods only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tug-loader-'));
    const v1 = loadRuntimeProto().tugboat.runtime.v1;
    const server = new grpc.Server();
    server.addService(v1.RuntimeService.service, {
      Version: (
        call: grpc.ServerUnaryCall<{ version: string }, unknown>,
        cb: grpc.sendUnaryData<unknown>,
      ) =>
        cb(null, {
          version: call.request.version,
          runtimeName: 'fake',
          runtimeVersion: '1',
          runtimeApiVersion: 'v1',
        }),
      ContainerStatus: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
        cb({ code: grpc.status.NOT_FOUND, details: 'no such container' }),
    });
    const address = `unix://${join(dir, 's.sock')}`;
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    const c = connectRuntime(address);
    try {
      const v = await c.runtime.Version({ version: 'v1' }, { timeoutMs: 5000 });
      expect(v).toMatchObject({ version: 'v1', runtimeName: 'fake', ociRuntime: '' });
      const err = await c.runtime.ContainerStatus({ containerId: 'x' }).catch((e: unknown) => e);
      expect(grpcCode(err)).toBe(grpc.status.NOT_FOUND);
      expect(Object.keys(c.runtime)).not.toContain('GetContainerEvents');
      expect(Object.keys(c.runtime)).not.toContain('Exec');
      expect(Object.keys(c.image)).not.toContain('ImportImage');
      expect(Object.keys(c.image)).toContain('PullImage');
      const ac = new AbortController();
      ac.abort();
      expect(
        grpcCode(await c.runtime.Version({}, { signal: ac.signal }).catch((e: unknown) => e)),
      ).toBe(grpc.status.CANCELLED);
    } finally {
      c.close();
      server.forceShutdown();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
