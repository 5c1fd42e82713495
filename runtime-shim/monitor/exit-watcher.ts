import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../../lib/log.js';

/** CONTAINER_ID matches the shim's container ids (64 lowercase hex characters). */
export const CONTAINER_ID = /^[0-9a-f]{64}$/;

/**
 * ExitWatcher calls `onExit(id)` when the monitor writes an exit file into
 * `dir` (inotify through fs.watch: no polling). A file may be reported more
 * than once; the handler must be idempotent. Files written while nobody
 * watched are not reported: after `run` has begun, the caller scans the
 * directory once.
 */
export class ExitWatcher {
  constructor(
    private readonly dir: string,
    private readonly onExit: (id: string) => void,
    private readonly logger: Logger,
  ) {}

  /**
   * run watches until `signal` aborts, then resolves. The watch is in place
   * when run returns its promise (it is set up synchronously), so a scan
   * started right after cannot miss a file.
   */
  run(signal: AbortSignal): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    let watcher: FSWatcher;
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      watcher = watch(this.dir, { persistent: false }, (_event, filename) => {
        if (filename !== null && CONTAINER_ID.test(filename)) this.onExit(filename);
      });
      watcher.on('error', (e) => {
        this.logger.error('exit watcher failed', { dir: this.dir, err: e });
        signal.removeEventListener('abort', onAbort);
        reject(e);
      });
      const onAbort = (): void => {
        watcher.close();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
