import {
  status,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import type { Logger } from '../../lib/log.js';
import type { ShimMetrics } from '../metrics/metrics.js';
import { grpcStatusOf, statusName, toServiceError } from './grpc-errors.js';

/** HandlerKit wraps RPC implementations with the cross-cutting parts: errors, latency metrics, logs. */
export class HandlerKit {
  constructor(
    private readonly logger: Logger,
    private readonly metrics: ShimMetrics | undefined,
  ) {}

  /**
   * unary adapts `fn` (which returns or throws) to a grpc-js unary handler.
   * Thrown errors become their gRPC status (grpc-errors.ts); INTERNAL ones
   * are logged.
   */
  unary<Req, Res>(name: string, fn: (req: Req) => Promise<Res> | Res): handleUnaryCall<Req, Res> {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const t0 = process.hrtime.bigint();
      Promise.resolve()
        .then(() => fn(call.request))
        .then(
          (res) => {
            this.done(name, status.OK, t0);
            callback(null, res);
          },
          (e: unknown) => {
            const code = grpcStatusOf(e);
            this.done(name, code, t0, e);
            callback(toServiceError(e));
          },
        );
    };
  }

  /** done records the end of an RPC (also used by the streaming handlers). */
  done(name: string, code: status, t0: bigint, err?: unknown): void {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    this.metrics?.observe(name, statusName(code), seconds);
    if (code === status.INTERNAL) this.logger.error('rpc failed', { rpc: name, err });
    else if (code !== status.OK)
      this.logger.debug('rpc refused', { rpc: name, code: statusName(code), err });
  }
}
