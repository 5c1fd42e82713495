import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pod } from '../../controlplane/api/types/index.js';
import { FakePodApi, storedPod } from '../testing/fake-pod-api.js';
import { isContainerConfigError } from './env.js';
import { isVolumeError, VolumeManager } from './volumes.js';

const ctx = {
  hostIP: '192.168.0.1',
  podIPs: ['10.0.0.7'],
  node: { cpuMilli: 2000, memoryBytes: 2 ** 30 },
};

describe('VolumeManager', () => {
  let dir: string;
  let api: FakePodApi;
  let vm: VolumeManager;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tug-agent-vol-'));
    api = new FakePodApi();
    vm = new VolumeManager(join(dir, 'root'), api);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const pod = (spec: Partial<NonNullable<Pod['spec']>>) =>
    storedPod({
      metadata: { name: 'p', namespace: 'default', uid: 'uid1', labels: { app: 'x' } },
      spec: { containers: [{ name: 'c' }], ...spec },
    });

  it('projects ConfigMaps and Secrets (decoded) as files with their modes, and refreshes them', async () => {
    api.addConfigMap('default', 'cm', { 'app.conf': 'a=1\n', other: 'o' });
    api.addSecret('default', 'sec', { password: 'hunter2' });
    const p = pod({
      volumes: [
        { name: 'conf', configMap: { name: 'cm' } },
        {
          name: 'pick',
          configMap: {
            name: 'cm',
            items: [{ key: 'app.conf', path: 'sub/dir/app.conf', mode: 0o600 }],
          },
        },
        { name: 'creds', secret: { secretName: 'sec', defaultMode: 0o400 } },
        {
          name: 'info',
          downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
        },
        { name: 'scratch', emptyDir: {} },
      ],
    });
    const vols = await vm.setUp(p, ctx);
    const conf = vols.get('conf')!;
    expect(conf.readOnly).toBe(true);
    expect(await readFile(join(conf.hostPath, 'app.conf'), 'utf8')).toBe('a=1\n');
    expect(conf.hostPath).toBe(
      join(dir, 'root', 'pods', 'uid1', 'volumes', 'kubernetes.io~configmap', 'conf'),
    );
    const picked = join(vols.get('pick')!.hostPath, 'sub/dir/app.conf');
    expect((await stat(picked)).mode & 0o777).toBe(0o600);
    const secret = join(vols.get('creds')!.hostPath, 'password');
    expect(await readFile(secret, 'utf8')).toBe('hunter2');
    expect((await stat(secret)).mode & 0o777).toBe(0o400);
    expect(await readFile(join(vols.get('info')!.hostPath, 'labels'), 'utf8')).toBe('app="x"');
    const scratch = vols.get('scratch')!;
    expect(scratch.readOnly).toBe(false);
    expect((await stat(scratch.hostPath)).isDirectory()).toBe(true);

    // A changed ConfigMap is projected again on the next set-up; removed keys go.
    api.addConfigMap('default', 'cm', { 'app.conf': 'a=2\n' });
    await vm.setUp(p, ctx);
    expect(await readFile(join(conf.hostPath, 'app.conf'), 'utf8')).toBe('a=2\n');
    await expect(stat(join(conf.hostPath, 'other'))).rejects.toThrow();

    await vm.tearDown('uid1');
    await expect(stat(join(dir, 'root', 'pods', 'uid1'))).rejects.toThrow();
  });

  it('fails with a VolumeError for a missing ConfigMap unless optional', async () => {
    const err = await vm
      .setUp(pod({ volumes: [{ name: 'v', configMap: { name: 'nope' } }] }), ctx)
      .catch((e: unknown) => e);
    expect(isVolumeError(err)).toBe(true);
    expect((err as Error).message).toBe('configmap "nope" not found');
    const vols = await vm.setUp(
      pod({ volumes: [{ name: 'v', configMap: { name: 'nope', optional: true } }] }),
      ctx,
    );
    expect(vols.get('v')).toBeDefined();
    const unsupported = await vm
      .setUp(pod({ volumes: [{ name: 'pvc', persistentVolumeClaim: { claimName: 'x' } }] }), ctx)
      .catch((e: unknown) => e);
    expect(isVolumeError(unsupported)).toBe(true);
  });

  it('checks and creates hostPath volumes by type', async () => {
    const file = join(dir, 'file');
    await writeFile(file, 'x');
    const made = join(dir, 'made', 'here');
    const vols = await vm.setUp(
      pod({
        volumes: [
          { name: 'mk', hostPath: { path: made, type: 'DirectoryOrCreate' } },
          { name: 'f', hostPath: { path: file, type: 'File' } },
          { name: 'touch', hostPath: { path: join(dir, 'new.txt'), type: 'FileOrCreate' } },
        ],
      }),
      ctx,
    );
    expect((await stat(made)).isDirectory()).toBe(true);
    expect(vols.get('f')?.hostPath).toBe(file);
    expect((await stat(join(dir, 'new.txt'))).isFile()).toBe(true);
    const wrong = await vm
      .setUp(pod({ volumes: [{ name: 'd', hostPath: { path: file, type: 'Directory' } }] }), ctx)
      .catch((e: unknown) => e);
    expect((wrong as Error).message).toContain('is not a directory');
  });

  it('mounts volumes with readOnly, subPath and propagation; rejects unknown volumes and ..', async () => {
    const p = pod({
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'conf', configMap: { name: 'cm', optional: true } },
      ],
    });
    const vols = await vm.setUp(p, ctx);
    const mounts = await vm.mounts(
      {
        name: 'c',
        volumeMounts: [
          { name: 'data', mountPath: '/data' },
          {
            name: 'data',
            mountPath: '/cache',
            subPath: 'cache',
            mountPropagation: 'HostToContainer',
          },
          { name: 'conf', mountPath: '/etc/app' },
          { name: 'data', mountPath: '/ro', readOnly: true },
        ],
      },
      vols,
    );
    expect(mounts.map((m) => [m.containerPath, m.readonly, m.propagation])).toEqual([
      ['/data', false, 'PROPAGATION_PRIVATE'],
      ['/cache', false, 'PROPAGATION_HOST_TO_CONTAINER'],
      ['/etc/app', true, 'PROPAGATION_PRIVATE'],
      ['/ro', true, 'PROPAGATION_PRIVATE'],
    ]);
    expect((await stat(mounts[1]!.hostPath!)).isDirectory()).toBe(true);
    const unknown = await vm
      .mounts({ name: 'c', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, vols)
      .catch((e: unknown) => e);
    expect(isContainerConfigError(unknown)).toBe(true);
    const escape = await vm
      .mounts(
        { name: 'c', volumeMounts: [{ name: 'data', mountPath: '/x', subPath: '../../etc' }] },
        vols,
      )
      .catch((e: unknown) => e);
    expect(isContainerConfigError(escape)).toBe(true);
  });
});
