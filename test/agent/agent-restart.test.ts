/**
 * Restarting a node agent on the same runtime (a FakeRuntime standing in
 * for the shim, which outlives the agent): running pods are adopted without
 * any container being created, started or stopped, and the containers of a
 * pod deleted while the agent was down are removed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../controlplane/api/resources.js';
import type { Pod, StoredPod } from '../../controlplane/api/types/index.js';
import { waitFor } from '../../lib/wait.js';
import { FakeRuntime, HOLLOW_MACHINE, NodeAgent } from '../../node-agent/index.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';

const podsInfo = findResource('', 'v1', 'pods')!;

describe('node agent restart', () => {
  let api: TestApiServer;
  let dir: string;

  beforeAll(async () => {
    api = await startApiServer();
    dir = await mkdtemp(join(tmpdir(), 'tug-agent-restart-'));
  });
  afterAll(async () => {
    await api?.[Symbol.asyncDispose]();
    await rm(dir, { recursive: true, force: true });
  });

  it('adopts running containers and removes those of pods deleted meanwhile', async () => {
    const runtime = new FakeRuntime();
    const start = () => {
      const ac = new AbortController();
      const agent = new NodeAgent({
        nodeName: 'restarty',
        rest: api.client,
        runtime,
        rootDir: join(dir, 'root'),
        nodeIP: '10.9.9.9',
        machine: HOLLOW_MACHINE,
      });
      const run = agent.run(ac.signal);
      return async () => {
        ac.abort();
        await run;
      };
    };
    const pods = api.client.resource<Pod>(podsInfo).namespace('default');
    const running = (name: string) =>
      waitFor(
        async () => {
          const p = await pods.get(name);
          return p.status?.phase === 'Running' ? p : undefined;
        },
        { timeoutMs: 30_000, what: `${name} Running` },
      );
    let stop = start();
    for (const name of ['stays', 'goes']) {
      await pods.create({
        metadata: { name },
        spec: { nodeName: 'restarty', containers: [{ name: 'main', image: 'busybox' }] },
      });
    }
    const before: StoredPod = await running('stays');
    await running('goes');
    expect(runtime.runningCount).toBe(2);
    await stop();

    // While the agent is down, one pod is force-deleted.
    await pods.delete('goes', { gracePeriodSeconds: 0 });
    runtime.clearCalls();
    stop = start();
    try {
      await waitFor(() => runtime.sandboxCount === 1, {
        timeoutMs: 30_000,
        what: 'the orphan removed',
      });
      expect(runtime.findContainer('goes', 'main')).toBeUndefined();
      const after = await running('stays');
      expect(after.status?.containerStatuses?.[0]?.containerID).toBe(
        before.status?.containerStatuses?.[0]?.containerID,
      );
      expect(after.status?.containerStatuses?.[0]?.restartCount).toBe(0);
      const touched = runtime
        .methods()
        .filter((m) => ['CreateContainer', 'StartContainer', 'RunPodSandbox'].includes(m));
      expect(touched).toEqual([]);
      expect(runtime.runningCount).toBe(1);
    } finally {
      await stop();
    }
  });
});
