import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupLayout } from '../../runtime-shim/cgroups/layout.js';
import { removeCgroup } from '../../runtime-shim/cgroups/remove.js';
import { CommandError } from '../../runtime-shim/errors.js';
import { defaultSeccompProfile } from '../../runtime-shim/oci/seccomp.js';
import {
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
} from '../../runtime-shim/oci/security.js';
import { buildSpec } from '../../runtime-shim/oci/spec.js';
import { runCommand } from '../../runtime-shim/util/command.js';

/** RawPodsOptions configure the hand-made baseline. */
export interface RawPodsOptions {
  dir: string;
  runtimePath: string;
  /** rootfs is the image's root filesystem, shared read-only by every raw pod. */
  rootfs: string;
  bridge: string;
  /** prefix is the first three octets of the /24 with a trailing dot; .1 is the bridge. */
  prefix: string;
  cgroupParent: string;
  tag: string;
  layout: CgroupLayout;
  /**
   * same makes each pod what the shim makes, by hand: its own overlay over
   * the image, the shim's OCI spec (default capabilities, seccomp, masked
   * paths, pod hostname/hosts/resolv.conf). Without it, pods run `crun
   * spec`'s defaults on the shared read-only root.
   */
  same?: boolean;
}

const ip = (args: string[]): Promise<unknown> => runCommand('ip', args);

/**
 * RawPods is the benchmark's baseline: what a person does by hand for a pod
 * of one container, with no shim: a network namespace wired to a bridge with
 * `ip` (7 calls), a config.json, and `crun run -d` with the container's
 * output going to a file (and, with `same`, an overlay mount first).
 */
export class RawPods {
  private readonly runtimeRoot: string;

  constructor(private readonly o: RawPodsOptions) {
    this.runtimeRoot = join(o.dir, 'runtime');
  }

  /** setUp makes the bridge. */
  async setUp(): Promise<void> {
    await ip(['link', 'add', this.o.bridge, 'type', 'bridge']);
    await ip(['addr', 'add', `${this.o.prefix}1/24`, 'dev', this.o.bridge]);
    await ip(['link', 'set', this.o.bridge, 'up']);
  }

  private names(i: number): { netns: string; veth: string; id: string; bundle: string } {
    return {
      netns: `tugraw-${this.o.tag}-${i}`,
      veth: `tr${this.o.tag}${i}`.slice(0, 15),
      id: `raw-${this.o.tag}-${i}`,
      bundle: join(this.o.dir, 'bundles', String(i)),
    };
  }

  /** start runs pod `i` (2 ≤ i + 2 ≤ 254) and resolves when its container runs. */
  async start(i: number): Promise<void> {
    const n = this.names(i);
    const addr = `${this.o.prefix}${i + 2}`;
    await ip(['netns', 'add', n.netns]);
    await ip(['link', 'add', n.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.netns]);
    await ip(['link', 'set', n.veth, 'master', this.o.bridge, 'up']);
    await ip(['-n', n.netns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
    await ip(['-n', n.netns, 'link', 'set', 'eth0', 'up']);
    await ip(['-n', n.netns, 'link', 'set', 'lo', 'up']);
    await ip(['-n', n.netns, 'route', 'add', 'default', 'via', `${this.o.prefix}1`]);
    await mkdir(n.bundle, { recursive: true });
    const spec = this.o.same ? await this.sameSpec(i, n.netns, n.bundle) : this.spec(i, n.netns);
    await writeFile(join(n.bundle, 'config.json'), JSON.stringify(spec));
    // Output goes to a file, never a pipe: the detached container would hold a pipe open.
    const log = openSync(join(n.bundle, 'console.log'), 'a');
    try {
      await new Promise<void>((resolve, reject) => {
        const p = spawn(
          this.o.runtimePath,
          ['--root', this.runtimeRoot, 'run', '-d', '--bundle', n.bundle, n.id],
          {
            stdio: ['ignore', log, log],
          },
        );
        p.on('error', reject);
        p.on('exit', (code) =>
          code === 0
            ? resolve()
            : reject(new CommandError(`raw run -d ${n.id}: exit ${code}`, 'crun run', code, '')),
        );
      });
    } finally {
      closeSync(log);
    }
  }

  /** sameSpec mounts the pod's overlay and writes its files, and returns the shim's spec for it. */
  private async sameSpec(i: number, netns: string, bundle: string): Promise<object> {
    for (const d of ['upper', 'work', 'merged']) await mkdir(join(bundle, d), { recursive: true });
    const merged = join(bundle, 'merged');
    await runCommand('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${this.o.rootfs},upperdir=${join(bundle, 'upper')},workdir=${join(bundle, 'work')}`,
      merged,
    ]);
    const etc = {
      hosts: join(bundle, 'hosts'),
      resolvConf: join(bundle, 'resolv.conf'),
      hostname: join(bundle, 'hostname'),
    };
    await writeFile(etc.hosts, `127.0.0.1\tlocalhost\n${this.o.prefix}${i + 2}\traw${i}\n`);
    await writeFile(etc.resolvConf, 'nameserver 10.96.0.10\n');
    await writeFile(etc.hostname, `raw${i}\n`);
    return buildSpec({
      rootfs: merged,
      readonlyRootfs: false,
      args: ['sleep', '3600'],
      env: ['PATH=/bin', `HOSTNAME=raw${i}`],
      cwd: '/',
      user: { uid: 0, gid: 0 },
      hostname: `raw${i}`,
      capabilities: [...DEFAULT_CAPABILITIES],
      noNewPrivileges: true,
      privileged: false,
      seccomp: defaultSeccompProfile(DEFAULT_CAPABILITIES),
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
      netnsPath: `/var/run/netns/${netns}`,
      hostPid: false,
      hostIpc: false,
      cgroupNamespace: this.o.layout.mode === 'v2',
      cgroupsPath: `${this.o.cgroupParent}/raw-${i}`,
      resources: {},
      etcFiles: etc,
      mounts: [],
      sysctls: {},
      annotations: {},
    });
  }

  /** spec is `crun spec`'s default container (its caps, mounts, masked paths) running sleep in the netns. */
  private spec(i: number, netns: string): object {
    const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
    return {
      ociVersion: '1.0.0',
      process: {
        terminal: false,
        user: { uid: 0, gid: 0 },
        args: ['sleep', '3600'],
        env: ['PATH=/bin', `HOSTNAME=raw${i}`],
        cwd: '/',
        capabilities: {
          bounding: caps,
          effective: caps,
          permitted: caps,
          inheritable: [],
          ambient: caps,
        },
        noNewPrivileges: true,
      },
      root: { path: this.o.rootfs, readonly: true },
      hostname: `raw${i}`,
      mounts: [
        { destination: '/proc', type: 'proc', source: 'proc' },
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
          options: ['nosuid', 'noexec', 'nodev', 'ro'],
        },
        {
          destination: '/sys/fs/cgroup',
          type: 'cgroup',
          source: 'cgroup',
          options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
        },
      ],
      linux: {
        resources: { devices: [{ allow: false, access: 'rwm' }] },
        namespaces: [
          { type: 'pid' },
          { type: 'network', path: `/var/run/netns/${netns}` },
          { type: 'ipc' },
          { type: 'uts' },
          { type: 'mount' },
        ],
        cgroupsPath: `${this.o.cgroupParent}/raw-${i}`,
        maskedPaths: [
          '/proc/acpi',
          '/proc/asound',
          '/proc/kcore',
          '/proc/keys',
          '/proc/latency_stats',
          '/proc/timer_list',
          '/proc/timer_stats',
          '/proc/sched_debug',
          '/sys/firmware',
          '/proc/scsi',
        ],
        readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
      },
    };
  }

  /** remove tears pod `i` down. Idempotent. */
  async remove(i: number): Promise<void> {
    const n = this.names(i);
    await runCommand(this.o.runtimePath, [
      '--root',
      this.runtimeRoot,
      'delete',
      '--force',
      n.id,
    ]).catch(() => undefined);
    await ip(['netns', 'del', n.netns]).catch(() => undefined);
    if (this.o.same) await runCommand('umount', [join(n.bundle, 'merged')]).catch(() => undefined);
    await rm(n.bundle, { recursive: true, force: true });
  }

  /** tearDown removes the bridge and the cgroups. Idempotent. */
  async tearDown(): Promise<void> {
    await ip(['link', 'del', this.o.bridge]).catch(() => undefined);
    await removeCgroup(this.o.layout, this.o.cgroupParent).catch(() => undefined);
  }
}
