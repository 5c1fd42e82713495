import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib/time.js';
import type { Controller } from '../controller.js';
import { newTestContext } from '../replicaset/testing.js';
import {
  UnknownControllerError,
  defaultControllers,
  selectControllers,
  type ControllerEntry,
} from './controllers.js';
import { ControllerManager } from './manager.js';
import { ManagerMetrics } from './metrics.js';

const names = (es: ControllerEntry[]): string[] => es.map((e) => e.name);

describe('selectControllers (--controllers)', () => {
  it('takes *, names, aliases and -names like kube-controller-manager', () => {
    expect(names(selectControllers(defaultControllers, ['*']))).toEqual(
      defaultControllers.map((c) => c.name),
    );
    expect(names(selectControllers(defaultControllers, ['deployment', 'replicaset']))).toEqual([
      'replicaset',
      'deployment',
    ]);
    expect(names(selectControllers(defaultControllers, ['*', '-podgc']))).not.toContain('podgc');
    expect(
      names(selectControllers(defaultControllers, ['*', '-node-ipam-controller'])),
    ).not.toContain('nodeipam');
    expect(names(selectControllers(defaultControllers, ['replicaset-controller']))).toEqual([
      'replicaset',
    ]);
    expect(selectControllers(defaultControllers, [''])).toEqual([]);
    expect(() => selectControllers(defaultControllers, ['*', 'nope'])).toThrow(
      UnknownControllerError,
    );
    expect(() => selectControllers(defaultControllers, ['-nope'])).toThrow(
      /unknown controller "nope"/,
    );
  });

  it('lists every controller with a factory', () => {
    expect(names([...defaultControllers])).toEqual([
      'replicaset',
      'deployment',
      'garbagecollector',
      'namespace',
      'nodeipam',
      'nodelifecycle',
      'taint-eviction',
      'podgc',
    ]);
  });
});

describe('ManagerMetrics', () => {
  it('exposes queue depth, adds, retries and reconcile latency per controller', async () => {
    const m = new ManagerMetrics({ processMetrics: false });
    let depth = 3;
    m.watchDepth('replicaset', () => depth);
    m.queueAdded('replicaset');
    m.queueAdded('replicaset');
    m.queueRetried('replicaset');
    m.reconciled('replicaset', 0.002, true);
    m.reconciled('replicaset', 0.5, false);
    m.leading('kube-controller-manager', true);
    depth = 7;
    const text = await m.registry.metrics();
    expect(text).toContain('workqueue_depth{name="replicaset"} 7');
    expect(text).toContain('workqueue_adds_total{name="replicaset"} 2');
    expect(text).toContain('workqueue_retries_total{name="replicaset"} 1');
    expect(text).toContain(
      'controller_reconcile_duration_seconds_count{controller="replicaset"} 2',
    );
    expect(text).toContain('controller_reconcile_total{controller="replicaset",result="error"} 1');
    expect(text).toContain('leader_election_master_status{name="kube-controller-manager"} 1');
  });
});

describe('ControllerManager without leader election', () => {
  it('constructs every controller before running any, and stops them all when one fails', async () => {
    const order: string[] = [];
    const ctx = newTestContext(new FakeClock());
    const entry = (name: string, fail = false): ControllerEntry => ({
      name,
      factory: (): Controller => {
        order.push(`new ${name}`);
        return {
          name,
          run: async (signal) => {
            order.push(`run ${name}`);
            if (fail) throw new Error(`${name} broke`);
            await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
            order.push(`stopped ${name}`);
          },
        };
      },
    });
    const manager = new ControllerManager({
      rest: ctx.rest,
      controllers: [entry('a'), entry('b', true)],
      options: ctx.options,
      clock: ctx.clock,
    });
    await expect(manager.run(new AbortController().signal)).rejects.toThrow('b broke');
    expect(order).toEqual(['new a', 'new b', 'run a', 'run b', 'stopped a']);
  });

  it('reports a factory that throws, naming the controller', async () => {
    const ctx = newTestContext(new FakeClock());
    const manager = new ControllerManager({
      rest: ctx.rest,
      controllers: [
        {
          name: 'bad',
          factory: () => {
            throw new Error('no');
          },
        },
      ],
      options: ctx.options,
      clock: ctx.clock,
    });
    await expect(manager.run(new AbortController().signal)).rejects.toThrow(
      'cannot start controller bad: no',
    );
  });
});
