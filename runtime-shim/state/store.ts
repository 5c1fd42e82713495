import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../lib/log.js';
import { errnoCode } from '../errors.js';
import { KeyedMutex } from '../util/keyed-mutex.js';
import { readJsonIfExists, writeFileAtomic } from '../util/fs.js';
import type { ContainerRecord, SandboxRecord } from './records.js';

const SANDBOX_FILE = 'sandbox.json';
const CONTAINER_FILE = 'container.json';

/**
 * StateStore holds the shim's sandbox and container records in memory and
 * on disk: one JSON file per object, inside that object's own directory
 * (`<root>/sandboxes/<id>/sandbox.json`, `<root>/containers/<id>/container.json`),
 * replaced atomically on every change. Records in the `creating` phase live
 * only in memory: a crash during creation leaves a directory without a
 * record, which recovery removes with everything it points at. A shim
 * killed at any line restarts with every other record as last written.
 * Files are not fsynced: they must survive the shim's death, not the
 * machine's (after a machine crash no container survives anyway, and an
 * unreadable record counts as none). Writes of one object are serialised and
 * always write its newest state; reads never touch the disk.
 */
export class StateStore {
  readonly sandboxesDir: string;
  readonly containersDir: string;
  private readonly sandboxMap = new Map<string, SandboxRecord>();
  private readonly containerMap = new Map<string, ContainerRecord>();
  private readonly writes = new KeyedMutex();

  constructor(
    root: string,
    private readonly logger: Logger,
  ) {
    this.sandboxesDir = join(root, 'sandboxes');
    this.containersDir = join(root, 'containers');
  }

  /** sandboxDir is the directory of sandbox `id` (its record, hosts, resolv.conf, hostname). */
  sandboxDir(id: string): string {
    return join(this.sandboxesDir, id);
  }

  /** containerDir is the directory of container `id` (its record and OCI bundle). */
  containerDir(id: string): string {
    return join(this.containersDir, id);
  }

  /**
   * load reads every record from disk, replacing what is in memory. Returns
   * the names of directories that hold no record (left by a crash before the
   * first write, or after the last delete) so recovery can clean them.
   */
  async load(): Promise<{ orphanSandboxDirs: string[]; orphanContainerDirs: string[] }> {
    this.sandboxMap.clear();
    this.containerMap.clear();
    const orphanSandboxDirs: string[] = [];
    const orphanContainerDirs: string[] = [];
    for (const id of await listDirs(this.sandboxesDir)) {
      const rec = (await readJsonIfExists(join(this.sandboxDir(id), SANDBOX_FILE))) as
        SandboxRecord | undefined;
      if (rec?.id === id) this.sandboxMap.set(id, rec);
      else orphanSandboxDirs.push(id);
    }
    for (const id of await listDirs(this.containersDir)) {
      const rec = (await readJsonIfExists(join(this.containerDir(id), CONTAINER_FILE))) as
        ContainerRecord | undefined;
      if (rec?.id === id) this.containerMap.set(id, rec);
      else orphanContainerDirs.push(id);
    }
    this.logger.debug('state loaded', {
      sandboxes: this.sandboxMap.size,
      containers: this.containerMap.size,
    });
    return { orphanSandboxDirs, orphanContainerDirs };
  }

  sandbox(id: string): SandboxRecord | undefined {
    return this.sandboxMap.get(id);
  }

  sandboxes(): SandboxRecord[] {
    return [...this.sandboxMap.values()];
  }

  container(id: string): ContainerRecord | undefined {
    return this.containerMap.get(id);
  }

  containers(): ContainerRecord[] {
    return [...this.containerMap.values()];
  }

  /** containersOf lists the containers of sandbox `sandboxId`. */
  containersOf(sandboxId: string): ContainerRecord[] {
    return this.containers().filter((c) => c.sandboxId === sandboxId);
  }

  /**
   * putSandbox records `rec` in memory at once and, unless it is still
   * `creating`, on disk before resolving. A `creating` record makes its
   * directory, so a crash leaves an orphan directory for recovery to find.
   */
  async putSandbox(rec: SandboxRecord): Promise<void> {
    this.sandboxMap.set(rec.id, rec);
    if (rec.phase === 'creating') {
      await mkdir(this.sandboxDir(rec.id), { recursive: true });
      return;
    }
    await this.persist(`s/${rec.id}`, join(this.sandboxDir(rec.id), SANDBOX_FILE), () =>
      this.sandboxMap.get(rec.id),
    );
  }

  /** putContainer is putSandbox for containers. */
  async putContainer(rec: ContainerRecord): Promise<void> {
    this.containerMap.set(rec.id, rec);
    if (rec.phase === 'creating') {
      await mkdir(this.containerDir(rec.id), { recursive: true });
      return;
    }
    await this.persist(`c/${rec.id}`, join(this.containerDir(rec.id), CONTAINER_FILE), () =>
      this.containerMap.get(rec.id),
    );
  }

  /** deleteSandbox forgets sandbox `id` and removes its directory. Idempotent. */
  async deleteSandbox(id: string): Promise<void> {
    this.sandboxMap.delete(id);
    await this.writes.run(`s/${id}`, () =>
      rm(this.sandboxDir(id), { recursive: true, force: true }),
    );
  }

  /** deleteContainer forgets container `id` and removes its directory. Idempotent. */
  async deleteContainer(id: string): Promise<void> {
    this.containerMap.delete(id);
    await this.writes.run(`c/${id}`, () =>
      rm(this.containerDir(id), { recursive: true, force: true }),
    );
  }

  private async persist(
    key: string,
    file: string,
    latest: () => object | undefined,
  ): Promise<void> {
    await this.writes.run(key, async () => {
      const rec = latest();
      // Deleted meanwhile: writing would resurrect the directory.
      if (rec === undefined) return;
      await writeFileAtomic(file, JSON.stringify(rec, null, 1), { fsync: false });
    });
  }
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
}
