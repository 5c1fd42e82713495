import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext } from './context.js';
import { copyIntoRootfs } from './copy.js';
import { ImageBuildError } from './errors.js';
import { isEmptyDir, mountOverlay, unmountUnder, type Overlay } from './overlay.js';
import type { BuildStep, CopyStep, RunStep, WorkdirStep } from './plan.js';
import { runContainer, type RunNetwork } from './run-step.js';
import { resolveInRoot, ScopedPathError } from './scoped-path.js';
import { ImageUsers } from './users.js';

/**
 * Carrying out a plan's steps one by one. A filesystem step mounts an
 * overlay of the layers so far (the base image's layer dirs in the store,
 * then the layers of earlier steps), does its work through the merged dir,
 * unmounts, and keeps the upper dir as a new layer when the step changed
 * anything. Config steps do nothing here (the plan already applied them).
 */

/** StepRunnerOptions are what every step needs. */
export interface StepRunnerOptions {
  /** work is the build's temp dir (real path); layers and step dirs go under it. */
  work: string;
  context: BuildContext;
  /** baseLayers are the base image's unpacked layer dirs, bottom first. */
  baseLayers: string[];
  crun: string;
  cgroupNamespace: boolean;
  network: RunNetwork;
  say: (line: string) => void;
  output: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** file names the Dockerfile in messages. */
  file: string;
  signal?: AbortSignal;
}

/** StepRunner runs the steps of one build, in order, one at a time. */
export class StepRunner {
  /** layers are the layer dirs the build made so far, bottom first. */
  readonly layers: string[] = [];
  private n = 0;

  constructor(private readonly o: StepRunnerOptions) {}

  /**
   * run carries out `step` and tells whether it made a layer. Rejects with
   * ImageBuildError for a step that fails; the step's overlay is unmounted
   * either way.
   */
  async run(step: BuildStep): Promise<boolean> {
    if (step.kind === 'config') return false;
    const started = Date.now();
    const dir = path.join(this.o.work, `step-${++this.n}`);
    await mkdir(dir);
    const lowers = [...this.o.baseLayers, ...this.layers].reverse();
    const overlay = await mountOverlay(dir, lowers);
    try {
      if (step.kind === 'copy') await this.copy(step, overlay, dir);
      else if (step.kind === 'run') await this.runCommand(step, overlay, dir);
      else await this.workdir(step, overlay);
    } finally {
      await unmountUnder(overlay.merged);
    }
    const secs = ((Date.now() - started) / 1000).toFixed(2);
    if (await isEmptyDir(overlay.upper)) {
      this.o.say(` ---> no changes (${secs} s)`);
      await rm(dir, { recursive: true, force: true });
      return false;
    }
    const layer = path.join(this.o.work, `layer-${this.layers.length + 1}`);
    await rename(overlay.upper, layer);
    await rm(dir, { recursive: true, force: true });
    this.layers.push(layer);
    this.o.say(` ---> new layer ${this.layers.length} (${secs} s)`);
    return true;
  }

  private async copy(step: CopyStep, overlay: Overlay, dir: string): Promise<void> {
    const staging = path.join(dir, 'staging');
    await mkdir(staging);
    const owner = step.chown
      ? (await ImageUsers.read(overlay.merged)).chownOwner(step.chown)
      : undefined;
    await copyIntoRootfs({
      rootfs: overlay.merged,
      context: this.o.context,
      step,
      ...(owner ? { owner } : {}),
      stagingDir: staging,
      warn: (msg) => this.o.say(`warning: ${msg}`),
    }).catch((e: unknown) => {
      throw this.atLine(step, e);
    });
  }

  private async workdir(step: WorkdirStep, overlay: Overlay): Promise<void> {
    await this.mkdirIn(overlay.merged, step.path).catch((e: unknown) => {
      throw this.atLine(step, e);
    });
  }

  private async runCommand(step: RunStep, overlay: Overlay, dir: string): Promise<void> {
    const users = await ImageUsers.read(overlay.merged);
    let resolved;
    try {
      resolved = users.runUser(step.user);
      // Docker makes a missing working directory for RUN; it becomes part of the layer.
      await this.mkdirIn(overlay.merged, step.workdir);
    } catch (e) {
      throw this.atLine(step, e);
    }
    const id = randomBytes(6).toString('hex');
    const bundle = path.join(dir, 'bundle');
    const runtimeRoot = path.join(this.o.work, 'runtime');
    await mkdir(bundle);
    await mkdir(runtimeRoot, { recursive: true });
    this.o.say(` ---> Running in ${id}`);
    let endedWithNewline = true;
    const result = await runContainer({
      id,
      crun: this.o.crun,
      runtimeRoot,
      bundleDir: bundle,
      rootfs: overlay.merged,
      upper: overlay.upper,
      args: step.args,
      env: step.env,
      user: resolved.user,
      home: resolved.home,
      cwd: step.workdir,
      network: this.o.network,
      cgroupNamespace: this.o.cgroupNamespace,
      output: (chunk, stream) => {
        if (chunk.length > 0) endedWithNewline = chunk[chunk.length - 1] === 0x0a;
        this.o.output(chunk, stream);
      },
      ...(this.o.signal ? { signal: this.o.signal } : {}),
    });
    if (!endedWithNewline) this.o.output(Buffer.from('\n'), 'stdout');
    if (result.exitCode !== 0) {
      throw new ImageBuildError(
        'RunFailed',
        `${this.o.file}:${step.line}: the command '${step.args.join(' ')}' returned a non-zero code: ${result.exitCode}`,
        { exitCode: result.exitCode, output: result.tail },
      );
    }
  }

  /** mkdirIn makes directory `p` (and its parents, 0755 root) inside the rootfs. */
  private async mkdirIn(rootfs: string, p: string): Promise<void> {
    const r = await resolveInRoot(rootfs, p);
    if (r.exists) return;
    let cur = rootfs;
    for (const part of r.rel.split('/').filter((s) => s !== '')) {
      cur = path.join(cur, part);
      try {
        await mkdir(cur);
        await chmod(cur, 0o755);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }

  /** atLine puts the Dockerfile line in front of a step's error. */
  private atLine(step: BuildStep, e: unknown): unknown {
    const prefix = `${this.o.file}:${step.line}: `;
    if (e instanceof ImageBuildError) {
      return new ImageBuildError(e.reason, prefix + e.message, { cause: e });
    }
    if (e instanceof ScopedPathError) {
      return new ImageBuildError('BadSource', prefix + e.message, { cause: e });
    }
    return e;
  }
}
