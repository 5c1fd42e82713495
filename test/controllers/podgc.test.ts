import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../controlplane/api/resources.js';
import type { Node, Pod } from '../../controlplane/api/types/index.js';
import { podGc } from '../../controlplane/controllers/podgc/index.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { runControllers, type ControllerRun } from './gc-node-runner.js';

const nodes = findResource('', 'v1', 'nodes')!;
const pods = findResource('', 'v1', 'pods')!;

describe('pod GC on a real API server', () => {
  let s: TestApiServer;
  let run: ControllerRun;

  beforeAll(async () => {
    s = await startApiServer();
    run = await runControllers(s.client, [podGc], { terminatedPodGcThreshold: 2 });
  });
  afterAll(async () => {
    await run?.[Symbol.asyncDispose]();
    await s?.[Symbol.asyncDispose]();
  });

  const podClient = () => s.client.resource<Pod>(pods, 'default');
  const bound = (name: string, node: string) =>
    podClient().create({
      metadata: { name },
      spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] },
    });
  const names = async (): Promise<string[]> =>
    (await podClient().list()).items.map((p) => p.metadata.name).sort();

  it('force-deletes pods whose node is gone, and only those', async () => {
    await s.client.resource<Node>(nodes).create({ metadata: { name: 'here' } });
    await bound('on-here', 'here');
    await bound('on-ghost', 'ghost');
    await waitFor(async () => !(await names()).includes('on-ghost'), {
      timeoutMs: 30_000,
      what: 'the pod on a missing node to be deleted',
    });
    expect(await names()).toContain('on-here');

    // Deleting its node orphans the other one too.
    await s.client.resource(nodes).delete('here');
    await waitFor(async () => !(await names()).includes('on-here'), {
      timeoutMs: 30_000,
      what: 'the pod of the deleted node to be deleted',
    });
  });

  it('keeps at most the threshold of terminated pods, deleting the oldest', async () => {
    await s.client.resource<Node>(nodes).create({ metadata: { name: 'worker' } });
    for (const [i, phase] of (['Succeeded', 'Failed', 'Succeeded'] as const).entries()) {
      const name = `done-${i + 1}`;
      await bound(name, 'worker');
      await podClient().patch(name, 'merge', { status: { phase } }, { subresource: 'status' });
    }
    await bound('running', 'worker');
    await waitFor(async () => !(await names()).includes('done-1'), {
      timeoutMs: 30_000,
      what: 'the oldest terminated pod to be deleted',
    });
    expect(await names()).toEqual(['done-2', 'done-3', 'running']);
  });
});
