import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKubeconfig, writeKubeconfig } from '../../controlplane/client/kubeconfig.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';

const run = promisify(execFile);
const KUBECTL = process.env['KUBECTL'] ?? '/usr/bin/kubectl';

const manifest = (replicas: number, image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 8080
`;

describe('the real kubectl drives the API server', () => {
  let s: TestApiServer;
  let dir: string;
  const kubectl = async (
    ...args: string[]
  ): Promise<{ out: string; err: string; code: number }> => {
    try {
      const r = await run(
        KUBECTL,
        ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
        {
          timeout: 60_000,
        },
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
    dir = await mkdtemp(join(tmpdir(), 'tug-kubectl-'));
    await writeKubeconfig(
      join(dir, 'kubeconfig'),
      buildKubeconfig({ server: s.url, ca: s.ca, token: s.token }),
    );
  });
  afterAll(async () => {
    await s?.[Symbol.asyncDispose]();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('version, api-resources and get namespaces work', async () => {
    const v = await kubectl('version', '-o', 'json');
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out).serverVersion).toMatchObject({ major: '1', minor: '32' });
    const ar = await kubectl('api-resources');
    expect(ar.code).toBe(0);
    expect(ar.out).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    expect(ar.out).toMatch(
      /horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler/,
    );
    const ns = await kubectl('get', 'ns');
    expect(ns.code).toBe(0);
    expect(ns.out).toMatch(/^NAME\s+STATUS\s+AGE/);
    expect(ns.out).toMatch(/\ndefault\s+Active\s+\d+/);
  });

  it('apply creates, configures and reports unchanged; scale and get read it back; delete -f removes it', async () => {
    const file = join(dir, 'web.yaml');
    await writeFile(file, manifest(2, 'nginx:1.25'));
    const a1 = await kubectl('apply', '-f', file);
    expect(a1.err).toBe('');
    expect(a1.out.trim()).toBe('deployment.apps/web created');
    await writeFile(file, manifest(3, 'nginx:1.27'));
    const a2 = await kubectl('apply', '-f', file);
    expect(a2.out.trim()).toBe('deployment.apps/web configured');
    const a3 = await kubectl('apply', '-f', file);
    expect(a3.out.trim()).toBe('deployment.apps/web unchanged');
    const img = await kubectl(
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}',
    );
    expect(img.out).toBe('3 nginx:1.27');
    const sc = await kubectl('scale', 'deployment/web', '--replicas=4');
    expect(sc.out.trim()).toBe('deployment.apps/web scaled');
    const get = await kubectl('get', 'deployments');
    expect(get.out).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    expect(get.out).toMatch(/\nweb\s+0\/4\s+0\s+0\s+\d+/);
    const wide = await kubectl('get', 'deploy', '-o', 'wide');
    expect(wide.out).toMatch(/CONTAINERS\s+IMAGES\s+SELECTOR/);
    expect(wide.out).toMatch(/web\s+nginx:1\.27\s+app=web/);
    const del = await kubectl('delete', '-f', file);
    expect(del.out.trim()).toBe('deployment.apps "web" deleted');
    const gone = await kubectl('get', 'deploy', 'web');
    expect(gone.code).not.toBe(0);
    expect(gone.err).toContain('Error from server (NotFound): deployments.apps "web" not found');
  });

  it('reports invalid objects and unknown fields the way kubectl users expect', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, manifest(-1, 'nginx'));
    const bad = await kubectl('apply', '-f', file);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('The Deployment "web" is invalid');
    expect(bad.err).toContain('spec.replicas');
    await writeFile(
      file,
      manifest(1, 'nginx').replace('replicas: 1', 'replicas: 1\n  replicass: 2'),
    );
    const typo = await kubectl('apply', '-f', file);
    expect(typo.code).not.toBe(0);
    expect(typo.err).toContain('unknown field "spec.replicass"');
  });

  it('describe shows a deployment with its defaults', async () => {
    const file = join(dir, 'desc.yaml');
    await writeFile(file, manifest(1, 'busybox:1.35').replaceAll('web', 'desc'));
    const made = await kubectl('create', '-f', file);
    expect(made.err).toBe('');
    expect(made.out.trim()).toBe('deployment.apps/desc created');
    const d = await kubectl('describe', 'deployment', 'desc');
    expect(d.err).toBe('');
    expect(d.code).toBe(0);
    expect(d.out).toMatch(/Name:\s+desc/);
    expect(d.out).toMatch(/StrategyType:\s+RollingUpdate/);
    expect(d.out).toMatch(/RollingUpdateStrategy:\s+25% max unavailable, 25% max surge/);
  });
});
