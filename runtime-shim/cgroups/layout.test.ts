import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cgroupDirs,
  controllerDir,
  hybridControllersToMount,
  parseCgroupLayout,
} from './layout.js';

// /proc/self/mountinfo of this project's machines (cgroup v1 hybrid, separate cpu and cpuacct).
const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
50 23 0:40 / /tmp/with\\040space rw - tmpfs tmpfs rw`;

const V2 = `25 22 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;

const V1 = `26 22 0:23 / /sys/fs/cgroup rw - tmpfs tmpfs rw
27 26 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:10 - cgroup cgroup rw,cpu,cpuacct
28 26 0:25 / /sys/fs/cgroup/memory rw,nosuid shared:11 - cgroup cgroup rw,memory`;

describe('parseCgroupLayout', () => {
  it('recognises a hybrid layout with separate cpu and cpuacct hierarchies', () => {
    const l = parseCgroupLayout(HYBRID);
    expect(l.mode).toBe('hybrid');
    expect(l.unified).toBe('/sys/fs/cgroup/unified');
    expect(l.v1.get('cpu')).toBe('/sys/fs/cgroup/cpu');
    expect(l.v1.get('cpuacct')).toBe('/sys/fs/cgroup/cpuacct');
    expect(l.v1.get('name=systemd')).toBe('/sys/fs/cgroup/systemd');
    expect(controllerDir(l, 'memory', '/tug/pod')).toBe('/sys/fs/cgroup/memory/tug/pod');
    // Every hierarchy, the unified one included (crun makes the cgroup there too).
    expect(cgroupDirs(l, '/a')).toEqual([
      '/sys/fs/cgroup/cpu/a',
      '/sys/fs/cgroup/cpuacct/a',
      '/sys/fs/cgroup/memory/a',
      '/sys/fs/cgroup/pids/a',
      '/sys/fs/cgroup/systemd/a',
      '/sys/fs/cgroup/unified/a',
    ]);
  });

  it('recognises a pure v2 layout', () => {
    const l = parseCgroupLayout(V2);
    expect(l.mode).toBe('v2');
    expect(controllerDir(l, 'memory', '/x')).toBe('/sys/fs/cgroup/x');
    expect(cgroupDirs(l, '/x')).toEqual(['/sys/fs/cgroup/x']);
  });

  it('recognises a v1 layout with a combined cpu,cpuacct hierarchy', () => {
    const l = parseCgroupLayout(V1);
    expect(l.mode).toBe('v1');
    expect(l.v1.get('cpu')).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(l.v1.get('cpuacct')).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(cgroupDirs(l, '/p')).toEqual([
      '/sys/fs/cgroup/cpu,cpuacct/p',
      '/sys/fs/cgroup/memory/p',
    ]);
    expect(controllerDir(l, 'pids', '/p')).toBeUndefined();
  });
});

describe('hybridControllersToMount', () => {
  it('lists v2 controllers that have no v1 hierarchy, and nothing once they do', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tug-cg-'));
    try {
      await writeFile(join(dir, 'cgroup.controllers'), 'hugetlb memory\n');
      const l = parseCgroupLayout(HYBRID.replace('/sys/fs/cgroup/unified', dir));
      expect(await hybridControllersToMount(l)).toEqual(['hugetlb']);
      await writeFile(join(dir, 'cgroup.controllers'), '\n');
      expect(await hybridControllersToMount(l)).toEqual([]);
      expect(await hybridControllersToMount(parseCgroupLayout(V2))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
