/**
 * bench/api: what the API server costs over raw etcd, measured side by side
 * in one run on this machine.
 * 1. Writes: creates/s of 1 KB ConfigMaps with 64 requests in flight through
 *    the API server (a separate process, HTTPS, validation, one guarded etcd
 *    transaction each) vs raw etcd puts of 1 KB with 64 in flight.
 * 2. Watch latency: write → event at 100 watchers, p50/p99, through the API
 *    server's watch cache vs 100 raw etcd watchers.
 * Target: writes ≥ 0.6× raw; watch p99 ≤ 10 ms.
 */
import { Etcd3 } from 'etcd3';
import { findResource } from '../../controlplane/api/resources.js';
import type { KubeObject } from '../../controlplane/api/meta.js';
import type { RestClient } from '../../controlplane/client/index.js';
import { waitFor } from '../../lib/wait.js';
import { H2Client } from '../lib/h2-client.js';
import { fmt, nowMs, percentile, runConcurrent } from '../lib/stats.js';
import { startControlPlane } from '../lib/processes.js';

const WRITES = Number(process.env['BENCH_WRITES'] ?? 4000);
const IN_FLIGHT = 64;
const WATCHERS = 100;
const WATCH_WRITES = Number(process.env['BENCH_WATCH_WRITES'] ?? 100);
const payload = 'x'.repeat(1024);

const cmInfo = findResource('', 'v1', 'configmaps')!;

async function main(): Promise<void> {
  const cp = await startControlPlane();
  const etcd = new Etcd3({ hosts: cp.etcd.endpoint });
  try {
    // Warm both paths (connections, JIT) before timing.
    const cms = cp.client.resource<KubeObject>(cmInfo, 'default');
    await runConcurrent(200, IN_FLIGHT, async (i) => {
      await cms.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `warm-${i}` },
        data: { v: payload },
      } as KubeObject);
      await etcd.put(`/bench/warm/${i}`).value(payload);
    });

    let t = nowMs();
    await runConcurrent(WRITES, IN_FLIGHT, async (i) => {
      await etcd.put(`/bench/raw/${i}`).value(payload);
    });
    const rawRate = WRITES / ((nowMs() - t) / 1000);

    // The load goes over HTTP/2, one connection, as client-go and kubectl send it.
    const h2 = new H2Client(cp.url, cp.ca, cp.token);
    t = nowMs();
    await runConcurrent(WRITES, IN_FLIGHT, async (i) => {
      const body = JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${i}` },
        data: { v: payload },
      });
      const r = await h2.request('POST', '/api/v1/namespaces/default/configmaps', body);
      if (r.status !== 201) throw new Error(`create answered ${r.status}: ${r.body.slice(0, 200)}`);
    });
    const apiRate = WRITES / ((nowMs() - t) / 1000);
    h2.close();

    const rawWatch = await rawWatchLatency(etcd);
    const apiWatch = await apiWatchLatency(cp.client);

    console.log(`writes: ${WRITES} creates of 1 KB, ${IN_FLIGHT} in flight`);
    console.log(`  raw etcd puts:       ${fmt(rawRate, 0)} /s`);
    console.log(`  API server creates:  ${fmt(apiRate, 0)} /s`);
    console.log(`watch: write → event at ${WATCHERS} watchers, ${WATCH_WRITES} writes`);
    console.log(
      `  raw etcd watch:      p50 ${fmt(percentile(rawWatch, 50), 2)} ms  p99 ${fmt(percentile(rawWatch, 99), 2)} ms`,
    );
    console.log(
      `  API server watch:    p50 ${fmt(percentile(apiWatch, 50), 2)} ms  p99 ${fmt(percentile(apiWatch, 99), 2)} ms`,
    );
    console.log(
      `ratio: writes ${fmt(apiRate / rawRate, 2)}x raw (target >= 0.6); watch p99 ${fmt(percentile(apiWatch, 99), 2)} ms vs raw ${fmt(percentile(rawWatch, 99), 2)} ms = ${fmt(percentile(apiWatch, 99) / percentile(rawWatch, 99), 2)}x (target p99 <= 10 ms)`,
    );
  } finally {
    etcd.close();
    await cp.stop();
  }
}

/** measure writes one value at a time and waits until every watcher has seen it. */
async function measure(
  write: (i: number) => Promise<void>,
  subscribe: (onEvent: (i: number) => void) => Promise<() => Promise<void>>,
): Promise<number[]> {
  const latencies: number[] = [];
  let started = 0;
  let seen = 0;
  let waiter: (() => void) | undefined;
  const stop = await subscribe(() => {
    latencies.push(nowMs() - started);
    if (++seen === WATCHERS) waiter?.();
  });
  for (let i = 0; i < WATCH_WRITES; i++) {
    seen = 0;
    const all = new Promise<void>((r) => (waiter = r));
    started = nowMs();
    await write(i);
    await all;
  }
  await stop();
  return latencies;
}

async function rawWatchLatency(etcd: Etcd3): Promise<number[]> {
  return measure(
    async (i) => {
      await etcd.put('/bench/watched/key').value(String(i));
    },
    async (onEvent) => {
      const watchers = await Promise.all(
        Array.from({ length: WATCHERS }, () => etcd.watch().key('/bench/watched/key').create()),
      );
      for (const w of watchers) w.on('put', () => onEvent(0));
      return async () => {
        await Promise.all(watchers.map((w) => w.cancel()));
      };
    },
  );
}

async function apiWatchLatency(rest: RestClient): Promise<number[]> {
  const cms = rest.resource<KubeObject>(cmInfo, 'default');
  const obj = (await cms.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'watched' },
    data: { v: '0' },
  } as KubeObject)) as KubeObject & { data: Record<string, string> };
  const rv = obj.metadata!.resourceVersion!;
  return measure(
    async (i) => {
      await cms.patch('watched', 'merge', { data: { v: String(i + 1) } });
    },
    async (onEvent) => {
      const ac = new AbortController();
      const loops = Array.from({ length: WATCHERS }, async () => {
        try {
          for await (const ev of cms.watch(
            { resourceVersion: rv, fieldSelector: 'metadata.name=watched' },
            ac.signal,
          )) {
            if (ev.type === 'MODIFIED') onEvent(0);
          }
        } catch (e) {
          if (!ac.signal.aborted) throw e;
        }
      });
      // Give every stream time to be registered before the first write.
      const cacheWatchers = async (): Promise<number> => {
        const text = await rest.requestText({ path: '/metrics' });
        const m = /apiserver_registered_watchers\{group="",resource="configmaps"\} (\d+)/.exec(
          text,
        );
        return Number(m?.[1] ?? 0);
      };
      await waitFor(async () => (await cacheWatchers()) >= WATCHERS, {
        timeoutMs: 30_000,
        what: 'watchers',
      });
      return async () => {
        ac.abort();
        await Promise.allSettled(loops);
      };
    },
  );
}

main().catch((e: unknown) => {
  console.error(`bench api: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
