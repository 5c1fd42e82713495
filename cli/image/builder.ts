import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, realpath, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { nopLogger, type Logger } from '../../lib/log.js';
import { applyHybridFix, readCgroupLayout } from '../../runtime-shim/cgroups/layout.js';
import {
  familiarImageRef,
  isInvalidImageRef,
  normalizeImageRef,
  writeImageArchive,
  type ImageFiles,
  type ImageRecord,
  type LayerSource,
  type LocalImageStore,
} from '../../runtime-shim/images/index.js';
import type { ConfigJson, HistoryJson } from '../../runtime-shim/images/oci.js';
import { which } from '../../runtime-shim/util/command.js';
import { BuildContext } from './context.js';
import { importToNodes, type ImageNode, type NodeOutcome } from './distribute.js';
import { parseDockerfile } from './dockerfile.js';
import { DockerfileError, ImageBuildError } from './errors.js';
import { removeStaleBuilds, unmountUnder } from './overlay.js';
import { planBuild } from './plan.js';
import { StepRunner } from './steps.js';
import type { RunNetwork } from './run-step.js';

/**
 * `tug image build`: a Dockerfile built into an image in the builder's own
 * store, then imported into every node. The build works in a temp dir
 * (`tug-build-<pid>-…` under `workDir`): each filesystem step is an overlay
 * of the layers so far whose upper dir becomes the step's layer; at the end
 * the image is written as a `docker save` archive (base layers re-exported
 * from their original blobs, so their diffIDs stay the same) and that one
 * archive is imported into the builder's store and every node. Whatever
 * happens, the temp dir is unmounted and removed.
 */

/** BuildImageOptions say what to build and where. */
export interface BuildImageOptions {
  /** contextDir is the build context (COPY/ADD sources). */
  contextDir: string;
  /** dockerfile is the Dockerfile's path; default `<contextDir>/Dockerfile`. */
  dockerfile?: string;
  /** tags name the image (`name[:tag]`, normalised like Docker); may be empty. */
  tags: string[];
  /** store is the builder's store: FROM images come from it, the built image goes into it. */
  store: LocalImageStore;
  /** say prints a progress line (`Step 2/7 : COPY …`). */
  say: (line: string) => void;
  /** output receives RUN commands' output as it comes; default: line by line through say. */
  output?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** nodes receive the built image; none by default. */
  nodes?: readonly ImageNode[];
  /** network is what RUN commands get: the host's (default) or none. */
  network?: RunNetwork;
  /** workDir holds the build's temp dir; default os.tmpdir(). Must allow overlay upper dirs. */
  workDir?: string;
  /** signal cancels the build (a running RUN is killed); the build rejects with its reason. */
  signal?: AbortSignal;
  logger?: Logger;
  /** archiveOut, when given, receives a copy of the image as a `docker save` archive. */
  archiveOut?: string;
  /** now is the build's creation time; default the current time. */
  now?: () => Date;
}

/** BuiltImage is the result of a build. */
export interface BuiltImage {
  /** image is the image as the builder's store holds it. */
  image: ImageRecord;
  /** nodes says how the import into each node went. */
  nodes: NodeOutcome[];
  /** layers is how many layers the build added on top of its base. */
  newLayers: number;
}

/**
 * buildImage builds the Dockerfile and stores the image. Rejects with
 * DockerfileError (bad Dockerfile, before anything runs), ImageBuildError
 * (an instruction failed: `RunFailed` carries the command's exit code and
 * output tail) or the signal's reason; then nothing is left mounted and the
 * stores are unchanged. A node that refuses the image is reported in
 * `nodes`, not as a rejection. Needs root.
 */
export async function buildImage(opts: BuildImageOptions): Promise<BuiltImage> {
  if (process.getuid?.() !== 0) {
    throw new ImageBuildError(
      'NotRoot',
      'tug image build needs root: it mounts overlays and runs RUN steps with crun (try sudo)',
    );
  }
  const logger = (opts.logger ?? nopLogger).with({ component: 'image-build' });
  const now = (opts.now ?? (() => new Date()))();
  const tags = opts.tags.map((t) => {
    try {
      return normalizeImageRef(t);
    } catch (e) {
      if (isInvalidImageRef(e)) {
        throw new ImageBuildError('BadSource', `invalid tag ${JSON.stringify(t)}: ${e.message}`, {
          cause: e,
        });
      }
      throw e;
    }
  });
  const dockerfilePath = opts.dockerfile ?? path.join(opts.contextDir, 'Dockerfile');
  const label = path.basename(dockerfilePath);
  let text: string;
  try {
    text = await readFile(dockerfilePath, 'utf8');
  } catch (e) {
    throw new ImageBuildError(
      'SourceNotFound',
      `cannot read ${dockerfilePath}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const parsed = parseDockerfile(text, label);
  const fromLine = parsed.instructions[0]?.line ?? 1;
  const base = await resolveBase(
    opts.store,
    parsed.instructions[0]?.kind === 'FROM' ? parsed.instructions[0].image : 'scratch',
    label,
    fromLine,
  );
  const baseConfigJson = base
    ? (JSON.parse(await readFile(base.configFile, 'utf8')) as ConfigJson)
    : undefined;
  const plan = planBuild(parsed, base?.image.config ?? {}, label);
  const context = await BuildContext.open(opts.contextDir);
  const needsRun = plan.steps.some((s) => s.kind === 'run');
  const crun = needsRun ? await findCrun() : '';
  let cgroupNamespace = false;
  if (needsRun) {
    const layout = await applyHybridFix(await readCgroupLayout(), logger);
    cgroupNamespace = layout.mode === 'v2';
  }

  const workRoot = opts.workDir ?? os.tmpdir();
  await mkdir(workRoot, { recursive: true });
  await removeStaleBuilds(workRoot);
  const work = await realpath(await mkdtemp(path.join(workRoot, `tug-build-${process.pid}-`)));
  const started = Date.now();
  try {
    const runner = new StepRunner({
      work,
      context,
      baseLayers: base?.layers.map((l) => l.dir) ?? [],
      crun,
      cgroupNamespace,
      network: opts.network ?? 'host',
      say: opts.say,
      output: opts.output ?? lineWriter(opts.say),
      file: label,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const total = plan.steps.length + 1;
    opts.say(`Step 1/${total} : ${parsed.instructions[0]?.text ?? 'FROM scratch'}`);
    opts.say(base ? ` ---> ${shortId(base.image.id)}` : ' ---> (empty)');
    const created = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const history: HistoryJson[] = baseHistory(baseConfigJson, base?.layers.length ?? 0);
    for (const [i, step] of plan.steps.entries()) {
      opts.signal?.throwIfAborted();
      opts.say(`Step ${i + 2}/${total} : ${parsed.instructions[i + 1]?.text ?? step.createdBy}`);
      const made = await runner.run(step);
      history.push({ created, created_by: step.createdBy, ...(made ? {} : { empty_layer: true }) });
    }
    const layers: LayerSource[] = [
      ...(base?.layers.map((l) => ({ tarFile: l.blobFile })) ?? []),
      ...runner.layers.map((dir) => ({ dir })),
    ];
    const archive = path.join(work, 'image.tar');
    opts.say(`Writing image (${layers.length} layers)`);
    const [written] = await writeImageArchive(
      {
        format: 'docker',
        images: [
          {
            config: plan.config,
            layers,
            repoTags: tags,
            history,
            ...(baseConfigJson?.architecture ? { architecture: baseConfigJson.architecture } : {}),
          },
        ],
        sourceDate: now,
        tmpDir: work,
      },
      createWriteStream(archive),
    );
    const imported = await opts.store.importArchive(createReadStream(archive));
    const image = imported.find((i) => i.id === written?.id) ?? imported[0];
    if (!image)
      throw new Error('the builder store imported no image from the archive it was given');
    opts.say(`Successfully built ${shortId(image.id)}`);
    for (const t of tags) opts.say(`Successfully tagged ${familiarImageRef(t)}`);
    const nodes =
      opts.nodes && opts.nodes.length > 0 ? await importToNodes(archive, opts.nodes) : [];
    if (opts.archiveOut !== undefined) await copyFile(archive, opts.archiveOut);
    logger.info('image built', {
      id: image.id,
      tags,
      newLayers: runner.layers.length,
      ms: Date.now() - started,
    });
    return { image, nodes, newLayers: runner.layers.length };
  } finally {
    await unmountUnder(work);
    // Renamed first so a crash mid-removal never leaves a half dir that looks like a live build.
    const trash = `${work}.trash`;
    await rename(work, trash).catch(() => undefined);
    await rm(trash, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  }
}

async function resolveBase(
  store: LocalImageStore,
  ref: string,
  file: string,
  line: number,
): Promise<ImageFiles | undefined> {
  if (ref === 'scratch') return undefined;
  let files: ImageFiles | undefined;
  try {
    files = await store.imageFiles(ref);
  } catch (e) {
    if (isInvalidImageRef(e))
      throw new DockerfileError(file, line, `FROM ${ref}: ${e.message}`, { cause: e });
    throw e;
  }
  if (!files) {
    throw new ImageBuildError(
      'BaseNotFound',
      `${file}:${line}: image ${ref} not found: import it with \`tug image import FILE\``,
    );
  }
  return files;
}

/**
 * baseHistory is the base image's history, when it matches its layers;
 * otherwise one entry per base layer, so the new history still lines up.
 */
function baseHistory(config: ConfigJson | undefined, layers: number): HistoryJson[] {
  const h = config?.history ?? [];
  if (h.filter((e) => e.empty_layer !== true).length === layers) return h.map((e) => ({ ...e }));
  return Array.from({ length: layers }, () => ({ created_by: 'base image layer' }));
}

async function findCrun(): Promise<string> {
  try {
    return await which('crun');
  } catch (e) {
    throw new ImageBuildError(
      'MissingTool',
      'RUN needs crun, which is not installed (apt-get install crun)',
      { cause: e },
    );
  }
}

/** shortId is the 12 hex digits `docker images` shows. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** lineWriter turns output chunks into whole lines for `say`. */
function lineWriter(say: (line: string) => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) say(l);
  };
}
