import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetworkConfigList } from './conf.js';
import type { CniResult } from './result.js';
import type { SandboxNetworkRequest, SandboxNetworkStatus } from './types.js';

/**
 * SandboxPhase is where a sandbox's network is in its life:
 * (no record) → `creating` (written before the netns is made, so a crash
 * anywhere after leaves a record to clean up) → `ready` (ADD succeeded) →
 * (record removed, after DEL and netns removal).
 */
export type SandboxPhase = 'creating' | 'ready';

/** SandboxRecord is what the shim keeps on disk about one sandbox's network. */
export interface SandboxRecord {
  version: 1;
  sandboxId: string;
  phase: SandboxPhase;
  netnsPath: string;
  request: SandboxNetworkRequest;
  /** network is the configuration ADD ran with; DEL runs with the same one even if the conf dir changed. */
  network: NetworkConfigList;
  /** result is the chain's final ADD result (DEL's prevResult), once ready. */
  result?: CniResult;
  status?: SandboxNetworkStatus;
  updatedAt: string;
}

const suffix = '.json';
const staleTempMs = 10 * 60_000;

/**
 * SandboxStateStore keeps one JSON record per sandbox in `dir`. Writes are
 * atomic (temp file + rename), so a crash leaves either the old or the new
 * record. Safe for concurrent use on different ids; the caller serialises
 * writes to one id.
 */
export class SandboxStateStore {
  constructor(readonly dir: string) {}

  /** read returns the record of `id`, undefined when there is none; throws on an unreadable one. */
  async read(id: string): Promise<SandboxRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.path(id), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const rec = JSON.parse(text) as SandboxRecord;
    if (rec.version !== 1 || rec.sandboxId !== id) {
      throw new Error(`sandbox record ${this.path(id)} is not a version 1 record of ${id}`);
    }
    return rec;
  }

  /** write replaces the record of `rec.sandboxId` atomically. */
  async write(rec: SandboxRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.dir, `.${rec.sandboxId}${suffix}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, JSON.stringify(rec, null, 2) + '\n', { mode: 0o600 });
      await rename(tmp, this.path(rec.sandboxId));
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
  }

  /** remove deletes the record of `id`; idempotent. */
  async remove(id: string): Promise<void> {
    try {
      await unlink(this.path(id));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  /**
   * list returns the ids that have a record. It also removes temp files a
   * crash left, once they are old enough not to be a concurrent write's.
   */
  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const ids: string[] = [];
    for (const n of names) {
      if (n.startsWith('.') && n.endsWith('.tmp')) await this.removeStaleTemp(join(this.dir, n));
      else if (!n.startsWith('.') && n.endsWith(suffix)) ids.push(n.slice(0, -suffix.length));
    }
    return ids;
  }

  private async removeStaleTemp(path: string): Promise<void> {
    try {
      if (Date.now() - (await stat(path)).mtimeMs > staleTempMs) await unlink(path);
    } catch {
      // Gone already, or renamed by its writer just now.
    }
  }

  private path(id: string): string {
    return join(this.dir, id + suffix);
  }
}
