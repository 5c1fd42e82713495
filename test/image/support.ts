/**
 * What the image build tests share: the busybox test image archive (from
 * `scripts/build-test-images.sh`, else built here the same way), reading
 * layer tars out of a `docker save` archive, and running an image's
 * command with crun from a bundle made by `crun spec` (independent of the
 * builder's own RUN code).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar-stream';
import { nopLogger } from '../../lib/log.js';
import { applyHybridFix, readCgroupLayout } from '../../runtime-shim/cgroups/layout.js';
import { removeCgroup } from '../../runtime-shim/cgroups/remove.js';
import { buildTestImages, type ImageConfig } from '../../runtime-shim/images/index.js';
import { readMountInfo } from '../../runtime-shim/images/mountinfo.js';
import { runCommand } from '../../runtime-shim/util/command.js';

export const repo = fileURLToPath(new URL('../..', import.meta.url));

/** busyboxArchive returns dist/test-images/busybox.tar, building the test images into `dir` when it is missing. */
export async function busyboxArchive(dir: string): Promise<string> {
  const built = join(repo, 'dist', 'test-images', 'busybox.tar');
  if (existsSync(built)) return built;
  const out = await buildTestImages({ outDir: dir, srcDir: join(repo, 'test-images') });
  return out.busybox.file;
}

/** layerEntries lists, per layer of the first image of a docker save archive, its entry names. */
export async function layerEntries(archive: string): Promise<string[][]> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        files.set(h.name, Buffer.concat(chunks));
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  createReadStream(archive).pipe(extract);
  await done;
  const manifest = JSON.parse(files.get('manifest.json')?.toString() ?? '[]') as {
    Layers: string[];
  }[];
  const out: string[][] = [];
  for (const l of manifest[0]?.Layers ?? []) {
    const names: string[] = [];
    const x = tar.extract();
    const read = new Promise<void>((resolve, reject) => {
      x.on('entry', (h, stream, next) => {
        names.push(h.name);
        stream.resume();
        stream.on('end', next);
      });
      x.on('finish', resolve);
      x.on('error', reject);
    });
    x.end(files.get(l));
    await read;
    out.push(names);
  }
  return out;
}

/** mountsUnder lists the mount points at or below `dir`. */
export async function mountsUnder(dir: string): Promise<string[]> {
  return (await readMountInfo())
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(dir + '/'));
}

/** fixCgroups applies the shim's hybrid-cgroup fix, so crun runs on this machine. */
export async function fixCgroups(): Promise<void> {
  await applyHybridFix(await readCgroupLayout(), nopLogger);
}

/**
 * runImage runs an image's Entrypoint + Cmd with crun over `rootfs` (read
 * only), as uid:gid `user`, and returns its exit status and output.
 */
export async function runImage(
  dir: string,
  id: string,
  rootfs: string,
  config: ImageConfig,
  user: { uid: number; gid: number },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const bundle = join(dir, `bundle-${id}`);
  await mkdir(bundle, { recursive: true });
  await runCommand('crun', ['spec'], { cwd: bundle });
  const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as {
    root: unknown;
    process: Record<string, unknown>;
    linux: Record<string, unknown>;
  };
  spec.root = { path: rootfs, readonly: true };
  spec.process['terminal'] = false;
  spec.process['args'] = [...(config.entrypoint ?? []), ...(config.cmd ?? [])];
  spec.process['env'] = config.env ?? [];
  spec.process['cwd'] = config.workingDir ?? '/';
  spec.process['user'] = user;
  const cgroup = `/tug-image-test-${id}`;
  spec.linux['cgroupsPath'] = cgroup;
  await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
  const root = join(dir, 'crun-root');
  try {
    const r = spawnSync('crun', ['--root', root, 'run', '--bundle', bundle, id], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    spawnSync('crun', ['--root', root, 'delete', '--force', id]);
    await removeCgroup(await readCgroupLayout(), cgroup).catch(() => undefined);
  }
}
