import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../controlplane/api/types/index.js';
import type { CreateContainerRequest } from '../../proto/generated/tugboat/runtime/v1/CreateContainerRequest.js';
import type { StopContainerRequest } from '../../proto/generated/tugboat/runtime/v1/StopContainerRequest.js';
import { newSyncFixture } from '../testing/sync-fixture.js';

function pod(
  name: string,
  containers: Container[],
  extra: Partial<NonNullable<Pod['spec']>> = {},
): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { nodeName: 'node-1', containers, ...extra },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}

const c = (name: string, extra: Partial<Container> = {}): Container => ({
  name,
  image: 'busybox',
  imagePullPolicy: 'IfNotPresent',
  ...extra,
});

function created(f: { runtime: { requestsOf<R>(m: 'CreateContainer'): R[] } }): string[] {
  return f.runtime
    .requestsOf<CreateContainerRequest>('CreateContainer')
    .map((r) => `${r.config?.metadata?.name}#${r.config?.metadata?.attempt ?? 0}`);
}

describe('PodSyncer: start order', () => {
  it('makes the sandbox, runs init containers one by one, then every app container', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(pod('web', [c('app1'), c('app2')], { initContainers: [c('init1'), c('init2')] }));

    await f.sync('web');
    expect(f.runtime.methods().filter((m) => m === 'RunPodSandbox')).toHaveLength(1);
    expect(created(f)).toEqual(['init1#0']);
    expect(f.api.pod('web')?.status?.phase).toBe('Pending');
    expect(f.api.pod('web')?.status?.initContainerStatuses?.[0]?.state?.running).toBeDefined();

    await f.sync('web'); // init1 still runs: nothing new
    expect(created(f)).toEqual(['init1#0']);

    f.runtime.exitContainer(f.runtime.findContainer('web', 'init1')!.id, 0);
    await f.sync('web');
    expect(created(f)).toEqual(['init1#0', 'init2#0']);

    f.runtime.exitContainer(f.runtime.findContainer('web', 'init2')!.id, 0);
    await f.sync('web');
    expect(created(f)).toEqual(['init1#0', 'init2#0', 'app1#0', 'app2#0']);
    const order = f.runtime
      .methods()
      .filter((m) => ['RunPodSandbox', 'CreateContainer', 'StartContainer'].includes(m));
    expect(order).toEqual([
      'RunPodSandbox',
      'CreateContainer',
      'StartContainer',
      'CreateContainer',
      'StartContainer',
      'CreateContainer',
      'StartContainer',
      'CreateContainer',
      'StartContainer',
    ]);
    const st = f.api.pod('web')!.status!;
    expect(st.phase).toBe('Running');
    expect(st.podIP).toMatch(/^10\.88\.0\./);
    expect(st.hostIP).toBe('192.168.0.10');
    expect(st.conditions?.find((x) => x.type === 'Initialized')?.status).toBe('True');
    expect(st.conditions?.find((x) => x.type === 'Ready')?.status).toBe('True');
    expect(st.initContainerStatuses?.map((s) => s.state?.terminated?.reason)).toEqual([
      'Completed',
      'Completed',
    ]);
    expect(f.recorder.reasons).toContain('Started');
  });

  it('passes the log path, labels and resources to CreateContainer', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(
      pod('res', [
        c('main', {
          command: ['sh', '-c'],
          args: ['echo $(GREETING)'],
          env: [{ name: 'GREETING', value: 'hi' }],
          resources: {
            requests: { cpu: '250m', memory: '64Mi' },
            limits: { cpu: '500m', memory: '128Mi' },
          },
          ports: [{ containerPort: 80, hostPort: 8080 }],
        }),
      ]),
    );
    await f.sync('res');
    const [req] = f.runtime.requestsOf<CreateContainerRequest>('CreateContainer');
    const cfg = req!.config!;
    expect(cfg.logPath).toBe('main/0.log');
    expect(req!.sandboxConfig?.logDirectory).toBe(`${f.rootDir}/logs/default_res_uid-res`);
    expect(cfg.args).toEqual(['echo hi']);
    expect(cfg.labels?.['io.kubernetes.pod.uid']).toBe('uid-res');
    expect(cfg.labels?.['io.kubernetes.container.name']).toBe('main');
    const r = cfg.linux?.resources;
    expect(Number(r?.cpuShares)).toBe(256);
    expect(Number(r?.cpuQuota)).toBe(50_000);
    expect(Number(r?.cpuPeriod)).toBe(100_000);
    expect(Number(r?.memoryLimitInBytes)).toBe(128 * 1024 * 1024);
    const sb = f.runtime.requestsOf<{ config?: { portMappings?: unknown[] } }>('RunPodSandbox')[0];
    expect(sb?.config?.portMappings).toEqual([
      { protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' },
    ]);
  });
});

describe('PodSyncer: environment', () => {
  it('resolves literals, $(VAR), ConfigMap and Secret keys, envFrom and fieldRef', async () => {
    await using f = await newSyncFixture();
    f.api.addConfigMap('default', 'cfg', { MODE: 'fast', 'bad key': 'x' });
    f.api.addSecret('default', 'sec', { password: 's3cret' });
    f.api.addPod(
      pod('env', [
        c('main', {
          envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
          env: [
            { name: 'A', value: 'one' },
            { name: 'B', value: '$(A)-two-$$(A)-$(MISSING)' },
            { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
            { name: 'PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
            {
              name: 'OPT',
              valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } },
            },
          ],
        }),
      ]),
    );
    await f.sync('env');
    const [req] = f.runtime.requestsOf<CreateContainerRequest>('CreateContainer');
    const env = Object.fromEntries((req!.config!.envs ?? []).map((e) => [e.key, e.value]));
    expect(env).toMatchObject({
      CFG_MODE: 'fast',
      A: 'one',
      B: 'one-two-$(A)-$(MISSING)',
      MODE: 'fast',
      PW: 's3cret',
      POD: 'env',
      NS: 'default',
      HOST: '192.168.0.10',
    });
    expect(env['IP']).toMatch(/^10\.88\.0\./);
    expect(env).not.toHaveProperty('OPT');
    expect(env).not.toHaveProperty('CFG_bad key');
  });

  it('waits with CreateContainerConfigError until a missing ConfigMap appears', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(
      pod('cfgwait', [
        c('main', {
          env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'later', key: 'x' } } }],
        }),
      ]),
    );
    const r = await f.sync('cfgwait');
    expect(r.requeueAfterMs).toBeGreaterThan(0);
    const w = f.api.pod('cfgwait')?.status?.containerStatuses?.[0]?.state?.waiting;
    expect(w).toEqual({
      reason: 'CreateContainerConfigError',
      message: 'configmap "later" not found',
    });
    expect(f.runtime.methods()).not.toContain('CreateContainer');

    f.api.addConfigMap('default', 'later', { x: '1' });
    await f.sync('cfgwait');
    expect(f.runtime.methods()).toContain('StartContainer');
    expect(f.api.pod('cfgwait')?.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
  });
});

describe('PodSyncer: restart policies', () => {
  it('Always restarts a container that exited 0', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(pod('always', [c('main')], { restartPolicy: 'Always' }));
    await f.sync('always');
    f.runtime.exitContainer(f.runtime.findContainer('always', 'main')!.id, 0);
    await f.sync('always');
    expect(created(f)).toEqual(['main#0', 'main#1']);
    const s = f.api.pod('always')!.status!.containerStatuses![0]!;
    expect(s.restartCount).toBe(1);
    expect(s.lastState?.terminated?.exitCode).toBe(0);
    expect(s.lastState?.terminated?.reason).toBe('Completed');
  });

  it('OnFailure restarts after a failure and finishes Succeeded after exit 0', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(pod('onfail', [c('main')], { restartPolicy: 'OnFailure' }));
    await f.sync('onfail');
    f.runtime.exitContainer(f.runtime.findContainer('onfail', 'main')!.id, 3);
    await f.sync('onfail');
    expect(created(f)).toEqual(['main#0', 'main#1']);
    f.runtime.exitContainer(f.runtime.findContainer('onfail', 'main')!.id, 0);
    await f.sync('onfail');
    expect(created(f)).toEqual(['main#0', 'main#1']);
    expect(f.api.pod('onfail')?.status?.phase).toBe('Succeeded');
    // A finished pod's sandbox is stopped on the next sync.
    await f.sync('onfail');
    expect(f.runtime.methods()).toContain('StopPodSandbox');
    expect(f.api.pod('onfail')?.status?.phase).toBe('Succeeded');
  });

  it('Never leaves a failed container and the pod Failed', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(pod('never', [c('main')], { restartPolicy: 'Never' }));
    await f.sync('never');
    f.runtime.exitContainer(f.runtime.findContainer('never', 'main')!.id, 2);
    await f.sync('never');
    await f.sync('never');
    expect(created(f)).toEqual(['main#0']);
    const st = f.api.pod('never')!.status!;
    expect(st.phase).toBe('Failed');
    expect(st.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 2,
      reason: 'Error',
    });
    expect(st.conditions?.find((x) => x.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'PodCompleted',
    });
  });

  it('a failed init container under Never fails the pod and starts no app container', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(
      pod('initfail', [c('app')], { restartPolicy: 'Never', initContainers: [c('init')] }),
    );
    await f.sync('initfail');
    f.runtime.exitContainer(f.runtime.findContainer('initfail', 'init')!.id, 1);
    await f.sync('initfail');
    expect(created(f)).toEqual(['init#0']);
    expect(f.api.pod('initfail')?.status?.phase).toBe('Failed');
  });
});

describe('PodSyncer: CrashLoopBackOff', () => {
  it('restarts at once, then after 10 s, 20 s, 40 s … capped at 5 min', async () => {
    await using f = await newSyncFixture({
      behaviour: (cfg) => (cfg.metadata?.name === 'crash' ? { exitCode: 1 } : undefined),
    });
    f.api.addPod(pod('crashy', [c('crash')]));
    await f.sync('crashy'); // attempt 0 starts and crashes at once
    const first = await f.sync('crashy'); // first restart: no back-off yet
    expect(first.requeueAfterMs).toBeUndefined();
    expect(created(f)).toEqual(['crash#0', 'crash#1']);

    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await f.sync('crashy');
      expect(r.requeueAfterMs).toBeGreaterThan(0);
      const st = f.api.pod('crashy')!.status!.containerStatuses![0]!;
      expect(st.state?.waiting?.reason).toBe('CrashLoopBackOff');
      expect(st.lastState?.terminated?.exitCode).toBe(1);
      waits.push(r.requeueAfterMs!);
      f.clock.advance(r.requeueAfterMs! - 1);
      expect((await f.sync('crashy')).requeueAfterMs).toBe(1); // not yet
      f.clock.advance(1);
      await f.sync('crashy'); // restarts now
    }
    expect(waits).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(f.api.pod('crashy')!.status!.containerStatuses![0]!.restartCount).toBe(8);
    expect(f.api.pod('crashy')!.status!.phase).toBe('Running');
    expect(f.recorder.reasons).toContain('BackOff');
    // Only the newest two instances are kept.
    expect(f.runtime.listContainers().length).toBeLessThanOrEqual(2);
  });

  it('starts the sequence over after 10 minutes of running', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(pod('longrun', [c('main')]));
    await f.sync('longrun');
    const crash = async (): Promise<void> => {
      f.runtime.exitContainer(f.runtime.findContainer('longrun', 'main')!.id, 1);
    };
    await crash();
    await f.sync('longrun'); // immediate first restart
    f.clock.advance(1000);
    await crash();
    const r = await f.sync('longrun');
    expect(r.requeueAfterMs).toBe(10_000);
    f.clock.advance(10_000);
    await f.sync('longrun'); // restart 2 (back-off now 10 s, next 20 s)
    f.clock.advance(11 * 60_000); // runs 11 minutes
    await crash();
    const after = await f.sync('longrun');
    expect(after.requeueAfterMs).toBeUndefined(); // restarted at once
    expect(created(f)).toEqual(['main#0', 'main#1', 'main#2', 'main#3']);
  });
});

describe('PodSyncer: graceful deletion', () => {
  it('SIGTERM, SIGKILL after the grace period, sandbox removed, deleted with grace 0', async () => {
    await using f = await newSyncFixture({
      behaviour: () => ({ ignoreSigterm: true }),
    });
    f.api.addPod(pod('del', [c('main'), c('side')], { terminationGracePeriodSeconds: 30 }));
    await f.sync('del');
    const uid = f.api.pod('del')!.metadata.uid;
    f.runtime.clearCalls();
    f.api.markDeleted('del', 30);
    const done = f.sync('del');
    await f.settle();
    const stops = f.runtime.requestsOf<StopContainerRequest>('StopContainer');
    expect(stops.map((s) => Number(s.timeout))).toEqual([30, 30]);
    expect(f.api.deletes).toEqual([]); // still in its grace period
    f.clock.advance(30_000);
    await done;
    expect(f.runtime.listContainers()).toEqual([]);
    const order = f.runtime
      .methods()
      .filter((m) => ['StopContainer', 'StopPodSandbox', 'RemovePodSandbox'].includes(m));
    expect(order).toEqual(['StopContainer', 'StopContainer', 'StopPodSandbox', 'RemovePodSandbox']);
    expect(f.api.deletes).toEqual(['del']);
    expect(f.recorder.events.filter((e) => e.reason === 'Killing').map((e) => e.message)).toEqual([
      'Stopping container main',
      'Stopping container side',
    ]);
    // The informer's delete brings one more sync: nothing left, the worker ends.
    expect(await f.syncUid(uid)).toEqual({ done: true });
  });
});

describe('PodSyncer: orphans and adoption', () => {
  it('removes sandboxes and containers of a UID that has no pod', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(pod('gone', [c('main')]));
    await f.sync('gone');
    const uid = f.api.pod('gone')!.metadata.uid;
    f.api.pods.delete(uid); // force-deleted while the agent looked away
    expect(await f.syncUid(uid)).toEqual({ done: true });
    expect(f.runtime.sandboxCount).toBe(0);
    expect(f.runtime.listContainers()).toEqual([]);
  });

  it('adopts running containers after a restart: nothing is created or started', async () => {
    await using before = await newSyncFixture();
    before.api.addPod(pod('keep', [c('a'), c('b')], { initContainers: [c('init')] }));
    await before.sync('keep');
    before.runtime.exitContainer(before.runtime.findContainer('keep', 'init')!.id, 0);
    await before.sync('keep');
    expect(before.runtime.runningCount).toBe(2);

    await using after = await newSyncFixture();
    after.runtime.adoptFrom(before.runtime);
    after.api.addPod(before.api.pod('keep')!);
    await after.sync('keep');
    const writes = after.runtime
      .methods()
      .filter((m) => !['ListPodSandbox', 'PodSandboxStatus', 'ListContainers'].includes(m));
    expect(writes).toEqual([]);
    expect(after.api.pod('keep')?.status?.phase).toBe('Running');
  });
});

describe('PodSyncer: images', () => {
  it('reports ErrImagePull with the runtime message, then ImagePullBackOff', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(
      pod('img', [c('main', { image: 'example.com/missing:1', imagePullPolicy: 'IfNotPresent' })]),
    );
    const r = await f.sync('img');
    let w = f.api.pod('img')!.status!.containerStatuses![0]!.state!.waiting!;
    expect(w.reason).toBe('ErrImagePull');
    expect(w.message).toContain('tug-shim import');
    expect(r.requeueAfterMs).toBe(10_000);
    await f.sync('img');
    w = f.api.pod('img')!.status!.containerStatuses![0]!.state!.waiting!;
    expect(w.reason).toBe('ImagePullBackOff');
    f.runtime.addImage('example.com/missing:1');
    f.clock.advance(10_000);
    await f.sync('img');
    expect(f.api.pod('img')!.status!.containerStatuses![0]!.state!.running).toBeDefined();
  });

  it('Never pull policy with a missing image is ErrImageNeverPull', async () => {
    await using f = await newSyncFixture();
    f.api.addPod(pod('never-pull', [c('main', { image: 'nothere:1', imagePullPolicy: 'Never' })]));
    await f.sync('never-pull');
    expect(f.api.pod('never-pull')!.status!.containerStatuses![0]!.state!.waiting!.reason).toBe(
      'ErrImageNeverPull',
    );
    expect(f.runtime.methods()).not.toContain('PullImage');
  });
});

describe('PodSyncer: runtime errors', () => {
  it('a failed RunPodSandbox is an error the worker retries, with an event', async () => {
    await using f = await newSyncFixture();
    f.runtime.injectError('RunPodSandbox', 'Unknown', 'CNI ADD failed');
    f.api.addPod(pod('sbfail', [c('main')]));
    await expect(f.sync('sbfail')).rejects.toThrow('CNI ADD failed');
    expect(f.recorder.reasons).toContain('FailedCreatePodSandBox');
    await f.sync('sbfail');
    expect(f.api.pod('sbfail')?.status?.phase).toBe('Running');
  });

  it('a failed CreateContainer waits with CreateContainerError and retries', async () => {
    await using f = await newSyncFixture();
    f.runtime.injectError(
      'CreateContainer',
      'InvalidArgument',
      'config.command: not found in image',
    );
    f.api.addPod(pod('ccfail', [c('main')]));
    const r = await f.sync('ccfail');
    expect(r.requeueAfterMs).toBe(1000);
    expect(f.api.pod('ccfail')!.status!.containerStatuses![0]!.state!.waiting).toEqual({
      reason: 'CreateContainerError',
      message: 'config.command: not found in image',
    });
    await f.sync('ccfail');
    expect(f.api.pod('ccfail')!.status!.containerStatuses![0]!.state!.running).toBeDefined();
  });
});
