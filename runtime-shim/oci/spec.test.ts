import { describe, expect, it } from 'vitest';
import { buildSpec, type SpecInput } from './spec.js';

const base: SpecInput = {
  rootfs: '/r',
  readonlyRootfs: false,
  args: ['sh'],
  env: ['PATH=/bin'],
  cwd: '/',
  user: { uid: 0, gid: 0 },
  hostname: 'pod',
  capabilities: ['CAP_KILL'],
  noNewPrivileges: true,
  privileged: false,
  seccomp: { defaultAction: 'SCMP_ACT_ALLOW' },
  maskedPaths: ['/proc/kcore'],
  readonlyPaths: ['/proc/sys'],
  netnsPath: '/run/ns/pod',
  hostPid: false,
  hostIpc: false,
  cgroupNamespace: false,
  cgroupsPath: '/tug/pod-1/c',
  resources: { memory: { limit: 1 } },
  etcFiles: { hosts: '/s/hosts', resolvConf: '/s/resolv.conf', hostname: '/s/hostname' },
  mounts: [
    { containerPath: '/data/sub', hostPath: '/h/sub', readonly: true, propagation: 'rprivate' },
    { containerPath: '/data', hostPath: '/h', readonly: false, propagation: 'rprivate' },
  ],
  sysctls: {},
  annotations: {},
};

describe('buildSpec', () => {
  it('lays out namespaces, pod files, mounts parent-first and the security settings', () => {
    const s = buildSpec(base);
    expect(s.linux.namespaces).toEqual([
      { type: 'mount' },
      { type: 'pid' },
      { type: 'ipc' },
      { type: 'uts' },
      { type: 'network', path: '/run/ns/pod' },
    ]);
    const dests = s.mounts.map((m) => m.destination);
    expect(dests.slice(-5)).toEqual([
      '/etc/hosts',
      '/etc/resolv.conf',
      '/etc/hostname',
      '/data',
      '/data/sub',
    ]);
    expect(s.mounts.find((m) => m.destination === '/data/sub')?.options).toContain('ro');
    expect(s.mounts.find((m) => m.destination === '/sys')?.options).toContain('ro');
    expect(s.linux.maskedPaths).toEqual(['/proc/kcore']);
    expect(s.linux.seccomp).toBeDefined();
    expect(s.process.noNewPrivileges).toBe(true);
    expect(s.linux.resources.devices?.[0]).toEqual({ allow: false, access: 'rwm' });
    expect(s.linux.resources.memory).toEqual({ limit: 1 });
    expect(s.hostname).toBe('pod');
  });

  it('shares host namespaces when asked, and loosens everything for privileged', () => {
    const s = buildSpec({
      ...base,
      hostPid: true,
      hostIpc: true,
      hostname: undefined,
      netnsPath: undefined,
      privileged: true,
    });
    expect(s.linux.namespaces).toEqual([{ type: 'mount' }]);
    expect(s.hostname).toBeUndefined();
    expect(s.linux.seccomp).toBeUndefined();
    expect(s.linux.maskedPaths).toBeUndefined();
    expect(s.mounts.find((m) => m.destination === '/sys')?.options).toContain('rw');
    expect(s.linux.resources.devices).toEqual([{ allow: true, access: 'rwm' }]);
  });

  it('does not cover a user mount of /etc/hosts with the pod file', () => {
    const s = buildSpec({
      ...base,
      mounts: [
        { containerPath: '/etc/hosts', hostPath: '/mine', readonly: true, propagation: 'rprivate' },
      ],
    });
    expect(s.mounts.filter((m) => m.destination === '/etc/hosts').map((m) => m.source)).toEqual([
      '/mine',
    ]);
  });
});
