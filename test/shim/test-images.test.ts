/**
 * The project's built-in test images (runtime-shim/images/test-images.ts, the
 * same code scripts/build-test-images.sh runs) through the shim: imported
 * over ImportImage, busybox from a docker save archive and the HTTP test
 * server from an OCI layout archive, served between two pods.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/wait.js';
import {
  buildTestImages,
  LocalImageStore,
  TestImageNames,
} from '../../runtime-shim/images/index.js';
import { importStream } from '../../runtime-shim/import-client.js';
import { startShim, type ShimHarness } from './support/harness.js';
import { logLines, runPod, startContainer, waitExited } from './support/helpers.js';

describe('built-in test images through the shim', () => {
  let dir: string;
  let h: ShimHarness;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tug-shim-testimages-'));
    h = await startShim({ images: async (d) => new LocalImageStore({ root: d }) });
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the webserver image to another pod by IP and stops it gracefully', async () => {
    const built = await buildTestImages({
      outDir: join(dir, 'out'),
      srcDir: fileURLToPath(new URL('../../test-images', import.meta.url)),
    });
    const address = `unix://${h.socket}`;
    const bb = await importStream(createReadStream(built.busybox.file), address);
    expect(bb.flatMap((i) => i.repoTags)).toContain(TestImageNames.busybox);
    const web = await importStream(createReadStream(built.webserver.file), address);
    expect(web.flatMap((i) => i.repoTags).sort()).toEqual([
      TestImageNames.webserver1,
      TestImageNames.webserver2,
    ]);

    const server = await runPod(h, 'websrv');
    const srv = await startContainer(h, server, {
      metadata: { name: 'web', attempt: 0 },
      image: { image: TestImageNames.webserver2 },
      logPath: 'web.log',
    });
    const client = await runPod(h, 'webcli');
    const cli = await startContainer(h, client, h.container('cli', 'exec sleep 3600'));
    const ip =
      (await h.client.runtime.PodSandboxStatus({ podSandboxId: server.id })).status?.network?.ip ??
      '';
    const body = await waitFor(
      async () => {
        const r = await h.client.runtime.ExecSync({
          containerId: cli,
          cmd: ['wget', '-q', '-O', '-', `http://${ip}:8080/`],
          timeout: 10,
        });
        return r.exitCode === 0 ? r.stdout.toString() : undefined;
      },
      { timeoutMs: 30_000, what: 'the webserver to answer' },
    );
    expect(body).toBe('hello from websrv version 2\n');

    await h.client.runtime.StopContainer({ containerId: srv, timeout: 10 });
    const s = await waitExited(h, srv);
    expect([s.exitCode, s.reason]).toEqual([0, 'Completed']);
    const log = (await logLines(s.logPath)).map((l) => l.text);
    expect(log[0]).toBe('webserver version=2 listening on port 8080');
    expect(log.some((l) => / GET \/ 200 host=websrv version=2$/.test(l))).toBe(true);
  });
});
