/**
 * memoryHarness builds a ControllerContext over a MemoryApi and a FakeClock,
 * for unit tests of the garbage collector, namespace, node IPAM, node
 * lifecycle and pod GC controllers: construct a controller from it, `start()`
 * the shared informers, then call the controller's `reconcile(key)` directly
 * and look at the MemoryApi's calls and objects. Test-only.
 */
import { findResource, type ResourceInfo } from '../../controlplane/api/resources.js';
import {
  FakeEventRecorder,
  InformerFactory,
  type WorkQueue,
} from '../../controlplane/client/index.js';
import {
  defaultControllerManagerOptions,
  type ControllerContext,
  type ControllerManagerOptions,
} from '../../controlplane/controllers/controller.js';
import { nopLogger } from '../../lib/log.js';
import { FakeClock } from '../../lib/time.js';
import { MemoryApi } from './memory-api.js';

/** MemoryHarness: see memoryHarness. */
export interface MemoryHarness {
  api: MemoryApi;
  clock: FakeClock;
  ctx: ControllerContext;
  /** events returns the recorder handed to `component` (made on first use). */
  events(component: string): FakeEventRecorder;
  /** start runs the shared informers, waits until they synced, then forgets their list calls. */
  start(): Promise<void>;
  /** settle lets watch events reach the caches (everything is in-process). */
  settle(): Promise<void>;
  /**
   * pump plays the workers: settle, reconcile every ready key, repeat until
   * the queue stays empty (delayed keys are left); throws after 50 rounds.
   * Returns the keys reconciled, in order.
   */
  pump(queue: WorkQueue<string>, reconcile: (key: string) => Promise<void>): Promise<string[]>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** memoryHarness: see the file comment. Dispose it to stop the informers. */
export function memoryHarness(opts: Partial<ControllerManagerOptions> = {}): MemoryHarness {
  const clock = new FakeClock(Date.parse('2025-01-01T00:00:00Z'));
  const api = new MemoryApi(clock);
  const informers = new InformerFactory(api, { clock });
  const recorders = new Map<string, FakeEventRecorder>();
  const events = (component: string): FakeEventRecorder => {
    let r = recorders.get(component);
    if (!r) {
      r = new FakeEventRecorder();
      recorders.set(component, r);
    }
    return r;
  };
  const ctx: ControllerContext = {
    rest: api,
    informers,
    recorder: events,
    clock,
    logger: nopLogger,
    options: { ...defaultControllerManagerOptions, workers: 1, ...opts },
  };
  const ac = new AbortController();
  let running: Promise<void> | undefined;
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  };
  return {
    api,
    clock,
    ctx,
    events,
    async start() {
      running = informers.run(ac.signal);
      if (!(await informers.waitForSync(ac.signal))) throw new Error('informers did not sync');
      await settle();
      api.calls.length = 0;
    },
    settle,
    async pump(queue, reconcile) {
      const done: string[] = [];
      for (let round = 0; round < 50; round++) {
        await settle();
        const keys = await drain(queue);
        if (keys.length === 0) return done;
        for (const k of keys) await reconcile(k);
        done.push(...keys);
      }
      throw new Error(`the queue never emptied; last keys: ${done.slice(-10).join(', ')}`);
    },
    async [Symbol.asyncDispose]() {
      ac.abort();
      await running;
    },
  };
}

/**
 * drain takes every key ready in `queue` (marking each done) and returns
 * them sorted: what a controller's workers would handle next.
 */
export async function drain(queue: WorkQueue<string>): Promise<string[]> {
  const keys: string[] = [];
  while (queue.len > 0) {
    const k = await queue.get();
    if (k === undefined) break;
    queue.done(k);
    keys.push(k);
  }
  return keys.sort();
}

/** res looks up a served resource (test shorthand); throws for an unknown one. */
export function res(resource: string, group = ''): ResourceInfo {
  const version = group === 'autoscaling' ? 'v2' : 'v1';
  const info = findResource(group, version, resource);
  if (!info) throw new Error(`no resource ${resource}.${group}`);
  return info;
}
