/**
 * pods/log, pods/exec and metrics.k8s.io through the real API server to a
 * real node agent server, on the real shim (crun, conmon): the whole path
 * kubectl uses, minus kubectl (see kubectl.test.ts for that).
 */
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodMetricsList, NodeMetrics, StoredPod } from '../../controlplane/api/types/index.js';
import { waitFor } from '../../lib/wait.js';
import { apiExec, apiGet, apiStream, startNode, type NodeFixture } from './fixture.js';

const isRoot = process.getuid?.() === 0;
const base = '/api/v1/namespaces/default/pods';

const running = (p: StoredPod): boolean =>
  p.status?.phase === 'Running' && !!p.status.containerStatuses?.every((c) => c.state?.running);

describe.skipIf(!isRoot)('logs, exec and metrics through the API server', () => {
  let n: NodeFixture;

  beforeAll(async () => {
    n = await startNode();
    await n.createPod({
      metadata: { name: 'talker', labels: { app: 'talker' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: 'busybox',
            imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c'],
            args: [
              'trap "exit 0" TERM; echo first; echo oops >&2; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 1; done',
            ],
          },
        ],
      },
    });
    await n.createPod({
      metadata: { name: 'crasher' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: 'busybox',
            imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c', 'echo "run $(cat /proc/uptime)"; exit 1'],
          },
        ],
      },
    });
    await n.createPod({
      metadata: { name: 'duo' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: ['a', 'b'].map((name) => ({
          name,
          image: 'busybox',
          imagePullPolicy: 'IfNotPresent',
          command: [
            'sh',
            '-c',
            `trap "exit 0" TERM; echo i am ${name}; while true; do sleep 1; done`,
          ],
        })),
      },
    });
    await n.waitPod('talker', running, 'talker running');
    await n.waitPod('duo', running, 'duo running');
    await waitFor(async () => (await apiGet(n.api, `${base}/talker/log`)).body.includes('tick 3'), {
      timeoutMs: 30_000,
      what: 'talker to log three ticks',
    });
  }, 240_000);

  afterAll(async () => {
    await n?.[Symbol.asyncDispose]();
  }, 180_000);

  it('serves a container log as plain text, with tail and timestamps', async () => {
    const all = await apiGet(n.api, `${base}/talker/log`);
    expect(all.status).toBe(200);
    expect(all.type).toContain('text/plain');
    // stdout and stderr are read from separate pipes: their relative order may vary.
    expect(all.body.split('\n').slice(0, 4).sort()).toEqual(['first', 'oops', 'tick 1', 'tick 2']);
    const tail = await apiGet(n.api, `${base}/talker/log?tailLines=1`);
    expect(tail.body).toMatch(/^tick \d+\n$/);
    const ts = await apiGet(n.api, `${base}/talker/log?timestamps=true&tailLines=2`);
    for (const line of ts.body.trimEnd().split('\n')) {
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z tick \d+$/);
    }
    const limited = await apiGet(n.api, `${base}/talker/log?limitBytes=3`);
    expect(limited.body).toBe('fir');
  });

  it('follows a log: lines written after the request arrive', async () => {
    const first = (await apiGet(n.api, `${base}/talker/log?tailLines=1`)).body;
    const last = Number(/tick (\d+)/.exec(first)?.[1]);
    const text = await apiStream(n.api, `${base}/talker/log?follow=true&tailLines=1`, (t) =>
      t.includes(`tick ${last + 2}\n`),
    );
    expect(text).toContain(`tick ${last + 1}\n`);
    expect(text).toContain(`tick ${last + 2}\n`);
  });

  it('serves the previous instance of a restarted container', async () => {
    await n.waitPod(
      'crasher',
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
      'crasher restarted',
    );
    const prev = await apiGet(n.api, `${base}/crasher/log?previous=true`);
    expect(prev.status).toBe(200);
    expect(prev.body).toMatch(/^run \d/);
    const noPrev = await apiGet(n.api, `${base}/talker/log?previous=true`);
    expect(noPrev.status).toBe(400);
    expect(JSON.parse(noPrev.body)).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      message: 'previous terminated container "main" in pod "talker" not found',
    });
  });

  it('answers Status errors as kube-apiserver does', async () => {
    const missing = await apiGet(n.api, `${base}/nope/log`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ message: 'pods "nope" not found' });
    const several = await apiGet(n.api, `${base}/duo/log`);
    expect(several.status).toBe(400);
    expect(JSON.parse(several.body).message).toBe(
      'a container name must be specified for pod duo, choose one of: [a b]',
    );
    expect((await apiGet(n.api, `${base}/duo/log?container=b`)).body).toBe('i am b\n');
    const unknown = await apiGet(n.api, `${base}/talker/log?container=x`);
    expect(JSON.parse(unknown.body).message).toBe('container x is not valid for pod talker');
    const plainExec = await apiGet(n.api, `${base}/talker/exec?command=ls&stdout=true`);
    expect(plainExec.status).toBe(400);
    expect(JSON.parse(plainExec.body).message).toBe('Upgrade request required');
  });

  it('runs commands over WebSocket: output, exit codes, stdin (v5 and v4)', async () => {
    const hi = await apiExec(n.api, 'command=echo&command=hi&stdout=true&stderr=true');
    expect(hi).toMatchObject({
      protocol: 'v5.channel.k8s.io',
      stdout: 'hi\n',
      status: { status: 'Success' },
      closeCode: 1000,
    });
    const three = await apiExec(
      n.api,
      'command=sh&command=-c&command=echo%20bad%20%3E%262%3B%20exit%203&stdout=true&stderr=true',
      { protocols: ['v4.channel.k8s.io'] },
    );
    expect(three.protocol).toBe('v4.channel.k8s.io');
    expect(three.stderr).toBe('bad\n');
    expect(three.status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    const cat = await apiExec(n.api, 'command=cat&stdin=true&stdout=true&stderr=true', {
      stdin: 'piped in\n',
    });
    expect(cat.stdout).toBe('piped in\n');
    expect(cat.status).toMatchObject({ status: 'Success' });
    await expect(
      apiExec(n.api, 'command=ls&stdout=true&container=b', { pod: 'duo' }),
    ).resolves.toMatchObject({ status: { status: 'Success' } });
    await expect(apiExec(n.api, 'command=ls&stdout=true&tty=true')).rejects.toThrow(
      /HTTP 400.*TTY is not supported/,
    );
    await expect(apiExec(n.api, 'command=ls&stdout=true', { pod: 'duo' })).rejects.toThrow(
      /HTTP 400.*choose one of: \[a b\]/,
    );
    await expect(apiExec(n.api, 'command=ls&stdout=true', { token: 'wrong' })).rejects.toThrow(
      /HTTP 401/,
    );
    await expect(
      apiExec(n.api, 'watch=true', { path: '/api/v1/namespaces/default/pods' }),
    ).rejects.toThrow(/HTTP 400.*does not upgrade connections/);
    await expect(apiExec(n.api, 'command=ls&stdout=true', { pod: 'nope' })).rejects.toThrow(
      /HTTP 404.*pods \\"nope\\" not found/,
    );
  });

  it('serves metrics.k8s.io from the nodes’ summaries', async () => {
    const pods = JSON.parse(
      (
        await apiGet(
          n.api,
          '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dtalker',
        )
      ).body,
    ) as PodMetricsList;
    expect(pods.kind).toBe('PodMetricsList');
    expect(pods.items.map((p) => p.metadata.name)).toEqual(['talker']);
    const usage = pods.items[0]!.containers[0]!;
    expect(usage.name).toBe('main');
    expect(usage.usage['cpu']).toMatch(/^\d+(n|u|m)?$/);
    expect(usage.usage['memory']).toMatch(/^\d+(Ki|Mi)?$/);
    // The node's cpu rate needs two samples (one a second here).
    const node = await waitFor(
      async () => {
        const r = await apiGet(n.api, `/apis/metrics.k8s.io/v1beta1/nodes/${n.nodeName}`);
        return r.status === 200 ? (JSON.parse(r.body) as NodeMetrics) : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'node metrics' },
    );
    expect(node).toMatchObject({ kind: 'NodeMetrics', window: '10s' });
    expect(node.usage['cpu']).toMatch(/^\d+(n|u|m)?$/);
    const disc = JSON.parse((await apiGet(n.api, '/apis/metrics.k8s.io/v1beta1')).body) as {
      resources: { name: string }[];
    };
    expect(disc.resources.map((r) => r.name)).toEqual(['nodes', 'pods']);
  });

  it('lets in only clients with a certificate from the client CA', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`https://127.0.0.1:${n.agentServer.port}/stats/summary`, {
        rejectUnauthorized: false,
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(401);
    const withCert = await new Promise<number>((resolve, reject) => {
      const req = request(`https://127.0.0.1:${n.agentServer.port}/stats/summary`, {
        rejectUnauthorized: false,
        cert: n.clientCert.cert,
        key: n.clientCert.key,
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(withCert).toBe(200);
  });
});
