import type {
  OciDeviceRule,
  OciMount,
  OciNamespace,
  OciResources,
  OciSeccomp,
  OciSpec,
  OciUser,
} from './types.js';

/** Propagation is a bind mount's propagation, as OCI mount options spell it. */
export type Propagation = 'rprivate' | 'rslave' | 'rshared';

/** BindMount is a host path bind-mounted into the container. */
export interface BindMount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  propagation: Propagation;
}

/** SpecInput is everything already decided about a container; buildSpec only lays it out. */
export interface SpecInput {
  rootfs: string;
  readonlyRootfs: boolean;
  args: string[];
  env: string[];
  cwd: string;
  user: OciUser;
  /** hostname is set in the container's own UTS namespace; undefined shares the shim's (host network). */
  hostname?: string;
  capabilities: string[];
  noNewPrivileges: boolean;
  oomScoreAdj?: number;
  privileged: boolean;
  seccomp?: OciSeccomp;
  maskedPaths: string[];
  readonlyPaths: string[];
  /** netnsPath is the sandbox's pinned network namespace; undefined shares the shim's. */
  netnsPath?: string;
  hostPid: boolean;
  hostIpc: boolean;
  /** cgroupNamespace gives the container its own cgroup namespace (cgroup v2 hosts). */
  cgroupNamespace: boolean;
  cgroupsPath: string;
  resources: OciResources;
  /** etcFiles are the sandbox's files bind-mounted over the image's. */
  etcFiles: { hosts: string; resolvConf: string; hostname?: string };
  mounts: BindMount[];
  sysctls: Record<string, string>;
  annotations: Record<string, string>;
}

/** Character devices every container may use (the OCI default devices and the pty multiplexer). */
const DEFAULT_DEVICE_RULES: OciDeviceRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // pts/*
];

function baseMounts(privileged: boolean): OciMount[] {
  const ro = privileged ? 'rw' : 'ro';
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    {
      destination: '/dev/mqueue',
      type: 'mqueue',
      source: 'mqueue',
      options: ['nosuid', 'noexec', 'nodev'],
    },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', ro],
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', ro],
    },
  ];
}

function bind(
  destination: string,
  source: string,
  readonly: boolean,
  propagation: Propagation,
): OciMount {
  return {
    destination,
    type: 'bind',
    source,
    options: ['rbind', propagation, readonly ? 'ro' : 'rw'],
  };
}

const depth = (p: string): number => p.split('/').filter((s) => s !== '').length;

/**
 * buildSpec lays out the OCI config.json of a container. It makes no
 * decisions of its own beyond the fixed defaults (base mounts, device
 * rules): every choice comes in `input`. No rlimits are set: containers
 * inherit the shim's, as under containerd.
 */
export function buildSpec(input: SpecInput): OciSpec {
  const mounts = baseMounts(input.privileged);
  const userTargets = new Set(input.mounts.map((m) => m.containerPath));
  const etc: [string, string | undefined][] = [
    ['/etc/hosts', input.etcFiles.hosts],
    ['/etc/resolv.conf', input.etcFiles.resolvConf],
    ['/etc/hostname', input.etcFiles.hostname],
  ];
  for (const [dest, src] of etc) {
    if (src !== undefined && !userTargets.has(dest)) {
      mounts.push(bind(dest, src, input.readonlyRootfs, 'rprivate'));
    }
  }
  // Parents before children, so a mount inside another mount's target lands on top of it.
  const user = [...input.mounts].sort((a, b) => depth(a.containerPath) - depth(b.containerPath));
  for (const m of user) mounts.push(bind(m.containerPath, m.hostPath, m.readonly, m.propagation));

  const namespaces: OciNamespace[] = [{ type: 'mount' }];
  if (!input.hostPid) namespaces.push({ type: 'pid' });
  if (!input.hostIpc) namespaces.push({ type: 'ipc' });
  if (input.hostname !== undefined) namespaces.push({ type: 'uts' });
  if (input.netnsPath !== undefined) namespaces.push({ type: 'network', path: input.netnsPath });
  if (input.cgroupNamespace) namespaces.push({ type: 'cgroup' });

  const caps = [...input.capabilities];
  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: input.user,
      args: input.args,
      env: input.env,
      cwd: input.cwd,
      capabilities: {
        bounding: caps,
        effective: caps,
        permitted: caps,
        inheritable: [],
        ambient: [],
      },
      noNewPrivileges: input.noNewPrivileges,
      ...(input.oomScoreAdj !== undefined ? { oomScoreAdj: input.oomScoreAdj } : {}),
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs },
    ...(input.hostname !== undefined ? { hostname: input.hostname } : {}),
    mounts,
    linux: {
      namespaces,
      cgroupsPath: input.cgroupsPath,
      resources: {
        ...input.resources,
        devices: input.privileged ? [{ allow: true, access: 'rwm' }] : DEFAULT_DEVICE_RULES,
      },
      ...(input.privileged
        ? {}
        : { maskedPaths: input.maskedPaths, readonlyPaths: input.readonlyPaths }),
      ...(input.seccomp && !input.privileged ? { seccomp: input.seccomp } : {}),
      ...(Object.keys(input.sysctls).length > 0 ? { sysctl: input.sysctls } : {}),
      rootfsPropagation: input.mounts.some((m) => m.propagation === 'rshared')
        ? 'rshared'
        : input.mounts.some((m) => m.propagation === 'rslave')
          ? 'rslave'
          : 'rprivate',
    },
    ...(Object.keys(input.annotations).length > 0 ? { annotations: input.annotations } : {}),
  };
  return spec;
}
