import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKubeconfig, writeKubeconfig } from '../../controlplane/client/kubeconfig.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';

const run = promisify(execFile);
const KUBECTL = process.env['KUBECTL'] ?? '/usr/bin/kubectl';
/** KUBECTL_133 sends HPAs as autoscaling/v2 (1.32 sends v1). */
const KUBECTL_133 = process.env['KUBECTL_133'] ?? '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';

interface Result {
  out: string;
  err: string;
  code: number;
}

/**
 * The real kubectl's typed commands send their bodies as protobuf and never
 * fall back to JSON; each must succeed and the object must read back as sent.
 */
describe('kubectl commands that send protobuf bodies', () => {
  let s: TestApiServer;
  let dir: string;

  const kubectlWith = async (bin: string, ...args: string[]): Promise<Result> => {
    const base = [
      '--kubeconfig',
      join(dir, 'kubeconfig'),
      '--cache-dir',
      join(dir, `cache-${bin.length}`),
    ];
    try {
      const r = await run(bin, [...base, ...args], { timeout: 60_000 });
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
  const kubectl = (...args: string[]): Promise<Result> => kubectlWith(KUBECTL, ...args);
  /** ok runs kubectl, expects success and returns stdout. */
  const ok = async (...args: string[]): Promise<string> => {
    const r = await kubectl(...args);
    expect(r.err, args.join(' ')).toBe('');
    expect(r.code, args.join(' ')).toBe(0);
    return r.out.trim();
  };
  /** getJson reads an object with `kubectl get -o json`. */
  const getJson = async (...args: string[]): Promise<Record<string, unknown>> =>
    JSON.parse(await ok('get', ...args, '-o', 'json')) as Record<string, unknown>;

  beforeAll(async () => {
    s = await startApiServer();
    dir = await mkdtemp(join(tmpdir(), 'tug-kubectl-pb-'));
    await writeKubeconfig(
      join(dir, 'kubeconfig'),
      buildKubeconfig({ server: s.url, ca: s.ca, token: s.token }),
    );
  });
  afterAll(async () => {
    await s?.[Symbol.asyncDispose]();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('create deployment, then expose and autoscale it', async () => {
    expect(await ok('create', 'deployment', 'web', '--image=busybox:1.35', '--replicas=2')).toBe(
      'deployment.apps/web created',
    );
    expect(await getJson('deployment', 'web')).toMatchObject({
      metadata: { labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'busybox', image: 'busybox:1.35' }] },
        },
      },
    });

    expect(await ok('expose', 'deployment', 'web', '--port=80', '--target-port=8080')).toBe(
      'service/web exposed',
    );
    expect(await getJson('service', 'web')).toMatchObject({
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
    });

    expect(
      await ok('autoscale', 'deployment', 'web', '--min=2', '--max=5', '--cpu-percent=50'),
    ).toBe('horizontalpodautoscaler.autoscaling/web autoscaled');
    // `hpa.v1.autoscaling` would resolve to the preferred v2; the full name keeps v1.
    const hpa = await getJson('horizontalpodautoscalers.v1.autoscaling', 'web');
    expect(hpa['spec']).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 5,
      targetCPUUtilizationPercentage: 50,
    });
  });

  it('keeps a zero that a pointer field carries: --replicas=0', async () => {
    await ok('create', 'deployment', 'idle', '--image=busybox:1.35', '--replicas=0', '--port=8080');
    expect(await getJson('deployment', 'idle')).toMatchObject({
      spec: {
        replicas: 0,
        template: { spec: { containers: [{ ports: [{ containerPort: 8080, protocol: 'TCP' }] }] } },
      },
    });
  });

  it('create configmap, secret and namespace', async () => {
    expect(await ok('create', 'configmap', 'c', '--from-literal=a=b', '--from-literal=x=y z')).toBe(
      'configmap/c created',
    );
    expect((await getJson('configmap', 'c'))['data']).toEqual({ a: 'b', x: 'y z' });

    expect(await ok('create', 'secret', 'generic', 's', '--from-literal=p=q')).toBe(
      'secret/s created',
    );
    expect(await getJson('secret', 's')).toMatchObject({
      type: 'Opaque',
      data: { p: Buffer.from('q').toString('base64') },
    });

    await ok(
      'create',
      'secret',
      'docker-registry',
      'reg',
      '--docker-server=r.example',
      '--docker-username=u',
      '--docker-password=p',
    );
    const reg = (await getJson('secret', 'reg')) as {
      type?: string;
      data?: Record<string, string>;
    };
    expect(reg.type).toBe('kubernetes.io/dockerconfigjson');
    const cfg = JSON.parse(
      Buffer.from(reg.data?.['.dockerconfigjson'] ?? '', 'base64').toString(),
    ) as { auths: Record<string, { username: string }> };
    expect(cfg.auths['r.example']?.username).toBe('u');

    expect(await ok('create', 'namespace', 'team-a')).toBe('namespace/team-a created');
    expect((await getJson('namespace', 'team-a'))['status']).toEqual({ phase: 'Active' });
  });

  it('create service clusterip and nodeport', async () => {
    expect(await ok('create', 'service', 'clusterip', 'svc1', '--tcp=80:8080')).toBe(
      'service/svc1 created',
    );
    expect(await getJson('service', 'svc1')).toMatchObject({
      spec: {
        type: 'ClusterIP',
        selector: { app: 'svc1' },
        ports: [{ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' }],
      },
    });
    await ok('create', 'service', 'nodeport', 'svc2', '--tcp=80:8080', '--node-port=30080');
    expect(await getJson('service', 'svc2')).toMatchObject({
      spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] },
    });
  });

  it('run a pod', async () => {
    expect(await ok('run', 'p', '--image=busybox:1.35', '--', 'sleep', '3600')).toBe(
      'pod/p created',
    );
    expect(await getJson('pod', 'p')).toMatchObject({
      metadata: { labels: { run: 'p' } },
      spec: { containers: [{ name: 'p', image: 'busybox:1.35', args: ['sleep', '3600'] }] },
    });
  });

  it('--dry-run=server decodes and validates without storing', async () => {
    expect(await ok('create', 'deployment', 'ghost', '--image=x', '--dry-run=server')).toBe(
      'deployment.apps/ghost created (server dry run)',
    );
    const r = await kubectl('get', 'deployment', 'ghost');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/NotFound/);
  });

  it('a decoded object that is invalid gets the usual 422', async () => {
    const r = await kubectl('create', 'deployment', 'bad', '--image=x', '--replicas=-1');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/Deployment\.apps "bad" is invalid: spec\.replicas/);
  });

  it.skipIf(!existsSync(KUBECTL_133))('kubectl 1.33 autoscale sends autoscaling/v2', async () => {
    await ok('create', 'deployment', 'api', '--image=busybox:1.35');
    const r = await kubectlWith(
      KUBECTL_133,
      'autoscale',
      'deployment',
      'api',
      '--min=1',
      '--max=3',
      '--cpu-percent=70',
    );
    expect(r.err).toBe('');
    expect(r.out.trim()).toBe('horizontalpodautoscaler.autoscaling/api autoscaled');
    expect(await getJson('hpa', 'api')).toMatchObject({
      apiVersion: 'autoscaling/v2',
      spec: {
        maxReplicas: 3,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
          },
        ],
      },
    });
  });
});
