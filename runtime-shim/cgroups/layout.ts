import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../../lib/log.js';
import { runCommand } from '../util/command.js';
import { readTextIfExists } from '../util/fs.js';

/**
 * CgroupMode is how the host mounts cgroups: only v1 hierarchies, v1 with a
 * cgroup2 mount beside them ("hybrid", e.g. /sys/fs/cgroup/unified), or one
 * cgroup2 hierarchy.
 */
export type CgroupMode = 'v1' | 'hybrid' | 'v2';

/** CgroupLayout says where each cgroup hierarchy is mounted. */
export interface CgroupLayout {
  mode: CgroupMode;
  /** v1 maps each v1 controller (and `name=…` hierarchy) to its mount point. */
  v1: ReadonlyMap<string, string>;
  /** unified is the cgroup2 mount point, when there is one. */
  unified?: string;
}

const V1_CONTROLLERS = new Set([
  'blkio',
  'cpu',
  'cpuacct',
  'cpuset',
  'devices',
  'freezer',
  'hugetlb',
  'memory',
  'misc',
  'net_cls',
  'net_prio',
  'perf_event',
  'pids',
  'rdma',
]);

/** decodeMountPath undoes mountinfo's octal escapes (`\040` for a space). */
function decodeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * parseCgroupLayout reads the cgroup mounts out of /proc/self/mountinfo
 * text. The mode is v2 when only a cgroup2 hierarchy is mounted, hybrid when
 * both kinds are, v1 otherwise.
 */
export function parseCgroupLayout(mountinfo: string): CgroupLayout {
  const v1 = new Map<string, string>();
  let unified: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const mountPoint = left[4];
    const fsType = right[0];
    const superOpts = right[2] ?? '';
    if (mountPoint === undefined) continue;
    const mp = decodeMountPath(mountPoint);
    if (fsType === 'cgroup2') {
      // Prefer the conventional places if several cgroup2 mounts exist.
      if (unified === undefined || mp === '/sys/fs/cgroup' || mp === '/sys/fs/cgroup/unified') {
        unified = mp;
      }
    } else if (fsType === 'cgroup') {
      for (const opt of superOpts.split(',')) {
        if (V1_CONTROLLERS.has(opt) || opt.startsWith('name=')) {
          if (!v1.has(opt)) v1.set(opt, mp);
        }
      }
    }
  }
  const mode: CgroupMode =
    v1.size === 0 && unified !== undefined ? 'v2' : unified ? 'hybrid' : 'v1';
  return unified === undefined ? { mode, v1 } : { mode, v1, unified };
}

/** readCgroupLayout returns the cgroup layout of the calling process's mount namespace. */
export async function readCgroupLayout(): Promise<CgroupLayout> {
  return parseCgroupLayout(await readFile('/proc/self/mountinfo', 'utf8'));
}

/**
 * hybridControllersToMount returns the controllers that a hybrid host lists
 * in its cgroup2 root's cgroup.controllers but has not mounted as v1
 * hierarchies. crun refuses to run while any are listed ("cgroups in hybrid
 * mode not supported, drop all controllers from cgroupv2").
 */
export async function hybridControllersToMount(layout: CgroupLayout): Promise<string[]> {
  if (layout.mode !== 'hybrid' || layout.unified === undefined) return [];
  const text = await readTextIfExists(join(layout.unified, 'cgroup.controllers'));
  return (text ?? '')
    .split(/\s+/)
    .filter((c) => c !== '' && !layout.v1.has(c) && V1_CONTROLLERS.has(c));
}

/** HYBRID_FIX_LOCK serialises the fix between shims starting at once on one machine. */
const HYBRID_FIX_LOCK = '/run/tug-cgroup-hybrid-fix.lock';

/**
 * applyHybridFix mounts, on a hybrid host, a v1 hierarchy for every
 * controller still attached to cgroup2 (on this machine: hugetlb), so that
 * the cgroup2 root lists no controllers and crun works. Idempotent and safe
 * when several shims start together (the check and the mount run under an
 * flock). Returns the layout after the fix.
 */
export async function applyHybridFix(layout: CgroupLayout, logger: Logger): Promise<CgroupLayout> {
  const missing = await hybridControllersToMount(layout);
  if (missing.length === 0) return layout;
  const anyV1 = layout.v1.values().next().value;
  const base = anyV1 === undefined ? '/sys/fs/cgroup' : dirname(anyV1);
  for (const c of missing) {
    const mp = join(base, c);
    logger.info('cgroup hybrid fix: mounting v1 hierarchy', { controller: c, mountPoint: mp });
    await runCommand('flock', [
      HYBRID_FIX_LOCK,
      'sh',
      '-c',
      'grep -q " $2 " /proc/self/mountinfo || { mkdir -p "$2" && mount -t cgroup -o "$1" cgroup "$2"; }',
      'sh',
      c,
      mp,
    ]);
  }
  return readCgroupLayout();
}

/**
 * cgroupDirs lists the directories of cgroup `path` (absolute, e.g.
 * `/tug-ab12/pod-…`) in every hierarchy of the layout, v1 ones first.
 */
export function cgroupDirs(layout: CgroupLayout, path: string): string[] {
  const mounts = new Set(layout.v1.values());
  if (layout.unified !== undefined) mounts.add(layout.unified);
  return [...mounts].map((m) => join(m, path));
}

/**
 * controllerDir is the directory of cgroup `path` for `controller` (v1), or
 * in the unified hierarchy on v2. Undefined when that controller is not
 * mounted.
 */
export function controllerDir(
  layout: CgroupLayout,
  controller: string,
  path: string,
): string | undefined {
  if (layout.mode === 'v2')
    return layout.unified === undefined ? undefined : join(layout.unified, path);
  const m = layout.v1.get(controller);
  return m === undefined ? undefined : join(m, path);
}
