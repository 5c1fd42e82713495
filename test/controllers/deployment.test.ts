import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Deployment,
  Event,
  Pod,
  ReplicaSet,
  StoredDeployment,
  StoredPod,
  StoredReplicaSet,
} from '../../controlplane/api/types/index.js';
import {
  InformerFactory,
  buildKubeconfig,
  writeKubeconfig,
} from '../../controlplane/client/index.js';
import { defaultControllerManagerOptions } from '../../controlplane/controllers/controller.js';
import { isPodReady } from '../../controlplane/controllers/replicaset/index.js';
import {
  ControllerManager,
  defaultControllers,
  selectControllers,
} from '../../controlplane/controllers/manager/index.js';
import { nopLogger } from '../../lib/log.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import {
  deploymentsInfo,
  eventsInfo,
  listPods,
  makeReady,
  podsInfo,
  replicaSetsInfo,
} from './replicaset-support.js';

const run = promisify(execFile);
const KUBECTL = process.env['KUBECTL'] ?? '/usr/bin/kubectl';
const ns = 'default';

function webDeployment(replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'tugboat/webserver:1' }] },
      },
    },
  };
}

describe('Deployment controller in the controller manager, on a real API server, driven by kubectl', () => {
  let s: TestApiServer;
  let dir: string;
  const ac = new AbortController();
  let running: Promise<unknown> = Promise.resolve();
  /** live is what the fake kubelet sees: pods by uid. */
  const live = new Map<string, StoredPod>();
  const violations: string[] = [];
  let watching = false;

  const kubectl = async (
    ...args: string[]
  ): Promise<{ out: string; err: string; code: number }> => {
    try {
      const r = await run(
        KUBECTL,
        ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
        { timeout: 90_000 },
      );
      return { out: r.stdout, err: r.stderr, code: 0 };
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; code?: number };
      return {
        out: x.stdout ?? '',
        err: x.stderr ?? '',
        code: typeof x.code === 'number' ? x.code : 1,
      };
    }
  };

  beforeAll(async () => {
    s = await startApiServer();
    dir = await mkdtemp(join(tmpdir(), 'tug-deploy-'));
    await writeKubeconfig(
      join(dir, 'kubeconfig'),
      buildKubeconfig({ server: s.url, ca: s.ca, token: s.token }),
    );
    const manager = new ControllerManager({
      rest: s.restClient(),
      controllers: selectControllers(defaultControllers, ['*']),
      options: { ...defaultControllerManagerOptions, workers: 2 },
      leaderElection: { namespace: 'kube-system', name: 'kube-controller-manager' },
      logger: nopLogger,
    });
    // A stand-in for the node agents: every new pod turns Running and Ready.
    const informers = new InformerFactory(s.restClient(), { logger: nopLogger });
    const pods = informers.informerFor<Pod>(podsInfo, { namespace: ns });
    // 4 replicas, maxSurge 1, maxUnavailable 1: at most 5 pods wanted, at least 3 ready.
    const rsSpecs = new Map<string, number>();
    const check = (): void => {
      if (!watching) return;
      const alive = [...live.values()].filter((p) => !p.metadata.deletionTimestamp);
      const ready = alive.filter((p) => isPodReady(p)).length;
      const wanted = [...rsSpecs.values()].reduce((a, b) => a + b, 0);
      if (wanted > 5) violations.push(`ReplicaSets want ${wanted} pods (max 5)`);
      if (ready < 3) violations.push(`${ready} pods ready (min 3)`);
    };
    const onRS = (rs: StoredReplicaSet): void => {
      if (rs.metadata.labels?.['app'] !== 'web') return;
      rsSpecs.set(rs.metadata.uid, rs.spec?.replicas ?? 0);
      check();
    };
    informers.informerFor<ReplicaSet>(replicaSetsInfo, { namespace: ns }).addEventHandler({
      onAdd: onRS,
      onUpdate: (_o, rs) => onRS(rs),
      onDelete: (rs) => rsSpecs.delete(rs.metadata.uid),
    });
    const onPod = (p: StoredPod): void => {
      live.set(p.metadata.uid, p);
      check();
      const never = p.metadata.labels?.['test/never-ready'] === 'true';
      if (!never && !isPodReady(p) && !p.metadata.deletionTimestamp) {
        void makeReady(s.client, p).catch(() => {});
      }
    };
    pods.addEventHandler({
      onAdd: onPod,
      onUpdate: (_o, p) => onPod(p),
      onDelete: (p) => {
        live.delete(p.metadata.uid);
        check();
      },
    });
    running = Promise.all([manager.run(ac.signal), informers.run(ac.signal)]);
  });
  afterAll(async () => {
    ac.abort();
    await running;
    await s?.[Symbol.asyncDispose]();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const deployments = () => s.client.resource<Deployment>(deploymentsInfo, ns);
  const replicaSets = () => s.client.resource<ReplicaSet>(replicaSetsInfo, ns);
  const settled = (replicas: number) =>
    waitFor(
      async () => {
        const d: StoredDeployment = await deployments().get('web');
        const st = d.status ?? {};
        const done =
          (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
          st.replicas === replicas &&
          st.updatedReplicas === replicas &&
          st.availableReplicas === replicas &&
          (await listPods(s.client, ns, 'app=web')).length === replicas;
        return done && d;
      },
      { timeoutMs: 60_000, what: `deployment at ${replicas} replicas` },
    );

  it('rolls out, scales, updates within maxUnavailable, and rolls back, as kubectl sees it', async () => {
    await deployments().create(webDeployment(3));
    const d1 = await settled(3);
    expect(d1.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
    });
    expect(d1.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe(
      'NewReplicaSetAvailable',
    );
    const [rs1] = (await replicaSets().list({ labelSelector: 'app=web' })).items;
    expect(rs1?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      name: 'web',
      uid: d1.metadata.uid,
      controller: true,
    });
    expect(rs1?.metadata.name).toBe(`web-${rs1?.metadata.labels?.['pod-template-hash']}`);
    for (const p of await listPods(s.client, ns, 'app=web')) {
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({
        kind: 'ReplicaSet',
        uid: rs1?.metadata.uid,
      });
    }

    const status = await kubectl('rollout', 'status', 'deploy/web', '--timeout=60s');
    expect(status.err).toBe('');
    expect(status.out).toContain('deployment "web" successfully rolled out');

    expect((await kubectl('scale', 'deploy/web', '--replicas=5')).code).toBe(0);
    await settled(5);
    expect((await kubectl('scale', 'deploy/web', '--replicas=4')).code).toBe(0);
    await settled(4);

    // A new image: a rolling update watched pod by pod.
    watching = true;
    const set = await kubectl('set', 'image', 'deploy/web', 'web=tugboat/webserver:2');
    expect(set.code).toBe(0);
    const rolled = await kubectl('rollout', 'status', 'deploy/web', '--timeout=60s');
    expect(rolled.out).toContain('successfully rolled out');
    await settled(4);
    watching = false;
    expect(violations).toEqual([]);
    const images = (await listPods(s.client, ns, 'app=web')).map(
      (p) => p.spec?.containers[0]?.image,
    );
    expect(images).toEqual(Array(4).fill('tugboat/webserver:2'));

    const history = await kubectl('rollout', 'history', 'deploy/web');
    expect(history.out).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);

    // Rollback: kubectl writes revision 1's template back; its ReplicaSet returns as revision 3.
    const undo = await kubectl('rollout', 'undo', 'deploy/web');
    expect(undo.out).toContain('rolled back');
    const back = await kubectl('rollout', 'status', 'deploy/web', '--timeout=60s');
    expect(back.out).toContain('successfully rolled out');
    await settled(4);
    const revived = await replicaSets().get(rs1!.metadata.name);
    expect(revived.spec?.replicas).toBe(4);
    expect(revived.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    const images1 = (await listPods(s.client, ns, 'app=web')).map(
      (p) => p.spec?.containers[0]?.image,
    );
    expect(images1).toEqual(Array(4).fill('tugboat/webserver:1'));
    const history2 = await kubectl('rollout', 'history', 'deploy/web');
    expect(history2.out).toMatch(/2\s+<none>\n3\s+<none>/);

    // A pod deleted by hand comes back.
    const victim = (await listPods(s.client, ns, 'app=web'))[0]!;
    await s.client.resource(podsInfo, ns).delete(victim.metadata.name);
    await waitFor(
      async () => {
        const ps = await listPods(s.client, ns, 'app=web');
        return ps.length === 4 && !ps.some((p) => p.metadata.uid === victim.metadata.uid);
      },
      { timeoutMs: 60_000, what: 'the deleted pod replaced' },
    );

    const events = await s.client
      .resource<Event>(eventsInfo, ns)
      .list({ fieldSelector: 'involvedObject.kind=Deployment,involvedObject.name=web' });
    const msgs = events.items.filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
    expect(msgs).toContain(`Scaled up replica set ${rs1!.metadata.name} from 0 to 3`);
    expect(msgs.some((m) => /^Scaled down replica set web-\w+ from \d+ to 0$/.test(m ?? ''))).toBe(
      true,
    );
  });

  it('kubectl rollout status reports a rollout that exceeded its progress deadline', async () => {
    await deployments().create({
      ...webDeployment(1),
      metadata: { name: 'stuck', namespace: ns },
      spec: {
        ...webDeployment(1).spec!,
        selector: { matchLabels: { app: 'stuck' } },
        progressDeadlineSeconds: 2,
        template: {
          // The stand-in kubelet never readies these pods.
          metadata: { labels: { app: 'stuck', 'test/never-ready': 'true' } },
          spec: { containers: [{ name: 'web', image: 'tugboat/webserver:1' }] },
        },
      },
    });
    const d = await waitFor(
      async () => {
        const cur = await deployments().get('stuck');
        const c = cur.status?.conditions?.find((x) => x.type === 'Progressing');
        return c?.reason === 'ProgressDeadlineExceeded' && cur;
      },
      { timeoutMs: 30_000, what: 'ProgressDeadlineExceeded' },
    );
    const progressing = d.status?.conditions?.find((x) => x.type === 'Progressing');
    expect(progressing?.status).toBe('False');
    expect(progressing?.message).toMatch(/^ReplicaSet "stuck-\w+" has timed out progressing\.$/);
    const r = await kubectl('rollout', 'status', 'deploy/stuck', '--timeout=30s');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('exceeded its progress deadline');
  });
});
