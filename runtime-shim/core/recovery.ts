import { readdir, rm } from 'node:fs/promises';
import { removeCgroup, listChildCgroups } from '../cgroups/remove.js';
import { errnoCode } from '../errors.js';
import { CONTAINER_ID } from '../monitor/exit-watcher.js';
import type { Containers } from './containers.js';
import type { ShimContext } from './context.js';
import type { Sandboxes } from './sandboxes.js';

/**
 * recover brings the shim's records and the machine back in line after a
 * start (a restart after kill -9 included). Running containers are never
 * touched: their monitors kept running and recording. What it does:
 * - exits recorded while the shim was down become exited states;
 * - a container whose monitor died without recording an exit becomes unknown;
 * - anything half-made (records in `creating`, directories without a record,
 *   runtime containers, pod cgroups and CNI networks no record owns) is removed.
 * The exit watcher must already be running, so no exit falls between the scan
 * and the watch. Errors on single objects are logged and skipped, so one bad
 * leftover cannot keep the shim from starting.
 */
export async function recover(
  ctx: ShimContext,
  containers: Containers,
  sandboxes: Sandboxes,
  orphans: { orphanSandboxDirs: string[]; orphanContainerDirs: string[] },
): Promise<void> {
  const log = ctx.logger.with({ component: 'recovery' });
  const attempt = async (
    what: string,
    fields: Record<string, unknown>,
    fn: () => Promise<void>,
  ): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      log.error(`recovery: ${what} failed`, { ...fields, err: e });
    }
  };

  for (const id of orphans.orphanContainerDirs) {
    await attempt('removing a container directory without record', { id }, async () => {
      const dir = ctx.store.containerDir(id);
      await ctx.runtime.delete(id, true);
      await ctx.monitor.killConmon(dir);
      await ctx.images.unmountRootfs(id);
      await ctx.monitor.forget(id);
      await rm(dir, { recursive: true, force: true });
    });
  }

  for (const rec of ctx.store.containers()) {
    await attempt('recovering a container', { id: rec.id }, async () => {
      if (rec.phase === 'creating') {
        log.info('removing a container left half-created', { id: rec.id });
        await containers.destroy(rec);
        return;
      }
      if (rec.phase !== 'created' && rec.phase !== 'running') return;
      const conmon = await ctx.monitor.conmonPid(ctx.store.containerDir(rec.id));
      if (await ctx.monitor.readExit(rec.id)) {
        await containers.handleExit(rec.id);
      } else if (conmon === undefined) {
        // conmon writes the exit file before it exits: read once more before concluding.
        if (await ctx.monitor.readExit(rec.id)) {
          await containers.handleExit(rec.id);
        } else {
          log.warn('container monitor is gone without an exit record', { id: rec.id });
          await ctx.store.putContainer({
            ...rec,
            phase: 'unknown',
            reason: 'Unknown',
            message: 'the container monitor exited without recording an exit code',
          });
        }
      }
    });
  }

  await attempt('removing runtime containers without record', {}, async () => {
    for (const c of await ctx.runtime.list()) {
      if (!ctx.store.container(c.id)) {
        log.info('removing a runtime container no record owns', { id: c.id, status: c.status });
        await ctx.runtime.delete(c.id, true);
      }
    }
  });

  await attempt('removing stale exit files', {}, async () => {
    let names: string[] = [];
    try {
      names = await readdir(ctx.monitor.exitDir);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    for (const n of names) {
      if (CONTAINER_ID.test(n) && !ctx.store.container(n)) await ctx.monitor.forget(n);
    }
  });

  for (const rec of ctx.store.sandboxes()) {
    if (rec.phase !== 'creating') continue;
    await attempt('removing a sandbox left half-created', { id: rec.id }, () =>
      sandboxes.undo(rec),
    );
  }
  for (const id of orphans.orphanSandboxDirs) {
    await attempt('removing a sandbox directory without record', { id }, () =>
      rm(ctx.store.sandboxDir(id), { recursive: true, force: true }),
    );
  }

  await attempt('reconciling pod networks', {}, () =>
    ctx.network.reconcile(
      new Set(
        ctx.store
          .sandboxes()
          .filter((s) => s.phase === 'ready' && !s.hostNetwork)
          .map((s) => s.id),
      ),
    ),
  );

  await attempt('removing stale pod cgroups', {}, async () => {
    const owned = new Set(ctx.store.sandboxes().map((s) => s.cgroupPath));
    for (const name of await listChildCgroups(ctx.layout, ctx.cgroupParent)) {
      const path = `${ctx.cgroupParent}/${name}`;
      if (name.startsWith('pod-') && !owned.has(path)) {
        log.info('removing a pod cgroup no sandbox owns', { path });
        await removeCgroup(ctx.layout, path);
      }
    }
  });
}
