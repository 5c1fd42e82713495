/**
 * runControllers runs some of the controller manager's controllers in this
 * process against a real API server, for the integration tests of the
 * garbage collector, namespace, node IPAM, node lifecycle and pod GC
 * controllers: one shared InformerFactory, event recorders writing real
 * Events, the real clock. It does not use the controller manager itself, so
 * these tests stand on the Controller contract alone. Test-only.
 */
import {
  ApiEventRecorder,
  InformerFactory,
  type RestClient,
} from '../../controlplane/client/index.js';
import {
  defaultControllerManagerOptions,
  type ControllerContext,
  type ControllerFactory,
  type ControllerManagerOptions,
} from '../../controlplane/controllers/controller.js';
import { nopLogger } from '../../lib/log.js';
import { realClock } from '../../lib/time.js';

/** ControllerRun is a set of running controllers; dispose to stop them. */
export interface ControllerRun {
  ctx: ControllerContext;
  /** flush sends the events recorded so far. */
  flush(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** runControllers starts `factories` and resolves once their informers synced. */
export async function runControllers(
  rest: RestClient,
  factories: ControllerFactory[],
  options: Partial<ControllerManagerOptions> = {},
): Promise<ControllerRun> {
  const recorders: ApiEventRecorder[] = [];
  const ctx: ControllerContext = {
    rest,
    informers: new InformerFactory(rest, { logger: nopLogger }),
    recorder: (component) => {
      const r = new ApiEventRecorder(rest, { component });
      recorders.push(r);
      return r;
    },
    clock: realClock,
    logger: nopLogger,
    options: { ...defaultControllerManagerOptions, workers: 2, ...options },
  };
  const controllers = factories.map((f) => f(ctx));
  const ac = new AbortController();
  const running = Promise.all([
    ctx.informers.run(ac.signal),
    ...controllers.map((c) => c.run(ac.signal)),
  ]);
  const stop = async (): Promise<void> => {
    ac.abort();
    await running;
  };
  if (!(await ctx.informers.waitForSync(ac.signal))) {
    await stop();
    throw new Error('informers did not sync');
  }
  return {
    ctx,
    flush: async () => {
      await Promise.all(recorders.map((r) => r.flush()));
    },
    [Symbol.asyncDispose]: stop,
  };
}
