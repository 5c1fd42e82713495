import { describe, expect, it } from 'vitest';
import { nopLogger } from '../../lib/log.js';
import { FakeClock } from '../../lib/time.js';
import { waitFor } from '../../lib/wait.js';
import { FakeRuntime } from '../testing/fake-runtime.js';
import { Pleg } from './pleg.js';

async function sandboxWithContainer(rt: FakeRuntime, uid: string): Promise<string> {
  const { podSandboxId } = await rt.runtime.RunPodSandbox({
    config: { metadata: { name: `pod-${uid}`, namespace: 'default', uid } },
  });
  const { containerId } = await rt.runtime.CreateContainer({
    podSandboxId,
    config: { metadata: { name: 'main' }, image: { image: 'busybox' } },
  });
  await rt.runtime.StartContainer({ containerId });
  return containerId;
}

describe('Pleg', () => {
  it('relists at start, reports changed UIDs, and follows container events', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime({ clock });
    const id = await sandboxWithContainer(rt, 'u1');
    const seen: string[] = [];
    const pleg = new Pleg({
      runtime: rt.runtime,
      clock,
      logger: nopLogger,
      onPod: (u) => seen.push(u),
    });
    const ac = new AbortController();
    const running = pleg.run(ac.signal);
    await waitFor(() => seen.includes('u1'), { timeoutMs: 5000, what: 'initial relist' });
    expect(pleg.runningContainers).toBe(1);
    seen.length = 0;
    rt.exitContainer(id, 1); // an event
    await waitFor(() => seen.includes('u1'), { timeoutMs: 5000, what: 'the stopped event' });
    ac.abort();
    await running;
  });

  it('the periodic relist reports changes and UIDs that vanished', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime({ clock });
    await sandboxWithContainer(rt, 'u1');
    const seen: string[] = [];
    const pleg = new Pleg({
      runtime: rt.runtime,
      clock,
      logger: nopLogger,
      onPod: (u) => seen.push(u),
    });
    await pleg.relist();
    expect(seen).toEqual(['u1']);
    await pleg.relist();
    expect(seen).toEqual(['u1']); // nothing changed: nothing reported
    const { items } = await rt.runtime.ListPodSandbox({});
    await rt.runtime.RemovePodSandbox({ podSandboxId: items[0]!.id });
    await sandboxWithContainer(rt, 'u2');
    await pleg.relist();
    expect(seen.sort()).toEqual(['u1', 'u1', 'u2']);
  });

  it('reconnects after the stream fails and relists then', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime({ clock });
    const seen: string[] = [];
    const pleg = new Pleg({
      runtime: rt.runtime,
      clock,
      logger: nopLogger,
      onPod: (u) => seen.push(u),
    });
    const ac = new AbortController();
    const running = pleg.run(ac.signal);
    await waitFor(() => rt.methods().includes('ListPodSandbox'), {
      timeoutMs: 5000,
      what: 'first relist',
    });
    rt.setDown(true);
    rt.setDown(false);
    await sandboxWithContainer(rt, 'u9');
    // The reconnect waits out a back-off on the fake clock.
    await waitFor(
      () => {
        clock.advance(1000);
        return seen.includes('u9');
      },
      { timeoutMs: 5000, what: 'the pod made while disconnected' },
    );
    ac.abort();
    await running;
  });
});
