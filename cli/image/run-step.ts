import { spawn } from 'node:child_process';
import { lstat, readFile, rmdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
} from '../../runtime-shim/oci/security.js';
import { defaultSeccompProfile } from '../../runtime-shim/oci/seccomp.js';
import { buildSpec } from '../../runtime-shim/oci/spec.js';
import { runCommand } from '../../runtime-shim/util/command.js';
import { resolveInRoot } from './scoped-path.js';
import type { OciUser } from '../../runtime-shim/oci/types.js';

/**
 * RUN: a command in a real container over the image so far, run with crun
 * in the foreground from a bundle written for it. The container gets the
 * shim's default hardening (containerd's capability set, the deny-list
 * seccomp profile, masked and read-only /proc and /sys paths, its own
 * mount, PID, IPC and UTS namespaces) but, like `docker build`, not
 * no_new_privs (so `su`/`sudo` in a RUN work). Network: the host's (the
 * default, as `docker build --network=host`) or none (a fresh namespace).
 * /etc/hosts and /etc/resolv.conf are copies bind-mounted over the image's,
 * so what the command writes there is dropped, as in Docker; the mount
 * points the runtime had to create (/proc, /dev, /etc/hosts… in an image
 * that lacks them) are removed from the layer afterwards.
 */

/** RunNetwork is the network a RUN command gets. */
export type RunNetwork = 'host' | 'none';

/** DEFAULT_PATH is the PATH a RUN command gets when the image sets none (Docker's). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** RunContainerOptions describe one RUN. */
export interface RunContainerOptions {
  /** id names the container (crun) and is its hostname. */
  id: string;
  crun: string;
  /** runtimeRoot is crun's --root, private to the build. */
  runtimeRoot: string;
  /** bundleDir is an empty directory for config.json and the /etc copies. */
  bundleDir: string;
  /** rootfs is the overlay's merged dir; upper its upper dir (cleaned of mount points afterwards). */
  rootfs: string;
  upper: string;
  args: string[];
  env: string[];
  user: OciUser;
  home: string;
  cwd: string;
  network: RunNetwork;
  /** cgroupNamespace gives the container its own cgroup namespace (cgroup v2 hosts). */
  cgroupNamespace: boolean;
  /** output receives the command's stdout and stderr as they come. */
  output: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
}

/** RunResult is how a RUN ended. */
export interface RunResult {
  /** exitCode is the command's status (128 + n when killed by signal n). */
  exitCode: number;
  /** tail is the last few KB of its output. */
  tail: string;
}

/** Mount points the runtime creates in a rootfs that lacks them, parents before children. */
const MOUNT_POINTS = [
  '/proc',
  '/dev',
  '/dev/pts',
  '/dev/shm',
  '/dev/mqueue',
  '/sys',
  '/sys/fs/cgroup',
  '/etc',
  '/etc/hosts',
  '/etc/resolv.conf',
];

const TAIL_BYTES = 4096;

/**
 * runContainer runs one RUN command to its end and resolves with its exit
 * code (never rejects for a failing command). Rejects when the container
 * cannot be started at all, or with the signal's reason when aborted (the
 * container is killed first). The container is deleted either way.
 */
export async function runContainer(o: RunContainerOptions): Promise<RunResult> {
  const existed = new Map<string, boolean>();
  for (const p of MOUNT_POINTS) existed.set(p, await existsIn(o.rootfs, p));
  const hosts = path.join(o.bundleDir, 'hosts');
  const resolv = path.join(o.bundleDir, 'resolv.conf');
  if (o.network === 'host') {
    await writeFile(hosts, await readOr('/etc/hosts', `127.0.0.1\tlocalhost\n`));
    await writeFile(resolv, await readOr('/etc/resolv.conf', ''));
  } else {
    await writeFile(hosts, `127.0.0.1\tlocalhost ${o.id}\n::1\tlocalhost ${o.id}\n`);
    await writeFile(resolv, '');
  }
  const env = [...o.env];
  if (!env.some((e) => e.startsWith('PATH='))) env.push(`PATH=${DEFAULT_PATH}`);
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${o.home}`);
  const caps = [...DEFAULT_CAPABILITIES];
  const spec = buildSpec({
    rootfs: o.rootfs,
    readonlyRootfs: false,
    args: o.args,
    env,
    cwd: o.cwd,
    user: o.user,
    hostname: o.id,
    capabilities: caps,
    noNewPrivileges: false,
    privileged: false,
    seccomp: defaultSeccompProfile(caps),
    maskedPaths: [...DEFAULT_MASKED_PATHS],
    readonlyPaths: [...DEFAULT_READONLY_PATHS],
    hostPid: false,
    hostIpc: false,
    cgroupNamespace: o.cgroupNamespace,
    cgroupsPath: `/tug-build-${o.id}`,
    resources: {},
    etcFiles: { hosts, resolvConf: resolv },
    mounts: [],
    sysctls: {},
    annotations: {},
  });
  if (o.network === 'none') spec.linux.namespaces.push({ type: 'network' });
  await writeFile(path.join(o.bundleDir, 'config.json'), JSON.stringify(spec));
  try {
    return await runForeground(o);
  } finally {
    await runCommand(o.crun, ['--root', o.runtimeRoot, 'delete', '--force', o.id]).catch(
      () => undefined,
    );
    await removeMountPoints(o.upper, existed);
  }
}

function runForeground(o: RunContainerOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    o.signal?.throwIfAborted();
    const child = spawn(o.crun, ['--root', o.runtimeRoot, 'run', '--bundle', o.bundleDir, o.id], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = Buffer.alloc(0);
    const onData = (stream: 'stdout' | 'stderr') => (b: Buffer) => {
      tail = Buffer.concat([tail, b]);
      if (tail.length > TAIL_BYTES) tail = tail.subarray(tail.length - TAIL_BYTES);
      o.output(b, stream);
    };
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));
    const onAbort = (): void => {
      void runCommand(o.crun, ['--root', o.runtimeRoot, 'kill', o.id, 'KILL']).catch(() => {
        child.kill('SIGKILL');
      });
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      o.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (code, sig) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) {
        reject(o.signal.reason);
        return;
      }
      const exitCode = code ?? 128 + signalNumber(sig);
      resolve({ exitCode, tail: tail.toString('utf8') });
    });
  });
}

function signalNumber(sig: NodeJS.Signals | null): number {
  const n: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return sig ? (n[sig] ?? 0) : 0;
}

async function existsIn(rootfs: string, p: string): Promise<boolean> {
  try {
    return (await resolveInRoot(rootfs, p, false)).exists;
  } catch {
    return true;
  }
}

async function readOr(file: string, fallback: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** removeMountPoints deletes from the upper dir the empty mount points the runtime made. */
async function removeMountPoints(upper: string, existed: Map<string, boolean>): Promise<void> {
  for (const p of [...MOUNT_POINTS].reverse()) {
    if (existed.get(p)) continue;
    const host = path.join(upper, p);
    try {
      const st = await lstat(host);
      if (st.isDirectory()) await rmdir(host);
      else if (st.isFile() && st.size === 0) await unlink(host);
    } catch {
      // Not there, or not empty: the command put something in it, which stays.
    }
  }
}
