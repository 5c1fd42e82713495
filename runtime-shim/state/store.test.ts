import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nopLogger } from '../../lib/log.js';
import type { ContainerRecord, SandboxRecord } from './records.js';
import { StateStore } from './store.js';

const sandbox = (id: string, phase: SandboxRecord['phase']): SandboxRecord => ({
  id,
  phase,
  createdAtNs: '1',
  config: {
    metadata: { name: 'p', namespace: 'n', uid: 'u', attempt: 0 },
    hostname: '',
    logDirectory: '',
    dnsConfig: null,
    portMappings: [],
    labels: {},
    annotations: {},
    linux: null,
  },
  runtimeHandler: 'crun',
  hostNetwork: false,
  hostname: 'p',
  cgroupPath: '/t/pod',
});

describe('StateStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tug-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('persists records, keeps creating ones in memory only, and reloads them', async () => {
    const s = new StateStore(dir, nopLogger);
    await s.putSandbox(sandbox('a', 'creating'));
    await s.putSandbox(sandbox('b', 'ready'));
    await s.putContainer({ id: 'c', sandboxId: 'b', phase: 'running' } as ContainerRecord);
    expect(
      s
        .sandboxes()
        .map((x) => x.id)
        .sort(),
    ).toEqual(['a', 'b']);
    const t = new StateStore(dir, nopLogger);
    const orphans = await t.load();
    expect(t.sandboxes().map((x) => x.id)).toEqual(['b']);
    expect(t.container('c')?.phase).toBe('running');
    expect(t.containersOf('b').map((c) => c.id)).toEqual(['c']);
    // The creating sandbox left its directory: an orphan for recovery.
    expect(orphans.orphanSandboxDirs).toEqual(['a']);
  });

  it('treats an unreadable record as none, and deletes directories', async () => {
    await mkdir(join(dir, 'containers', 'torn'), { recursive: true });
    await writeFile(join(dir, 'containers', 'torn', 'container.json'), '');
    const s = new StateStore(dir, nopLogger);
    expect((await s.load()).orphanContainerDirs).toEqual(['torn']);
    await s.putSandbox(sandbox('x', 'ready'));
    await s.deleteSandbox('x');
    await s.deleteSandbox('x');
    expect(await readdir(join(dir, 'sandboxes'))).toEqual([]);
    expect(s.sandbox('x')).toBeUndefined();
  });

  it('never resurrects a record deleted while its write was queued', async () => {
    const s = new StateStore(dir, nopLogger);
    const w = s.putSandbox(sandbox('y', 'ready'));
    const d = s.deleteSandbox('y');
    await Promise.all([w, d]);
    const t = new StateStore(dir, nopLogger);
    await t.load();
    expect(t.sandbox('y')).toBeUndefined();
  });
});
